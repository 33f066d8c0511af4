#!/usr/bin/python3
"""How far a float32 run of the numpy reference lands from a golden-decode.json (float64), per case:
the error budget an fp32 port should expect. Works on the tiny set and on a full-size directory.

Usage: nice -n 10 /usr/bin/python3 -m tools.needle2.fp32_drift [--dir test/fixtures/needle2] [--pkl needle2-tiny.pkl]
"""
import argparse
import json
import os

import numpy as np

from .config import Config
from .model import greedy
from .selfcheck import load

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", default=os.path.join(ROOT, "test", "fixtures", "needle2"))
    ap.add_argument("--pkl", default="needle2-tiny.pkl")
    args = ap.parse_args()
    ck = load(os.path.join(args.dir, args.pkl))
    cfg = Config.from_dict(ck["config"])
    golden = json.load(open(os.path.join(args.dir, "golden-decode.json")))
    for case in golden["weights"]["base"]["cases"]:
        g = greedy(ck["params"], cfg, case["prompt_ids"], case["max_new_tokens"], case["window"], case["sink_len"],
                   dtype=np.float32)
        d = [float(np.abs(g["prefill_logits"][-1] - np.asarray(case["prefill_last_logits"])).max())]
        d += [float(np.abs(g["step_logits"][k] - np.asarray(s)).max()) for k, s in enumerate(case["step_logits"])]
        d += [float(np.abs(g["step_logits"][k][:64] - np.asarray(s)).max())
              for k, s in enumerate(case["step_logits_first64"]) if k < len(g["step_logits"])]
        print(f"  {case['name']:<17} len {case['prompt_len']:>4}  fp32 max|d| {max(d):.2e}  "
              f"greedy identical {g['tokens'] == case['greedy_tokens']}  (min margin {case['min_greedy_margin']})",
              flush=True)


if __name__ == "__main__":
    main()
