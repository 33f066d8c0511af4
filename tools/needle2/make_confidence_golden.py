#!/usr/bin/python3
"""golden-confidence.json: forward_confidence (tools/needle2/confidence.py, float64) on the committed
tiny checkpoint, base and LoRA-merged, for the golden-decode.json prompts (a short one, one longer than
the 16-token window, the same with the tools as sinks, and without a window). Reads only committed
fixtures, writes only golden-confidence.json, so the other fixtures stay byte-identical.

Usage (repo root): nice -n 10 /usr/bin/python3 -m tools.needle2.make_confidence_golden [--dir DIR]
"""
import argparse
import json
import os

import numpy as np

from .checkpoint import merge_adapter, set_paths
from .confidence import forward_confidence, probe_pool
from .config import Config
from .fixture_set import dump
from .goldens import r, vec
from .model import full_forward, to_f64
from .selfcheck import load

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CASES = {"base": ("short", "long", "long-sinks", "long-full-causal"), "lora": ("short", "long")}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", default=os.path.join(ROOT, "test", "fixtures", "needle2"))
    args = ap.parse_args()
    ck = load(os.path.join(args.dir, "needle2-tiny.pkl"))
    cfg = Config.from_dict(ck["config"])
    adapter = load(os.path.join(args.dir, "needle2-tiny-lora.pkl"))
    params = {"base": ck["params"], "lora": set_paths(ck["params"], merge_adapter(ck["params"], adapter))}
    decode = json.load(open(os.path.join(args.dir, "golden-decode.json")))
    out = {"schema": "needle2-golden-confidence/1",
           "what": "forward_confidence(tokens, window, sink = position < sink_len): ConfidenceHead over "
                   "hidden_cells (x0 + each layer's lane mean), float64; prompt_ids are the fed ids (<name>+greedy: "
                   "the golden-decode prompt followed by its greedy tokens)",
           "note": "the package reports confidence as None for tuned weights (the head is not fine-tuned); "
                   "the lora values are the head applied to the merged model's cells all the same",
           "weights": {}}
    for wname, names in CASES.items():
        cases = {c["name"]: c for c in decode["weights"][wname]["cases"]}
        rows = []
        # the package's head "scores the full prompt plus the call the model just produced" (doc/apis.md):
        # each case once on the prompt alone and once on prompt + the golden greedy continuation
        for name, gen in [(n, g) for n in names for g in (False, True)]:
            c = cases[name]
            P, W, S = c["prompt_len"], c["window"], c["sink_len"]
            ids = c["prompt_ids"] + (c["greedy_tokens"] if gen else [])
            logits, cells = full_forward(params[wname], cfg, ids, window=W, sink_len=S, collect_hidden=True)
            # the cells' forward is the one the decode goldens check: its prompt logits must match them
            check = float(np.abs(logits[P - 1] - np.asarray(c["prefill_last_logits"])).max())
            assert check < 1e-6, f"{wname}/{name}: full_forward vs golden logits {check}"
            head = to_f64(params[wname]["confidence_head"])
            pooled = probe_pool(cells, head["probes"])
            rows.append({"name": name + ("+greedy" if gen else ""), "prompt_ids": ids, "window": W, "sink_len": S,
                         "fed_len": len(ids), "confidence": forward_confidence(params[wname], cfg, ids, window=W, sink_len=S),  # full float64
                         "pooled_first8": vec(pooled[:8]), "cells_last_position_last_layer_first8": vec(cells[-1, -1, :8]),
                         "prompt_logits_vs_golden_decode_max_abs_diff": check})
            print(f"  {wname:<5} {rows[-1]['name']:<24} len {len(ids):>3}  confidence {rows[-1]['confidence']:.8g}", flush=True)
        out["weights"][wname] = {"weights": decode["weights"][wname].get("weights"), "cases": rows}
    dump(os.path.join(args.dir, "golden-confidence.json"), out)


if __name__ == "__main__":
    main()
