#!/usr/bin/python3
"""Writes the committed tiny Needle 2 fixtures into test/fixtures/needle2/ (deterministic).

Usage (repo root): nice -n 10 /usr/bin/python3 -m tools.needle2.make_tiny_fixtures [--out DIR]
Needs /usr/bin/python3 with numpy + sentencepiece, and ../shared/reference/needle2 (the reference's
own export.write_export / read_export / finetune.render_example are run, with a stand-in jax).
Takes about a minute on one core. See test/fixtures/needle2/README.md for what each file is.
"""
import argparse
import json
import os
import subprocess
import sys

import numpy as np

from . import cact
from .checkpoint import (cast_tree, config_dict, flatten, merge_adapter, random_adapter, random_params,
                         set_paths, write_checkpoint)
from .config import Config
from .model import Decoder
from .fixture_set import cact_doc, dump, leaf_doc, run_plan, sha256, write_cacts, write_dequant
from .goldens import vec
from .reference_import import reference_export
from .safetensors_io import write_safetensors

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SEED, LORA_SEED = 8, 7
TINY = dict(vocab_size=512, d_model=40, num_heads=4, num_kv_heads=2, num_layers=5, max_seq_len=256,
            engram_layers=(1, 3), engram_slots=64, kv_window=16, contrastive_dim=16)
LORA_RANK, LORA_ALPHA = 4, 8.0
BOS, EOS = 2, 1

WEATHER = {"name": "get_weather", "description": "Get the current weather for a city.",
           "parameters": {"type": "object", "properties": {
               "city": {"type": "string", "description": "the city"},
               "units": {"type": "string", "enum": ["celsius", "fahrenheit"]}}, "required": ["city"]}}
EMAIL = {"name": "send_email", "parameters": {"type": "object", "properties": {
    "to": {"type": "string"}, "subject": {"type": "string"}}, "required": ["to"]}}
LIGHTS = {"name": "set_lights", "description": "Turn a room's lights on or off — and set brightness",
          "parameters": {"type": "object", "properties": {
              "room": {"type": "string"}, "on": {"type": "boolean"},
              "brightness": {"type": "integer", "minimum": 0, "maximum": 100}}, "required": ["room", "on"]}}

RENDER_EXAMPLES = [
    {"name": "weather", "example": {"tools": [WEATHER, EMAIL], "query": "What's the weather in Paris today, in celsius?",
                                    "reasoning": "'Paris' -> city; 'celsius' -> units",
                                    "answers": [{"name": "get_weather", "arguments": {"city": "Paris", "units": "celsius"}}]}},
    {"name": "system-turn", "example": {"system": "date: 2026-07-21 Tue 14:30; locale: en-US", "tools": [EMAIL],
                                        "query": "email a@b.com about lunch",
                                        "answers": [{"name": "send_email", "arguments": {"to": "a@b.com", "subject": "lunch"}}]}},
    {"name": "non-ascii-and-spacing", "example": {"tools": [LIGHTS], "query": "Mets la lumière du salon à 30 %  stp\nmerci",
                                                  "reasoning": "'salon' -> room; '30 %' -> brightness 30",
                                                  "answers": [{"name": "set_lights", "arguments": {"room": "salon", "on": True, "brightness": 30}}]}},
    {"name": "refusal-function-calls-alias", "example": {"tools": [WEATHER, EMAIL, LIGHTS], "query": "tell me a joke",
                                                        "function_calls": []}},
    {"name": "tools-as-json-string", "example": {"tools": json.dumps([EMAIL]), "query": "mail x@y.z",
                                                 "answers": '[{"name":"send_email","arguments":{"to":"x@y.z"}}]'}},
]


def parse_target(text):
    """The answer format render_example trains (<think>R</think>\n<tool_call>JSON</tool_call><|im_end|>),
    split back into its parts. Derived from the training format: the engine's own output parser is
    C++ and not in the 2.0.8 source."""
    out = {"reasoning": None, "function_calls": None}
    if "<think>" in text and "</think>" in text:
        out["reasoning"] = text[text.index("<think>") + len("<think>"):text.index("</think>")]
    if "<tool_call>" in text and "</tool_call>" in text:
        out["function_calls"] = json.loads(text[text.index("<tool_call>") + len("<tool_call>"):text.index("</tool_call>")])
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(ROOT, "test", "fixtures", "needle2"))
    ap.add_argument("--extra", action="store_true", help="also write needle2-tiny-f32.pkl (not committed)")
    args = ap.parse_args()
    out = args.out
    os.makedirs(out, exist_ok=True)
    export, _ = reference_export()
    from needle.model import finetune as ref_finetune
    from needle.model.tokenizer import SANTokenizer

    # ---- tokenizer
    tok_path = os.path.join(out, "tokenizer.model")
    if not os.path.exists(tok_path):
        subprocess.run([sys.executable, os.path.join(ROOT, "tools", "needle2", "train_tiny_tokenizer.py"),
                        os.path.join(out, "tokenizer"), str(TINY["vocab_size"])], check=True)
        os.remove(os.path.join(out, "tokenizer.vocab"))
    tok = SANTokenizer(tok_path)

    # ---- checkpoints (same values, two storage layouts)
    cfg_d = config_dict(TINY)
    cfg = Config.from_dict(cfg_d)
    p64 = random_params(cfg, SEED)
    p16 = cast_tree(p64, np.float16, scalars_as_numpy_scalars=True)
    write_checkpoint(os.path.join(out, "needle2-tiny.pkl"), p16, cfg_d,
                     extra={"step": 1234, "run": {"averaged_from": [1200, 1234]}}, protocol=4)
    if args.extra:
        # tests/conftest.py's layout: float32 0-d arrays, no step/run; same values (not committed: size)
        p32 = cast_tree(cast_tree(p64, np.float16), np.float32)
        write_checkpoint(os.path.join(out, "needle2-tiny-f32.pkl"), p32, cfg_d, protocol=5)
    # the config as a pickled TransformerConfig instance (load_checkpoint accepts it too): a loader
    # must either build it inertly from the BUILD state or refuse it by name
    from needle.model.architecture import TransformerConfig
    write_checkpoint(os.path.join(out, "config-object.pkl"), {}, TransformerConfig(**TINY), protocol=4)
    params = cast_tree(p64, np.float16)          # what every golden below runs on (0-d as arrays)

    # ---- LoRA adapter + merge as `needle build --lora`
    adapter = random_adapter(params, LORA_RANK, LORA_ALPHA, LORA_SEED, base="needle2-tiny.pkl")
    import pickle
    with open(os.path.join(out, "needle2-tiny-lora.pkl"), "wb") as f:
        pickle.dump(adapter, f, protocol=4)
    merged = merge_adapter(params, adapter)
    write_safetensors(os.path.join(out, "lora-merged.safetensors"), merged,
                      {"what": "merged kernels, float16 like the base: w + (scale*A@B).astype(w.dtype)"})
    params_lora = set_paths(params, merged)

    # ---- .cact files by the reference write_export
    cacts = write_cacts(out, [("needle2-tiny.cact", params, 4), ("needle2-tiny-w2.cact", params, 2),
                              ("needle2-tiny-lora.cact", params_lora, 4)], cfg, cfg_d, tok_path)
    main_cact = cacts["needle2-tiny.cact"]
    write_dequant(os.path.join(out, "cact-dequant.safetensors"), main_cact,
                  "export.read_export(needle2-tiny.cact) CQ tensors, float32, [out,in] as stored")

    # ---- prompts
    def ids(text):
        return [BOS] + tok.encode(text)

    weather_prompt, _ = ref_finetune.render_example(RENDER_EXAMPLES[0]["example"])
    long_ids = ids(weather_prompt)
    tools_end = weather_prompt.index("</tools>") + len("</tools>")
    sink_len = len(ids(weather_prompt[:tools_end]))
    assert long_ids[:sink_len] == ids(weather_prompt[:tools_end]), "tools prefix is not a token prefix"
    short_ids = ids("set lights on")
    W = cfg.effective_kv_window()
    boundary_ids = ids("email bob about the budget report and lunch at noon tomorrow")[:W]
    assert len(short_ids) < W < len(long_ids) and len(boundary_ids) == W

    # ---- goldens
    cact_params = {n: cact.params_from_cact(c["tensors"], cfg, params) for n, c in cacts.items()}
    weights = {
        "base": dict(params=params, file="needle2-tiny.pkl"),
        "lora": dict(params=params_lora, file="needle2-tiny.pkl + needle2-tiny-lora.pkl"),
        "cact4": dict(params=cact_params["needle2-tiny.cact"], file="needle2-tiny.cact"),
        "cact2": dict(params=cact_params["needle2-tiny-w2.cact"], file="needle2-tiny-w2.cact"),
        "cact4-lora": dict(params=cact_params["needle2-tiny-lora.cact"], file="needle2-tiny-lora.cact"),
    }
    plan = {
        "base": [("short", short_ids, 12, W, 0, 4, True), ("long", long_ids, 16, W, 0, 4, False),
                 ("long-sinks", long_ids, 8, W, sink_len, 2, False), ("window-boundary", boundary_ids, 12, W, 0, 2, False),
                 ("long-full-causal", long_ids, 8, 0, 0, 2, False)],
        "lora": [("short", short_ids, 8, W, 0, 2, False), ("long", long_ids, 16, W, 0, 2, False)],
        "cact4": [("short", short_ids, 8, W, 0, 2, False), ("long", long_ids, 16, W, 0, 2, False)],
        "cact2": [("long", long_ids, 8, W, 0, 2, False)],
        "cact4-lora": [("long", long_ids, 8, W, 0, 2, False)],
    }
    golden_cases = run_plan(plan, weights, cfg, log=lambda m: print(m, flush=True))

    # ---- intermediates of one prefill (base/short), for debugging a port layer by layer
    dec = Decoder(params, cfg, len(short_ids), W)
    dec.trace = {}
    logits = dec.feed(short_ids)
    t = dec.trace
    mat = lambda a: [vec(row) for row in np.asarray(a).reshape(len(short_ids), -1)]  # noqa: E731
    dump(os.path.join(out, "golden-intermediates.json"), {
        "schema": "needle2-golden-intermediates/1", "weights": "needle2-tiny.pkl", "prompt_ids": short_ids,
        "window": W,
        "note": "one prefill of base/short; every array is [position][...]; lanes flattened lane-major; "
                "per layer: hpre/hpost [n], hres [n*n] row-major (row = output lane), u = lane mix into the "
                "block, engram_alpha (engram layers), attn_out = attention after out_proj, y = block - u, "
                "lanes_out (last layer only) = the n lanes after the layer",
        "x0": mat(t["x0"]),
        "engram_indices_site0": [t["engram_indices"].get(p_, []) for p_ in range(len(short_ids))],
        "engram_indices_note": "per position, one index per table (order-major, then head) for tables whose "
                               "order fits (t >= order-1); all sites hash identically",
        "engram_k": [mat(k) for k in t["engram_k"]], "engram_v": [mat(v) for v in t["engram_v"]],
        "layers": [{k: (None if v is None else mat(v)) for k, v in lay.items()
                    if k != "lanes_out" or i == len(t["layers"]) - 1} for i, lay in enumerate(t["layers"])],
        "final_hidden": mat(t["final_hidden"]),
        "logits_last": vec(logits[-1]),
    })

    dump(os.path.join(out, "golden-decode.json"), {
        "schema": "needle2-golden-decode/1",
        "config": {**{k: (list(v) if isinstance(v, tuple) else v) for k, v in cfg.__dict__.items()}},
        "effective_kv_window": W,
        "bos_id": BOS, "eos_id": EOS,
        "tools_sink_len_of_long": sink_len,
        "weights": golden_cases,
    })

    # ---- cact layout golden
    samples = ("set lights on", "What's the weather in Paris?")
    dump(os.path.join(out, "golden-cact.json"), {
        "schema": "needle2-golden-cact/1",
        "codebooks": {str(b): vec(v) for b, v in main_cact["codebooks"].items()},
        "files": [cact_doc(c, export, samples) for c in cacts.values()],
        "dequant_safetensors": "cact-dequant.safetensors holds every non-RAW tensor of needle2-tiny.cact as read_export returns it",
    })

    # ---- checkpoint layout golden
    dump(os.path.join(out, "golden-checkpoint.json"), {
        "schema": "needle2-golden-checkpoint/1",
        "needle2-tiny.pkl": {"top_level_keys": ["format_version", "params", "config", "step", "run"],
                             "protocol": 4, "config": {k: (list(v) if isinstance(v, tuple) else v) for k, v in cfg_d.items()},
                             "config_tuple_keys": [k for k, v in cfg_d.items() if isinstance(v, tuple)],
                             "step": 1234, "run": {"averaged_from": [1200, 1234]},
                             "params": {k: leaf_doc(v) for k, v in flatten(p16).items()}},
        "needle2-tiny-f32.pkl (--extra only)": {"top_level_keys": ["format_version", "params", "config"], "protocol": 5,
                                 "same_values_as": "needle2-tiny.pkl (float16 values widened to float32)"},
        "config-object.pkl": {"top_level_keys": ["format_version", "params", "config"], "params": {},
                              "config_global": "needle.model.architecture.TransformerConfig",
                              "config_state": {k: (list(v) if isinstance(v, tuple) else v)
                                               for k, v in vars(TransformerConfig(**TINY)).items()}},
        "needle2-tiny-lora.pkl": {"top_level_keys": ["lora", "scale", "base", "rank"], "protocol": 4,
                                  "scale": adapter["scale"], "rank": adapter["rank"], "base": adapter["base"],
                                  "lora": {k: {"A": leaf_doc(v["A"]), "B": leaf_doc(v["B"])} for k, v in adapter["lora"].items()},
                                  "merged": {k: leaf_doc(v) for k, v in merged.items()}},
        "sha256": {n: sha256(os.path.join(out, n)) for n in ("needle2-tiny.pkl", "needle2-tiny-lora.pkl",
                                                             "config-object.pkl", "tokenizer.model")},
    })

    # ---- prompt rendering golden (the reference's own render_example / _encode)
    renders = []
    for ex in RENDER_EXAMPLES:
        prompt, target = ref_finetune.render_example(ex["example"])
        enc_ids, mask = ref_finetune._encode(tok, ex["example"], 256)
        n_real = sum(1 for t in enc_ids if t != 0)
        ref_tok = export.RefTokenizer(export.parse_tokenizer_blob(main_cact["tensors"][-1]))
        renders.append({
            "name": ex["name"], "example": ex["example"], "prompt": prompt, "target": target,
            "generate_prompt_ids": [BOS] + tok.encode(prompt),
            "prompt_pieces": tok.sp.Encode(prompt, out_type=str),
            "target_ids": tok.encode(target),
            "train_ids": enc_ids[:n_real], "train_loss_mask": mask[:n_real], "train_max_len": 256,
            "ref_tokenizer_prompt_ids": ref_tok.encode(prompt),
            "ref_tokenizer_agrees_with_spm": ref_tok.encode(prompt) == tok.encode(prompt),
            "target_decoded": tok.decode(tok.encode(target)),
            "target_parsed": parse_target(target),
        })
    dump(os.path.join(out, "golden-prompt.json"), {"schema": "needle2-golden-prompt/1", "tokenizer": "tokenizer.model",
                                                  "cases": renders})
    for n in sorted(os.listdir(out)):
        print(f"  {os.path.getsize(os.path.join(out, n)):>9}  {n}")


if __name__ == "__main__":
    main()
