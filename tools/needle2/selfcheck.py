#!/usr/bin/python3
"""Self-verification of the numpy reference on the committed tiny fixtures (no jax available).

Usage (repo root): nice -n 10 /usr/bin/python3 -m tools.needle2.selfcheck
Prints one line per check and exits non-zero if any fails.
  1. golden-decode.json is reproduced by the decode path (the files are what the code computes)
  2. decode (prefill + 1-token steps) == the independent whole-sequence masked path, every position
  3. chunked prefill (uneven chunks) == one prefill
  4. window semantics: window >= T equals full causal; window < T changes logits; with window W and
     no sinks the last position is blind to token 0 once T > L*(W-1) + engram reach, and sinks
     (or full causal) make it see token 0 again
  5. a float32 run of the same code vs float64 (what an fp32 implementation should expect)
  6. the independent .cact parser == the reference read_export; header == config
  7. LoRA: merge with B = 0 is the identity; merged kernels == base + scale*A@B within the two fp16 roundings
  8. confidence: golden-confidence.json reproduced; the cells' last layer gives the decode logits; zero
     probes pool to the plain mean; keep = 0 drops a position exactly as leaving its cells out
"""
import json
import os
import pickle
import sys

import numpy as np

from . import cact
from .checkpoint import flatten, merge_adapter, set_paths
from .config import Config
from .model import Decoder, full_forward, greedy, walsh, walsh_apply

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FX = os.path.join(ROOT, "test", "fixtures", "needle2")
failures = []


def check(name, ok, detail):
    print(f"  {'ok  ' if ok else 'FAIL'} {name:<58} {detail}")
    if not ok:
        failures.append(name)


class _NumpyCompat(pickle.Unpickler):
    def find_class(self, module, name):
        if module.startswith("numpy._core"):
            module = "numpy.core" + module[len("numpy._core"):]
        if module.startswith("numpy") or module == "collections":
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"refused {module}.{name}")


def load(path):
    with open(path, "rb") as f:
        return _NumpyCompat(f).load()


def main():
    ck = load(os.path.join(FX, "needle2-tiny.pkl"))
    cfg = Config.from_dict(ck["config"])
    params = ck["params"]
    golden = json.load(open(os.path.join(FX, "golden-decode.json")))
    W = golden["effective_kv_window"]
    check("config window", W == cfg.effective_kv_window(), f"W={W}")

    # 1 + 2: reproduce base goldens, decode vs full
    for case in golden["weights"]["base"]["cases"]:
        g = greedy(params, cfg, case["prompt_ids"], case["max_new_tokens"], case["window"], case["sink_len"])
        d = float(np.abs(g["prefill_logits"][-1] - np.asarray(case["prefill_last_logits"])).max())
        check(f"golden base/{case['name']} reproduced", g["tokens"] == case["greedy_tokens"] and d < 1e-6,
              f"max|d| {d:.1e}")
        seq = case["prompt_ids"] + g["tokens"]
        full = full_forward(params, cfg, seq, case["window"], case["sink_len"])
        dec = np.concatenate([g["prefill_logits"]] + [s[None] for s in g["step_logits"]])
        e = float(np.abs(full - dec).max())
        check(f"decode == full path base/{case['name']} ({len(seq)} pos)", e < 1e-10, f"max|d| {e:.1e}")

    long_ids = next(c for c in golden["weights"]["base"]["cases"] if c["name"] == "long")["prompt_ids"]
    T = len(long_ids)

    # fast Walsh-Hadamard (used above 256) == the dense Sylvester matrix
    for n in (64, 1024):
        z = np.random.default_rng(n).standard_normal((5, n))
        e = float(np.abs(walsh_apply(z) - z @ walsh(n)).max())
        check(f"fast Walsh-Hadamard == dense walsh({n})", e < 1e-12, f"max|d| {e:.1e}")

    # 3: chunked prefill
    one = Decoder(params, cfg, T, W).feed(long_ids)
    dec = Decoder(params, cfg, T, W)
    parts, pos = [], 0
    for n in (1, 7, 16, 3, 40, 1, 1, 60):
        parts.append(dec.feed(long_ids[pos:pos + n]))
        pos += n
    parts.append(dec.feed(long_ids[pos:]))
    e = float(np.abs(np.concatenate(parts) - one).max())
    check("chunked prefill == one prefill", e < 1e-10, f"max|d| {e:.1e}")

    # 4: window semantics
    a = full_forward(params, cfg, long_ids, 0)
    b = full_forward(params, cfg, long_ids, T + 5)
    check("window >= T equals full causal", np.abs(a - b).max() < 1e-12, "")
    c = full_forward(params, cfg, long_ids, W)
    check("window < T changes the last logits", np.abs(a[-1] - c[-1]).max() > 1e-3,
          f"max|d| {np.abs(a[-1] - c[-1]).max():.2f}")
    check("window < T keeps the first W positions", np.abs(a[:W] - c[:W]).max() < 1e-12, "")
    reach = cfg.num_layers * (W - 1) + 4 * max(cfg.engram_orders)
    assert T > reach + 1
    pert = list(long_ids)
    pert[1] = (pert[1] + 1) % cfg.vocab_size
    cw = full_forward(params, cfg, pert, W)
    check(f"window: last position blind to token 1 (T {T} > reach {reach})",
          np.abs(cw[-1] - c[-1]).max() < 1e-12, f"max|d| {np.abs(cw[-1] - c[-1]).max():.1e}")
    sink = golden["tools_sink_len_of_long"]
    s0 = full_forward(params, cfg, long_ids, W, sink)
    s1 = full_forward(params, cfg, pert, W, sink)
    check("sinks: last position sees token 1 again", np.abs(s0[-1] - s1[-1]).max() > 1e-4,
          f"max|d| {np.abs(s0[-1] - s1[-1]).max():.1e}")
    check("sinks change the logits vs window only", np.abs(s0[-1] - c[-1]).max() > 1e-3, "")

    # 5: float32 vs float64
    worst, agree = 0.0, True
    for wname in ("base",):
        for case in golden["weights"][wname]["cases"]:
            g32 = greedy(params, cfg, case["prompt_ids"], case["max_new_tokens"], case["window"], case["sink_len"],
                         dtype=np.float32)
            worst = max(worst, float(np.abs(g32["prefill_logits"][-1] - np.asarray(case["prefill_last_logits"])).max()))
            for k, s in enumerate(case["step_logits"]):
                worst = max(worst, float(np.abs(g32["step_logits"][k] - np.asarray(s)).max()))
            agree &= g32["tokens"] == case["greedy_tokens"]
    check("float32 run of the same code vs the goldens", worst < 1e-4 and agree,
          f"max|d| {worst:.1e}, greedy identical {agree}")

    # 6: .cact parser vs reference read_export
    for name in ("needle2-tiny.cact", "needle2-tiny-w2.cact", "needle2-tiny-lora.cact"):
        path = os.path.join(FX, name)
        meta, ref = cact.read_reference_cact(path)
        hdr, _, recs, mine = cact.parse_cact(open(path, "rb").read())
        e = max(float(np.abs(np.asarray(a, np.float64) - b).max()) for a, b in zip(ref, mine) if not isinstance(a, bytes))
        ok = (hdr["d_model"] == cfg.d_model and hdr["num_layers"] == cfg.num_layers and hdr["kv_window"] == W
              and hdr["vocab_size"] == cfg.vocab_size and len(ref) == len(mine) == hdr["num_tensors"])
        check(f"{name}: independent parser == read_export", ok and e < 1e-5, f"max|d| {e:.1e}")

    # 7: LoRA
    adapter = load(os.path.join(FX, "needle2-tiny-lora.pkl"))
    zero = {"lora": {k: {"A": v["A"], "B": np.zeros_like(v["B"])} for k, v in adapter["lora"].items()},
            "scale": adapter["scale"]}
    flat = flatten(params)
    ident = all(np.array_equal(m, flat[k]) for k, m in merge_adapter(params, zero).items())
    check("LoRA merge with B = 0 is the identity", ident, "")
    merged = merge_adapter(params, adapter)
    ratio = 0.0
    for k, m in merged.items():
        delta = adapter["scale"] * (adapter["lora"][k]["A"].astype(np.float64) @ adapter["lora"][k]["B"].astype(np.float64))
        exact = flat[k].astype(np.float64) + delta
        # two roundings (delta to fp16, then the fp16 sum): half an ulp of each
        bound = 0.5 * np.spacing(np.abs(delta).astype(np.float16)).astype(np.float64) \
            + 0.5 * np.spacing(np.abs(exact).astype(np.float16)).astype(np.float64)
        ratio = max(ratio, float((np.abs(m.astype(np.float64) - exact) / bound).max()))
    check("merged kernels == fp16(base + fp16(scale*A@B)) rounding bound", ratio <= 1.0001, f"max {ratio:.3f} of bound")
    lora_g = next(c for c in golden["weights"]["lora"]["cases"] if c["name"] == "long")
    g = greedy(set_paths(params, merged), cfg, lora_g["prompt_ids"], lora_g["max_new_tokens"], W)
    check("golden lora/long reproduced", g["tokens"] == lora_g["greedy_tokens"], "")

    # 8: the confidence head
    from .confidence import forward_confidence, probe_pool
    from .model import to_f64, zcrms
    conf = json.load(open(os.path.join(FX, "golden-confidence.json")))
    for c in conf["weights"]["base"]["cases"]:
        v = forward_confidence(params, cfg, c["prompt_ids"], c["window"], c["sink_len"])
        check(f"golden confidence base/{c['name']} reproduced", abs(v - c["confidence"]) < 1e-12, f"|d| {abs(v - c['confidence']):.1e}")
    short = next(c for c in golden["weights"]["base"]["cases"] if c["name"] == "short")
    logits, cells = full_forward(params, cfg, short["prompt_ids"], short["window"], 0, collect_hidden=True)
    p64 = to_f64(params)
    again = zcrms(cells[:, -1], p64["stack"]["final_norm"]["scale"]) @ p64["embedding"]["embedding"].T
    check("cells: last layer -> final norm -> tied embedding == logits", float(np.abs(again - logits).max()) < 1e-10,
          f"max|d| {float(np.abs(again - logits).max()):.1e}")
    probes = p64["confidence_head"]["probes"]
    e = float(np.abs(probe_pool(cells, np.zeros_like(probes)) - np.tile(cells.reshape(-1, cfg.d_model).mean(0), len(probes))).max())
    check("zero probes pool to the mean of all cells", e < 1e-12, f"max|d| {e:.1e}")
    keep = np.ones(len(cells)); keep[3] = 0
    e = float(np.abs(probe_pool(cells, probes, keep) - probe_pool(np.delete(cells, 3, axis=0), probes)).max())
    check("keep = 0 drops that position's cells", e < 1e-12, f"max|d| {e:.1e}")

    print(f"{len(failures)} failed" if failures else "all checks passed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
