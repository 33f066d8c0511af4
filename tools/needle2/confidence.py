"""The confidence head, float64, written from architecture.py (probe_pool, ConfidenceHead,
SimpleAttentionNetwork.forward_confidence): softmax attention of 8 learned probes over every cell
(each position's x0 and every layer's lane mean: hidden_cells), the 8 pooled vectors concatenated
probe-major, then Dense(1) with bias. keep (tokens != pad) masks pad positions out of the pooling;
the cells come from model.full_forward, whose attention has no padding mask, so pad tokens are refused
rather than half-handled.
"""
import math

import numpy as np

from .model import full_forward, to_f64


def probe_pool(cells, probes, keep=None):
    """cells [T, l, d], probes [P, d], keep [T] (1 = use) -> pooled [P * d]."""
    T, l, d = cells.shape
    flat = cells.reshape(T * l, d)
    scores = probes @ flat.T / math.sqrt(d)                      # [P, T*l]
    if keep is not None:
        scores = np.where(np.repeat(keep, l)[None, :] > 0, scores, -np.inf)
    w = np.exp(scores - scores.max(-1, keepdims=True))
    w /= w.sum(-1, keepdims=True)
    return (w @ flat).reshape(-1)


def forward_confidence(params, cfg, tokens, window=0, sink_len=0):
    """forward_confidence(tokens[None], window=window, sink=positions < sink_len) -> float."""
    toks = np.asarray(tokens, np.int64)
    if (toks == cfg.pad_token_id).any():
        raise ValueError(f"forward_confidence: prompt holds the pad id {cfg.pad_token_id}; not supported here")
    head = to_f64(params["confidence_head"])
    _, cells = full_forward(params, cfg, toks, window=window, sink_len=sink_len, collect_hidden=True)
    pooled = probe_pool(cells, head["probes"], keep=(toks != cfg.pad_token_id).astype(np.float64))
    return float(pooled @ head["proj"]["kernel"][:, 0] + head["proj"]["bias"][0])
