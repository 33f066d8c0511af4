"""Tokenised Needle training examples: encoder = query ids (<= 1022) + [<tools>] + tools ids (<= 1024 in
all); decoder input = [EOS] + [<tool_call>] + target ids; labels = [<tool_call>] + target ids + [EOS]."""
import json

import numpy as np

PAD, EOS, BOS, UNK, TOOL_CALL, TOOLS = 0, 1, 2, 3, 4, 5
MAX_ENC, MAX_QUERY = 1024, 1022


def encoder_ids(sp, query, tools_json, cache=None):
    q = sp.encode(query)[:MAX_QUERY]
    if cache is not None and tools_json in cache:
        t = cache[tools_json]
    else:
        t = sp.encode(tools_json)
        if cache is not None:
            cache[tools_json] = t
    return (q + [TOOLS] + t)[:MAX_ENC]


def load_rows(sp, path, limit=None, max_src=None):
    """Tokenised rows; rows whose encoder input exceeds max_src tokens are dropped (training cost)."""
    rows, cache = [], {}
    with open(path, encoding="utf-8") as f:
        for i, line in enumerate(f):
            if limit is not None and i >= limit:
                break
            r = json.loads(line)
            if "src_ids" in r:  # ids from export-data.ts --spm: the harness's own tokenizer and prompt code
                src = r.pop("src_ids")
                tgt = [TOOL_CALL] + r.pop("target_ids") + [EOS]
            else:
                src = encoder_ids(sp, r["query"], r["tools_json"], cache)
                tgt = [TOOL_CALL] + sp.encode(r["target"]) + [EOS]
            if max_src is None or len(src) <= max_src:
                rows.append((src, tgt, r))
    return rows


def copy_rows(sp, rows, fraction, rng):
    """Copy tasks: source = a training query alone (no <tools>, so the model can tell the task apart),
    target = {"text":"<query>"} with no <tool_call>. The only way to lower their loss is to read the
    source token by token through cross-attention, and the quoted value is tokenised as in the real
    targets (first word without its leading space piece). Trains the copying circuit tool calls need
    to put unseen values into arguments, which plain tool-call data alone did not teach (the decoder
    settled into a source-blind language model)."""
    n = int(len(rows) * fraction)
    out = []
    for i in rng.choice(len(rows), size=n, replace=False):
        q = rows[i][2]["query"]
        src = sp.encode(q)[:MAX_ENC]
        tgt = sp.encode(json.dumps({"text": q}, ensure_ascii=False, separators=(",", ":"))) + [EOS]
        out.append((src, tgt, {"id": f"copy-{i}", "query": q}))
    return out


def batches(rows, token_budget, rng):
    """Length-bucketed batches (similar source lengths together), in a seeded random order."""
    order = rng.permutation(len(rows))
    out = []
    chunk = 2048
    for s in range(0, len(order), chunk):
        idx = sorted(order[s:s + chunk], key=lambda i: len(rows[i][0]))
        cur, cur_max = [], 0
        for i in idx:
            L = len(rows[i][0])
            if cur and max(cur_max, L) * (len(cur) + 1) > token_budget:
                out.append(cur)
                cur, cur_max = [], 0
            cur.append(i)
            cur_max = max(cur_max, L)
        if cur:
            out.append(cur)
    rng.shuffle(out)
    return out


def collate(rows, idx):
    S = max(len(rows[i][0]) for i in idx)
    T = max(len(rows[i][1]) for i in idx)
    src = np.zeros((len(idx), S), dtype=np.int64)
    dec = np.zeros((len(idx), T), dtype=np.int64)
    lab = np.zeros((len(idx), T), dtype=np.int64)
    for b, i in enumerate(idx):
        s, t = rows[i][0], rows[i][1]
        src[b, :len(s)] = s
        dec[b, :len(t)] = [EOS] + t[:-1]
        lab[b, :len(t)] = t
    return src, dec, lab
