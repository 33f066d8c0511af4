"""Shared golden-case helpers: run the numpy reference on a prompt and package the numbers."""
import numpy as np

from .model import full_forward, greedy

SIG = 8  # significant digits kept in JSON: far below the 1e-4 parity tolerance


def r(x):
    return float(f"{float(x):.{SIG}g}")


def vec(a):
    return [r(v) for v in np.asarray(a).ravel()]


def top(logits, k=5):
    idx = np.argsort(-logits, kind="stable")[:k]
    return [[int(i), r(logits[i])] for i in idx]


def margin(logits):
    s = np.sort(logits)
    return float(s[-1] - s[-2])


def run_case(name, params, cfg, prompt_ids, max_new_tokens, window, sink_len=0, full_steps=2,
             all_positions=False, check_full=True):
    g = greedy(params, cfg, prompt_ids, max_new_tokens, window=window, sink_len=sink_len)
    case = {
        "name": name,
        "prompt_ids": [int(t) for t in prompt_ids],
        "prompt_len": len(prompt_ids),
        "window": window,
        "sink_len": sink_len,
        "max_new_tokens": max_new_tokens,
        "max_len": g["max_len"],
        "greedy_tokens": g["tokens"],
        "stop": g["stop"],
        "prefill_last_logits": vec(g["prefill_logits"][-1]),
        "prefill_last_top5": top(g["prefill_logits"][-1]),
        "step_logits": [vec(l) for l in g["step_logits"][:full_steps]],
        "step_logits_first64": [vec(l[:64]) for l in g["step_logits"]],
        "step_top5": [top(l) for l in g["step_logits"]],
        "min_greedy_margin": r(min([margin(g["prefill_logits"][-1])] + [margin(l) for l in g["step_logits"]])),
    }
    if all_positions:
        case["prefill_all_logits"] = [vec(l) for l in g["prefill_logits"]]
    if check_full:
        # self-check: the decode path against the independent whole-sequence path, every position
        seq = list(prompt_ids) + g["tokens"]   # every emitted token is fed back once
        full = full_forward(params, cfg, seq, window=window, sink_len=sink_len)
        dec = np.concatenate([g["prefill_logits"]] + [l[None] for l in g["step_logits"]])
        case["_selfcheck_max_abs_diff_decode_vs_full"] = float(np.abs(full - dec).max())
    return case
