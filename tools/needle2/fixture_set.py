"""Pieces shared by the tiny (committed) and full-size (generated) fixture writers."""
import hashlib
import json
import os

import numpy as np

from . import cact
from .goldens import r, run_case, vec

HEADS = ("contrastive_head", "confidence_head")


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def dump(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, separators=(",", ":"))
        f.write("\n")


def stats(a):
    a = np.asarray(a, np.float64)
    return {"shape": list(a.shape), "sum": r(a.sum()), "sum_sq": r((a * a).sum()), "max_abs": r(np.abs(a).max()),
            "first": vec(a.ravel()[:8])}


def leaf_doc(v):
    a = np.asarray(v)
    return {"dtype": a.dtype.name, "shape": list(a.shape), "numpy_scalar": not isinstance(v, np.ndarray),
            "sum": r(a.astype(np.float64).sum()), "first": vec(a.ravel()[:4])}


def write_cacts(out, specs, cfg, cfg_d, tok_path):
    """specs: [(file name, params, bits)]. Each is written by the reference write_export, read back by
    the reference read_export and by the independent parser (their max difference is recorded)."""
    cacts = {}
    for name, prm, bits in specs:
        path = os.path.join(out, name)
        info, _ = cact.write_reference_cact(path, prm, cfg_d, tok_path, bits=bits)
        meta, tensors = cact.read_reference_cact(path)
        hdr, codebooks, records, mine = cact.parse_cact(open(path, "rb").read())
        names = cact.tensor_names(cfg, len(cfg.engram_layers), [h for h in HEADS if h in prm])
        assert len(names) == len(tensors) == len(records), (len(names), len(tensors))
        worst = 0.0
        for a, b in zip(tensors, mine):
            if isinstance(a, bytes):
                assert a == b
            else:
                worst = max(worst, float(np.abs(np.asarray(a, np.float64) - b).max()))
        del mine
        cacts[name] = dict(path=path, meta=meta, tensors=tensors, records=records, names=names, hdr=hdr,
                           codebooks=codebooks, bits=bits, info=info, independent_vs_reference=worst)
    return cacts


def write_dequant(path, c, what):
    from .safetensors_io import write_safetensors
    write_safetensors(path, {n: np.asarray(t, np.float32) for n, t, rec in zip(c["names"], c["tensors"], c["records"])
                             if rec["dtype"] == cact.CQ}, {"what": what})


def cact_doc(c, export, encode_samples=()):
    recs = [{"name": n, **rec} for n, rec in zip(c["names"], c["records"])]
    doc = {
        "file": os.path.basename(c["path"]), "bytes": os.path.getsize(c["path"]), "sha256": sha256(c["path"]),
        "bits": c["bits"], "group": 128,
        "header": {k: (r(v) if k == "rope_theta" else v) for k, v in c["hdr"].items()},
        "read_export_meta": {k: (list(v) if isinstance(v, tuple) else (vec(v) if isinstance(v, np.ndarray) else v))
                             for k, v in c["meta"].items()},
        "records": recs,
        "tensor_stats": {n: stats(t) for n, t in zip(c["names"], c["tensors"]) if not isinstance(t, bytes)},
        "independent_parser_max_abs_diff": c["independent_vs_reference"],
    }
    blob = c["tensors"][-1]
    if isinstance(blob, bytes):
        tk = export.parse_tokenizer_blob(blob)
        ref_tok = export.RefTokenizer(tk)
        doc["tokenizer_blob"] = {
            "n_pieces": len(tk["pieces"]), "pad_id": tk["pad_id"], "eos_id": tk["eos_id"], "bos_id": tk["bos_id"],
            "unk_id": tk["unk_id"], "add_dummy_prefix": tk["add_dummy_prefix"], "byte_fallback": tk["byte_fallback"],
            "types_count": {str(t): tk["types"].count(t) for t in sorted(set(tk["types"]))},
            "first_pieces": [[p, r(s), t] for p, s, t in list(zip(tk["pieces"], tk["scores"], tk["types"]))[:20]],
            "ref_tokenizer_encode": {q: ref_tok.encode(q) for q in encode_samples}}
    return doc


def run_plan(plan, weights, cfg, check_full=True, log=print):
    """plan: {weight set: [(case name, prompt ids, max_new_tokens, window, sink_len, full steps, all positions)]}"""
    golden = {}
    for wname, cases in plan.items():
        golden[wname] = {"weights": weights[wname]["file"], "cases": []}
        for (cname, pids, steps, win, sink, full_steps, allpos) in cases:
            c = run_case(cname, weights[wname]["params"], cfg, pids, steps, win, sink, full_steps, allpos,
                         check_full=check_full)
            golden[wname]["cases"].append(c)
            sc = c.get("_selfcheck_max_abs_diff_decode_vs_full")
            log(f"  {wname:<11} {cname:<17} len {len(pids):>3}  greedy {c['greedy_tokens'][:8]}…  "
                f"margin {c['min_greedy_margin']:.4f}" + (f"  selfcheck {sc:.1e}" if sc is not None else ""))
    return golden
