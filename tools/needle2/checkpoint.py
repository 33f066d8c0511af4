"""Random Needle 2 checkpoints, LoRA adapters and the merge, in the reference's real layouts.

Layouts (see test/fixtures/needle2/README.md):
  checkpoint .pkl: {"format_version": 2, "params": tree, "config": dict, ["step", "run"]}
    (run.load_checkpoint / average_checkpoints / tests/conftest.py); the param tree is the flax
    tree of SimpleAttentionNetwork.init (keys sorted at every level, as jax.tree_util rebuilds
    dicts), leaves numpy arrays.
  adapter .pkl: {"lora": {"stack/layers/block/self_attn/<proj>/kernel": {"A": f32 [L,in,r],
    "B": f32 [L,r,out]}}, "scale": alpha/rank, "base": str, "rank": int} (finetune.finetune_local).
"""
import pickle

import numpy as np

from .config import ENGRAM_CONV_TAPS

FORMAT_VERSION = 2
LORA_TARGETS = ("q_proj", "k_proj", "v_proj", "gate_proj", "out_proj")
CONFIDENCE_PROBES, CONTRASTIVE_PROBES = 8, 4


def config_dict(kwargs):
    """dict(vars(TransformerConfig(**kwargs))): the kwargs in order, then attn_dim (always set by
    __init__), then engram_layers (re-set as a tuple by __init__, so present even if not passed)."""
    d = dict(kwargs)
    d["attn_dim"] = d.get("attn_dim") or d.get("d_model", 512)
    d["engram_layers"] = tuple(d.get("engram_layers", (2, 15)))
    return d


def _sorted(tree):
    return {k: _sorted(tree[k]) if isinstance(tree[k], dict) else tree[k] for k in sorted(tree)}


def random_params(cfg, seed, with_heads=True, with_mtp=True, d3_mean=1.0, emb_std=0.05):
    """Every parameter SimpleAttentionNetwork.init creates (plus the probe heads a trained
    checkpoint carries), drawn so that every one of them matters: norms and gates away from their
    zero init, mixing coefficients input-dependent. float64 values, later cast by the writer.
    d3_mean: silu's positive mean, rotated by the Walsh matrix, lands in output dim 0 of the Hadamard
    MLP (~0.2 * sqrt(N) * d3[0] per layer); at N = 1024 and 27 layers a mean-1 d3 makes that one dim
    dominate the residual and a single token win every argmax, so the full size draws d3 around 0."""
    rng = np.random.default_rng(seed)
    d, L, n, V = cfg.d_model, cfg.num_layers, cfg.mhc_lanes, cfg.vocab_size
    A, hd, kv = cfg.attn_dim or d, cfg.head_dim, cfg.kv_dim
    hn = cfg.hada_n
    orders, heads, sub = cfg.engram_geometry
    tables = len(orders) * heads

    def N(*shape, std=1.0, mean=0.0):
        return mean + std * rng.standard_normal(shape)

    def block(lead):
        def s(*shape):
            return tuple(lead) + shape
        return {
            "ZCRMSNorm_0": {"scale": N(*s(d), std=0.2)},
            "attn_gate": N(*s(), std=1.0, mean=0.5),
            "hadamard_mlp": {"d1": N(*s(hn), std=0.3, mean=1.0), "d2": N(*s(hn), std=0.3, mean=1.0),
                             "d3": N(*s(hn), std=0.3, mean=d3_mean)},
            "post_attn_norm": {"scale": N(*s(d), std=0.3, mean=2.0)},
            "pre_hada_norm": {"scale": N(*s(d), std=0.2)},
            "self_attn": {
                "q_proj": {"kernel": N(*s(d, A), std=d ** -0.5)},
                "k_proj": {"kernel": N(*s(d, kv), std=d ** -0.5)},
                "v_proj": {"kernel": N(*s(d, kv), std=d ** -0.5)},
                "gate_proj": {"kernel": N(*s(d, A), std=d ** -0.5)},
                "out_proj": {"kernel": N(*s(A, d), std=A ** -0.5)},
                "q_norm": {"scale": N(*s(hd), std=0.2)},
                "k_norm": {"scale": N(*s(hd), std=0.2)},
            },
        }

    nC = n * d
    p = {
        "embedding": {"embedding": N(V, d, std=emb_std)},
        "stack": {
            "layers": {"block": block((L,))},
            "final_norm": {"scale": N(d, std=0.3, mean=3.0)},
            "mhc_phi_pre": N(L, nC, n, std=0.05), "mhc_phi_post": N(L, nC, n, std=0.05),
            "mhc_phi_res": N(L, nC, n * n, std=0.05),
            "mhc_b_pre": N(L, n, std=0.5), "mhc_b_post": N(L, n, std=0.5, mean=3.0),
            "mhc_b_res": 4.0 * np.eye(n)[None] + N(L, n, n, std=1.0),
            "mhc_a_pre": N(L, std=0.3, mean=1.0), "mhc_a_post": N(L, std=0.3, mean=1.0),
            "mhc_a_res": N(L, std=0.3, mean=1.0),
        },
    }
    for s in range(len(cfg.engram_layers)):
        p[f"engrams_{s}"] = {
            "embedding": N(tables, cfg.engram_slots, sub, std=1.0),
            "key_proj": {"kernel": N(tables * sub, d, std=(tables * sub) ** -0.5)},
            "value_proj": {"kernel": N(tables * sub, d, std=(tables * sub) ** -0.5)},
            # identity init (tap 0 = 1) plus noise, so every tap matters
            "taps": np.outer(np.eye(ENGRAM_CONV_TAPS)[0], np.ones(d)) + N(ENGRAM_CONV_TAPS, d, std=0.3),
        }
    if with_mtp:
        p["mtp_combine"] = {"kernel": N(2 * d, d, std=(2 * d) ** -0.5)}
        p["mtp_block"] = block(())
        p["mtp_emb_norm"] = {"scale": N(d, std=0.2)}
        p["mtp_final_norm"] = {"scale": N(d, std=0.2)}
    if with_heads:
        p["contrastive_head"] = {"probes": N(CONTRASTIVE_PROBES, d, std=0.02),
                                 "proj": {"kernel": N(CONTRASTIVE_PROBES * d, cfg.contrastive_dim, std=0.02)},
                                 "log_temp": np.asarray(np.log(0.07))}
        p["confidence_head"] = {"probes": N(CONFIDENCE_PROBES, d, std=0.02),
                                "proj": {"kernel": N(CONFIDENCE_PROBES * d, 1, std=0.02), "bias": N(1, std=0.1)}}
    return _sorted(p)


def cast_tree(tree, dtype, scalars_as_numpy_scalars=False):
    """Cast every leaf. scalars_as_numpy_scalars mimics run.average_checkpoints, where a 0-d leaf
    goes through `np.asarray(v, np.float32) * scale` (a numpy scalar) and then .astype(float16)."""
    out = {}
    for k, v in tree.items():
        if isinstance(v, dict):
            out[k] = cast_tree(v, dtype, scalars_as_numpy_scalars)
        else:
            a = np.asarray(v).astype(dtype)
            out[k] = a[()] if (scalars_as_numpy_scalars and a.ndim == 0) else a
    return out


def flatten(tree, prefix=""):
    out = {}
    for k, v in tree.items():
        path = f"{prefix}/{k}" if prefix else k
        if isinstance(v, dict):
            out.update(flatten(v, path))
        else:
            out[path] = v
    return out


def write_checkpoint(path, params, config, extra=None, protocol=4):
    obj = {"format_version": FORMAT_VERSION, "params": params, "config": config}
    obj.update(extra or {})
    with open(path, "wb") as f:
        pickle.dump(obj, f, protocol=protocol)


def lora_target_paths(params):
    """finetune.lora_target_paths: 'kernel' leaves under stack/layers whose path names a target
    projection and whose max |w| > 1e-6, in the flattened (sorted) order."""
    return [k for k, v in flatten(params).items()
            if k.endswith("/kernel") and k.startswith("stack/layers/")
            and any(t in k.split("/") for t in LORA_TARGETS) and np.max(np.abs(v)) > 1e-6]


def random_adapter(params, rank, alpha, seed, base):
    """A trained-looking adapter: A as init_lora draws it (normal / rank), B nonzero (trained)."""
    rng = np.random.default_rng(seed)
    flat = flatten(params)
    lora = {}
    for path in lora_target_paths(params):
        w = flat[path]
        lead, (din, dout) = w.shape[:-2], w.shape[-2:]
        lora[path] = {"A": (rng.standard_normal(lead + (din, rank)) / rank).astype(np.float32),
                      "B": (0.1 * rng.standard_normal(lead + (rank, dout))).astype(np.float32)}
    return {"lora": dict(sorted(lora.items())), "scale": float(alpha / rank), "base": base, "rank": int(rank)}


def merge_adapter(params, adapter):
    """finetune.build_main + merge_lora: w + (scale * A @ B).astype(w.dtype), added in w's dtype.
    The delta is computed in float64 then rounded to float32 (the reference: jnp.matmul in f32),
    then to w's dtype; the sum of two float16s is formed exactly in float64 and rounded once."""
    flat = flatten(params)
    merged = {}
    for path, ab in adapter["lora"].items():
        w = flat[path]
        delta = (adapter["scale"] * np.matmul(ab["A"].astype(np.float64), ab["B"].astype(np.float64)))
        delta = delta.astype(np.float32).astype(w.dtype)
        merged[path] = (w.astype(np.float64) + delta.astype(np.float64)).astype(w.dtype)
    return merged


def set_paths(params, updates):
    """A copy of the tree with the flattened paths in `updates` replaced."""
    def rec(tree, prefix):
        out = {}
        for k, v in tree.items():
            path = f"{prefix}/{k}" if prefix else k
            out[k] = rec(v, path) if isinstance(v, dict) else updates.get(path, v)
        return out
    return rec(params, "")
