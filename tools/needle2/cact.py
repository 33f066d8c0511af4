"""`.cact` files: written and read by the reference's own export.py (numpy paths, run through the
stand-in jax of reference_import), plus an independent parser written from export.py's docstring,
so the layout documented in test/fixtures/needle2/README.md is checked against the real writer.
"""
import math
import struct

import numpy as np

from .reference_import import reference_export

HDR_FMT = "<29If"          # 29 u32 + rope_theta f32 = 120 bytes
REC_FMT = "<BBHIIIIQQII"   # 44 bytes per directory record
FP16, FP32, CQ, RAW = 1, 2, 3, 4
TAG = 0x05E12A83
HEADER_FIELDS = ("tag", "num_tensors", "codebook_len", "kv_window", "kv_bits", "vocab_size", "d_model",
                 "num_heads", "num_kv_heads", "num_layers", "head_dim", "max_seq_len", "hada_n", "mhc_lanes",
                 "engram_slots", "engram_sub_dim", "num_engram_tables", "engram_conv_taps",
                 "engram_conv_dilation", "num_engram_orders", "engram_orders0", "engram_orders1",
                 "engram_orders2", "engram_orders3", "num_engram_sites", "engram_sites0", "engram_sites1",
                 "engram_sites2", "engram_sites3", "rope_theta")


def write_reference_cact(path, params, cfg_dict, tokenizer_model, bits=4, group=128, bits_map=None):
    """needle build's write_export call: kv_window = effective_kv_window(config), the tokenizer
    embedded. Returns (write_export's info dict, the reference TransformerConfig)."""
    export, _ = reference_export()
    from needle.model.architecture import TransformerConfig, effective_kv_window
    from needle.model.tokenizer import SANTokenizer
    config = TransformerConfig(**cfg_dict)
    info = export.write_export(params, config, path, bits=bits, group=group,
                               tokenizer=SANTokenizer(tokenizer_model), bits_map=bits_map,
                               kv_window=effective_kv_window(config))
    return info, config


def read_reference_cact(path):
    export, _ = reference_export()
    return export.read_export(path)


def tensor_names(cfg, num_sites, heads_present):
    """The canonical positional order of export._tensors (names are not stored in the file)."""
    names = ["embedding"]
    for i in range(cfg.num_layers):
        names += [f"layer{i:02d}.{n}" for n in ("norm_in", "q_proj", "k_proj", "v_proj", "q_norm", "k_norm",
                                                "gate_proj", "out_proj", "post_norm", "attn_gate", "pre_hada",
                                                "d1", "d2", "d3")]
    names += ["mhc_a_pre", "mhc_a_post", "mhc_a_res", "mhc_b_pre", "mhc_b_post", "mhc_b_res",
              "mhc_phi_pre", "mhc_phi_post", "mhc_phi_res"]
    for s in range(num_sites):
        names += [f"engram{s}.{n}" for n in ("tables", "key_proj", "value_proj", "taps")]
    names.append("final_norm")
    if heads_present:
        names.append("heads.manifest")
        for h in heads_present:
            names += [f"{h}.probes", f"{h}.proj", f"{h}.bias"]
    names.append("tokenizer")
    return names


def walsh(n):
    h = np.ones((1, 1))
    while h.shape[0] < n:
        h = np.block([[h, h], [h, -h]])
    return h / math.sqrt(n)


def parse_cact(raw):
    """Independent reader: header, codebooks, directory, and each tensor dequantized in float64."""
    hdr = dict(zip(HEADER_FIELDS, struct.unpack_from(HDR_FMT, raw, 0)))
    assert hdr["tag"] == TAG
    off = struct.calcsize(HDR_FMT)
    cb = np.frombuffer(raw, np.float32, hdr["codebook_len"], off).astype(np.float64)
    codebooks = {2: cb[0:4], 3: cb[4:12], 4: cb[12:28]}
    off += 4 * hdr["codebook_len"]
    records, tensors = [], []
    for _ in range(hdr["num_tensors"]):
        dt, ndim, _pad, s0, s1, s2, s3, t_off, nbytes, group, bits = struct.unpack_from(REC_FMT, raw, off)
        off += struct.calcsize(REC_FMT)
        shape = (s0, s1, s2, s3)[:ndim]
        records.append(dict(dtype=dt, ndim=ndim, shape=list(shape), offset=t_off, nbytes=nbytes,
                            group=group, bits=bits))
        blob = raw[t_off:t_off + nbytes]
        if dt == FP16:
            tensors.append(np.frombuffer(blob, np.float16).reshape(shape).astype(np.float64))
        elif dt == FP32:
            tensors.append(np.frombuffer(blob, np.float32).reshape(shape).astype(np.float64))
        elif dt == CQ:
            rows, cols = shape
            in_pad = -(-cols // group) * group
            ng = in_pad // group
            b = 2 if bits == 5 else bits
            row_bytes = in_pad * b // 8
            packed = np.frombuffer(blob, np.uint8, rows * row_bytes).reshape(rows, row_bytes)
            norms = np.frombuffer(blob, np.float16, rows * ng, rows * row_bytes).reshape(rows, ng)
            # one LSB-first bitstream per row: index k occupies bits [k*b, (k+1)*b)
            bitsarr = np.unpackbits(packed, axis=1, bitorder="little")[:, :in_pad * b].reshape(rows, in_pad, b)
            idx = (bitsarr.astype(np.int64) << np.arange(b)).sum(-1)
            if bits == 5:   # ternary crumbs 3,0,1 -> levels 0,1,2
                idx = np.where(idx == 3, 0, idx + 1)
                levels = np.array([-1.2240064, 0.0, 1.2240064]) / math.sqrt(group)
            else:
                levels = codebooks[bits]
            unit = levels[idx].reshape(rows, ng, group)
            w = (unit * norms.astype(np.float64)[..., None]) @ walsh(group)
            tensors.append(w.reshape(rows, in_pad)[:, :cols])
        elif dt == RAW:
            tensors.append(bytes(blob))
        else:
            raise ValueError(f"unknown dtype {dt}")
    return hdr, codebooks, records, tensors


def params_from_cact(tensors, cfg, base_params):
    """Rebuild a forward-ready param tree from read_export's tensors (reverse of export._tensors:
    [out,in] -> kernel [in,out], phi (L*lanes, nC) -> (L, nC, lanes), tables -> (T, slots, sub)).
    Parameters the .cact does not carry (mtp_*) are taken from base_params."""
    it = iter(tensors)
    nxt = lambda: np.asarray(next(it), np.float64)  # noqa: E731
    L, d, n = cfg.num_layers, cfg.d_model, cfg.mhc_lanes
    orders, heads, sub = cfg.engram_geometry
    emb = nxt()
    per = {k: [] for k in ("pre", "q", "k", "v", "qn", "kn", "g", "o", "post", "gate", "pre_hada", "d1", "d2", "d3")}
    for _ in range(L):
        for k in ("pre", "q", "k", "v", "qn", "kn", "g", "o", "post", "gate", "pre_hada", "d1", "d2", "d3"):
            per[k].append(nxt())
    st = lambda k, T=False: np.stack([a.T if T else a for a in per[k]])  # noqa: E731
    stack = {"layers": {"block": {
        "ZCRMSNorm_0": {"scale": st("pre")}, "attn_gate": st("gate").reshape(L),
        "hadamard_mlp": {"d1": st("d1"), "d2": st("d2"), "d3": st("d3")},
        "post_attn_norm": {"scale": st("post")}, "pre_hada_norm": {"scale": st("pre_hada")},
        "self_attn": {"q_proj": {"kernel": st("q", True)}, "k_proj": {"kernel": st("k", True)},
                      "v_proj": {"kernel": st("v", True)}, "gate_proj": {"kernel": st("g", True)},
                      "out_proj": {"kernel": st("o", True)}, "q_norm": {"scale": st("qn")},
                      "k_norm": {"scale": st("kn")}}}}}
    for name in ("mhc_a_pre", "mhc_a_post", "mhc_a_res", "mhc_b_pre", "mhc_b_post", "mhc_b_res"):
        stack[name] = nxt()
    for name, lanes in (("mhc_phi_pre", n), ("mhc_phi_post", n), ("mhc_phi_res", n * n)):
        stack[name] = nxt().reshape(L, lanes, n * d).transpose(0, 2, 1)
    out = {"embedding": {"embedding": emb}, "stack": stack}
    for s in range(len(cfg.engram_layers)):
        tables = nxt().reshape(len(orders) * heads, cfg.engram_slots, sub)
        out[f"engrams_{s}"] = {"embedding": tables, "key_proj": {"kernel": nxt().T},
                               "value_proj": {"kernel": nxt().T}, "taps": nxt()}
    stack["final_norm"] = {"scale": nxt()}
    for k, v in base_params.items():
        if k.startswith("mtp_"):
            out[k] = v
    return out
