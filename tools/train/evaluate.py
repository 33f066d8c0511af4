"""Quick exact-match evaluation of a needle-tiny torch model on a suite (held-out monitor; the harness's
own scorer is the reference). Batched greedy decoding (decoder from [EOS], argmax, stop at EOS).

Usage: python3 evaluate.py --model <state.pt|needle.pkl> --spm spm.model --rows core.jsonl --suite suites/core [--limit N]
"""
import argparse
import json
import os
import re
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(__file__))
from data import EOS, TOOL_CALL, encoder_ids  # noqa: E402
from san import SAN  # noqa: E402
from checkpoint_io import load_model  # noqa: E402


def standardize(s):
    # BFCL's string normalisation: case, spaces and , . / - _ * ^ are ignored; ' reads as ".
    return re.sub(r"[ ,./\-_*^]", "", s).lower().replace("'", '"')


def value_ok(got, acceptable):
    for want in acceptable:
        if same(got, want):
            return True
    return False


def same(got, want):
    if isinstance(want, str):
        return isinstance(got, str) and standardize(got) == standardize(want)
    if isinstance(want, bool) or isinstance(got, bool):
        return got is want
    if isinstance(want, (int, float)):
        return isinstance(got, (int, float)) and float(got) == float(want)
    if isinstance(want, list):
        return isinstance(got, list) and len(got) == len(want) and all(same(g, w) for g, w in zip(got, want))
    if isinstance(want, dict):
        return isinstance(got, dict) and set(got) == set(want) and all(same(got[k], want[k]) for k in want)
    return got == want


def call_ok(got, exp):
    if got.get("name") != exp["name"] or not isinstance(got.get("arguments"), dict):
        return False
    args = got["arguments"]
    for k, v in args.items():
        if k not in exp["args"] or not value_ok(v, exp["args"][k]["values"]):
            return False
    return all(k in args for k, a in exp["args"].items() if not a.get("optional"))


def snake(name):
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", s)
    s = re.sub(r"[^A-Za-z0-9_]+", "_", s)
    s = re.sub(r"_+", "_", s)
    return s.strip("_").lower() if len(s) > 1 else s.lower()


def score(text, case):
    """Returns (parsed, passed)."""
    try:
        calls = json.loads(text)
        if not isinstance(calls, list) or not all(isinstance(c, dict) for c in calls):
            return False, False
    except json.JSONDecodeError:
        return False, False
    back = {snake(t["name"]): t["name"] for t in case["tools"]}
    calls = [{**c, "name": back.get(c.get("name"), c.get("name"))} for c in calls]
    exp = case["expected"]["calls"]
    if len(calls) != len(exp):
        return True, False
    used = set()
    for e in exp:
        hit = next((i for i, c in enumerate(calls) if i not in used and call_ok(c, e)), None)
        if hit is None:
            return True, False
        used.add(hit)
    return True, True


@torch.no_grad()
def batch_greedy(model, srcs, max_len=256):
    B = len(srcs)
    S = max(len(s) for s in srcs)
    src = torch.zeros(B, S, dtype=torch.long)
    for i, s in enumerate(srcs):
        src[i, :len(s)] = torch.tensor(s)
    enc, mask = model.encode(src)
    seq = torch.full((B, 1), EOS, dtype=torch.long)
    done = torch.zeros(B, dtype=torch.bool)
    gens = [[] for _ in range(B)]
    for _ in range(max_len):
        logits = model.decode(seq, enc, mask)[:, -1]
        nxt = logits.argmax(-1)
        for i in range(B):
            if not done[i]:
                if int(nxt[i]) == EOS:
                    done[i] = True
                else:
                    gens[i].append(int(nxt[i]))
        if bool(done.all()):
            break
        seq = torch.cat([seq, nxt[:, None]], dim=1)
    return gens


def decode_text(sp, ids):
    ids = ids[1:] if ids and ids[0] == TOOL_CALL else ids
    return sp.decode(ids)


def main():
    import sentencepiece as spm
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--spm", required=True)
    ap.add_argument("--rows", required=True)
    ap.add_argument("--suite", required=True)
    ap.add_argument("--limit", type=int)
    ap.add_argument("--per_category", type=int, help="evaluate only the first N rows of each category")
    ap.add_argument("--max_len", type=int, default=256)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--out")
    args = ap.parse_args()
    torch.set_num_threads(1)
    sp = spm.SentencePieceProcessor(model_file=args.spm)
    model = load_model(args.model)
    rows = [json.loads(l) for l in open(args.rows)][: args.limit]
    if args.per_category:
        seen = {}
        rows = [r for r in rows if seen.setdefault(r["category"], []).append(1) or len(seen[r["category"]]) <= args.per_category]
    cases = {}
    for name in sorted(f for f in os.listdir(args.suite) if f.endswith(".jsonl")):
        for l in open(os.path.join(args.suite, name)):
            if l.strip():
                c = json.loads(l)
                cases[c["id"]] = c
    t0 = time.time()
    srcs = [encoder_ids(sp, r["query"], r["tools_json"]) for r in rows]
    order = sorted(range(len(rows)), key=lambda i: len(srcs[i]))
    outs = [None] * len(rows)
    for s in range(0, len(order), args.batch):
        idx = order[s:s + args.batch]
        for i, g in zip(idx, batch_greedy(model, [srcs[i] for i in idx], args.max_len)):
            outs[i] = g
    per_cat, n_parse, n_pass, results = {}, 0, 0, []
    for r, g in zip(rows, outs):
        text = decode_text(sp, g)
        parsed, ok = score(text, cases[r["id"]])
        n_parse += parsed
        n_pass += ok
        c = per_cat.setdefault(r["category"], [0, 0])
        c[0] += ok
        c[1] += 1
        results.append({"id": r["id"], "category": r["category"], "output": text, "target": r["target"], "pass": ok})
    n = len(rows)
    summary = {"cases": n, "pass": n_pass / n, "parse": n_parse / n, "seconds": round(time.time() - t0, 1),
               "per_category": {k: round(v[0] / v[1], 4) for k, v in sorted(per_cat.items())}}
    print(json.dumps(summary, indent=1))
    if args.out:
        json.dump({"summary": summary, "results": results}, open(args.out, "w"), indent=1)


if __name__ == "__main__":
    main()
