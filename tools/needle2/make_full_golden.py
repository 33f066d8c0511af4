#!/usr/bin/python3
"""Full-size Needle 2 random checkpoint + golden, generated deterministically (NOT committed).

Config: --preset picks architecture.PRESETS (default "base": d_model 512, 8/4 heads, 27 layers,
engram_layers (2, 15) = 45.2M parameters, the released "45M" model; "needle": d_model 768, 12/6 heads
= 91.0M), every other field at TransformerConfig's default, plus kv_window 256 (the README's 256-token
window; the budget window alone would be larger). --config-json overrides kwargs.

Writes into --out (default: a fresh dir): tokenizer.model (BPE, 8192 pieces, Needle 2's special ids,
trained on BFCL), needle2.pkl (float16, average_checkpoints layout), needle2-lora.pkl (rank 16,
alpha 32 = the CLI defaults), lora-merged.safetensors, needle2.cact + needle2-lora.cact (reference
write_export, 4-bit), golden-decode.json / golden-cact.json (same schemas as the tiny set, see
test/fixtures/needle2/README.md), and with --dequant cact-dequant.safetensors (173 MB at base, 350 MB at needle).

Usage (repo root): nice -n 10 /usr/bin/python3 -m tools.needle2.make_full_golden --out /tmp/needle2-base [--preset base]
Also writes manifest.json (preset, parameter count, seeds, wall/CPU seconds): the full-size test reads it.
Time: base --dequant 4.8 min wall / 238 s CPU, 1.8 GB peak, 375 MB written; needle --check-full
6.6 min CPU, 18 min wall, ~4 GB, ~415 MB (shared 2-core box).
"""
import argparse
import json
import os
import pickle
import subprocess
import sys
import time

import numpy as np

from . import cact
from .checkpoint import (cast_tree, config_dict, merge_adapter, random_adapter, random_params, set_paths,
                         write_checkpoint)
from .config import PRESETS, Config
from .fixture_set import cact_doc, dump, leaf_doc, run_plan, sha256, write_cacts, write_dequant
from .goldens import vec
from .reference_import import reference_export
from .safetensors_io import write_safetensors

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SEED, LORA_SEED = 20260820, 16
LORA_RANK, LORA_ALPHA = 16, 32.0
BOS, EOS = 2, 1
LONG_QUERY = (
    "Hi, it's Dana from the Riverside office again. Quick recap of the thread so far, sorry it got long: "
    "on Monday the team agreed to move the quarterly planning review from the 14th to the 21st because "
    "half of the product group is travelling to the Lisbon conference, and Marco asked that we keep the "
    "same room on the fourth floor if it is free. Priya then pointed out that the fourth floor is being "
    "repainted that week, so facilities suggested the large meeting room next to the cafeteria instead, "
    "which seats twenty people and has the better projector. Everyone seemed fine with that, except that "
    "the finance people need to dial in from Chicago, so the start time has to be after 3 pm our time. "
    "We also still have the open question about the catering budget: last quarter we spent roughly four "
    "hundred dollars on lunch and coffee, and Jordan wants to cap it at three hundred and fifty this time. "
    "On a separate note, the client demo with Northwind is still scheduled for Thursday the 16th at 10 am, "
    "and Sam is preparing the slides; he asked whether anyone has the latest revenue numbers for the "
    "western region, because the dashboard was showing last month's figures. Finally, my laptop battery "
    "has been dying after about an hour, so I opened a ticket with IT, number 48213, but nobody has "
    "replied yet. Anyway, what I actually need right now is simple: what's the weather going to be like "
    "in Lisbon tomorrow, in celsius, so I can tell the travellers what to pack?")


def bfcl_tools(n):
    path = os.path.join(ROOT, "..", "shared", "data", "bfcl", "BFCL_v4_multiple.json")
    tools = []
    for line in open(path, encoding="utf-8"):
        for fn in json.loads(line)["function"]:
            tools.append(fn)
            if len(tools) == n:
                return tools
    return tools


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--preset", default="base", choices=sorted(PRESETS),
                    help="architecture.PRESETS entry (default base: the released 45M model)")
    ap.add_argument("--config-json", default=None, help="override config kwargs (JSON object)")
    ap.add_argument("--steps", type=int, default=8, help="decode steps per case")
    ap.add_argument("--check-full", action="store_true", help="also run the whole-sequence path (self-check)")
    ap.add_argument("--dequant", action="store_true", help="also write cact-dequant.safetensors (~350 MB)")
    args = ap.parse_args()
    t0 = time.time()
    out = args.out
    os.makedirs(out, exist_ok=True)

    def log(msg):
        print(f"[{time.time() - t0:6.1f}s] {msg}", flush=True)

    export, _ = reference_export()
    from needle.model import finetune as ref_finetune
    from needle.model.tokenizer import SANTokenizer

    kwargs = dict(PRESETS[args.preset], kv_window=256)
    if args.config_json:
        kwargs.update(json.loads(args.config_json))
    cfg_d = config_dict(kwargs)
    cfg = Config.from_dict(cfg_d)

    tok_path = os.path.join(out, "tokenizer.model")
    if not os.path.exists(tok_path):
        subprocess.run([sys.executable, os.path.join(ROOT, "tools", "needle2", "train_tiny_tokenizer.py"),
                        os.path.join(out, "tokenizer"), str(cfg.vocab_size)], check=True)
        os.remove(os.path.join(out, "tokenizer.vocab"))
    tok = SANTokenizer(tok_path)
    log(f"tokenizer {tok.vocab_size} pieces")

    # d3 around 0 and a small embedding std keep one residual dim and the tied-embedding self term
    # from deciding every argmax at this width (see random_params)
    params = cast_tree(random_params(cfg, SEED, d3_mean=0.0, emb_std=0.012), np.float16)
    n_params = sum(int(np.asarray(v).size) for v in _leaves(params))
    log(f"random params: {n_params / 1e6:.1f}M")
    write_checkpoint(os.path.join(out, "needle2.pkl"), cast_tree(params, np.float16, scalars_as_numpy_scalars=True),
                     cfg_d, extra={"step": 1234, "run": {"averaged_from": [1200, 1234]}}, protocol=4)
    adapter = random_adapter(params, LORA_RANK, LORA_ALPHA, LORA_SEED, base="needle2.pkl")
    with open(os.path.join(out, "needle2-lora.pkl"), "wb") as f:
        pickle.dump(adapter, f, protocol=4)
    merged = merge_adapter(params, adapter)
    write_safetensors(os.path.join(out, "lora-merged.safetensors"), merged,
                      {"what": "merged kernels, float16 like the base: w + (scale*A@B).astype(w.dtype)"})
    params_lora = set_paths(params, merged)
    log("pickles written")

    cacts = write_cacts(out, [("needle2.cact", params, 4), ("needle2-lora.cact", params_lora, 4)], cfg, cfg_d, tok_path)
    log("cact files written and read back")
    if args.dequant:
        write_dequant(os.path.join(out, "cact-dequant.safetensors"), cacts["needle2.cact"],
                      "export.read_export(needle2.cact) CQ tensors, float32, [out,in] as stored")

    W = cfg.effective_kv_window()
    example = {"tools": bfcl_tools(1), "query": LONG_QUERY}
    prompt, _ = ref_finetune.render_example(example)
    long_ids = [BOS] + tok.encode(prompt)
    tools_end = prompt.index("</tools>") + len("</tools>")
    sink_len = len([BOS] + tok.encode(prompt[:tools_end]))
    assert long_ids[:sink_len] == [BOS] + tok.encode(prompt[:tools_end])
    # sinks only matter once some keys are neither pinned nor recent: T > W + sink_len
    assert len(long_ids) > W + sink_len + 16, f"long prompt {len(long_ids)}, window {W}, sinks {sink_len}"
    short_ids = [BOS] + tok.encode("what's the weather in Lagos right now?")
    weights = {
        "base": dict(params=params, file="needle2.pkl"),
        "lora": dict(params=params_lora, file="needle2.pkl + needle2-lora.pkl"),
        "cact4": dict(params=cact.params_from_cact(cacts["needle2.cact"]["tensors"], cfg, params), file="needle2.cact"),
        "cact4-lora": dict(params=cact.params_from_cact(cacts["needle2-lora.cact"]["tensors"], cfg, params),
                           file="needle2-lora.cact"),
    }
    S = args.steps
    plan = {"base": [("short", short_ids, S, W, 0, 2, False), ("long", long_ids, S, W, 0, 2, False),
                     ("long-sinks", long_ids, S, W, sink_len, 2, False)],
            "lora": [("long", long_ids, S, W, 0, 2, False)],
            "cact4": [("long", long_ids, S, W, 0, 2, False)],
            "cact4-lora": [("long", long_ids, S, W, 0, 2, False)]}
    golden = run_plan(plan, weights, cfg, check_full=args.check_full, log=log)
    dump(os.path.join(out, "golden-decode.json"), {
        "schema": "needle2-golden-decode/1", "preset": args.preset,
        "config": {k: (list(v) if isinstance(v, tuple) else v) for k, v in cfg.__dict__.items()},
        "effective_kv_window": W, "bos_id": BOS, "eos_id": EOS, "tools_sink_len_of_long": sink_len,
        "num_params": n_params, "weights": golden})
    dump(os.path.join(out, "golden-cact.json"), {
        "schema": "needle2-golden-cact/1",
        "codebooks": {str(b): vec(v) for b, v in cacts["needle2.cact"]["codebooks"].items()},
        "files": [cact_doc(c, export, ("what's the weather in Lagos right now?",)) for c in cacts.values()]})
    dump(os.path.join(out, "golden-checkpoint.json"), {
        "schema": "needle2-golden-checkpoint/1",
        "needle2.pkl": {"config": {k: (list(v) if isinstance(v, tuple) else v) for k, v in cfg_d.items()},
                        "params": {k: leaf_doc(v) for k, v in _flat(params).items()}},
        "needle2-lora.pkl": {"scale": adapter["scale"], "rank": adapter["rank"], "base": adapter["base"],
                             "merged": {k: leaf_doc(v) for k, v in merged.items()}},
        "sha256": {n: sha256(os.path.join(out, n)) for n in ("needle2.pkl", "needle2-lora.pkl", "tokenizer.model")}})
    # the test reads the preset (and the expected parameter count) from here
    dump(os.path.join(out, "manifest.json"), {
        "schema": "needle2-full-golden/1", "preset": args.preset,
        "config_json": json.loads(args.config_json) if args.config_json else None,
        "num_params": n_params, "seed": SEED, "lora_seed": LORA_SEED, "lora_rank": LORA_RANK,
        "lora_alpha": LORA_ALPHA, "steps": S, "check_full": bool(args.check_full), "dequant": bool(args.dequant),
        "wall_s": round(time.time() - t0, 1), "cpu_s": round(time.process_time(), 1)})
    for n in sorted(os.listdir(out)):
        log(f"{os.path.getsize(os.path.join(out, n)) / 1e6:>9.1f} MB  {n}")
    log("done")


def _flat(tree, prefix=""):
    from .checkpoint import flatten
    return flatten(tree, prefix)


def _leaves(tree):
    return _flat(tree).values()


if __name__ == "__main__":
    main()
