"""Independent float64 numpy implementation of the Needle 2 forward pass, written from
needle/model/architecture.py (the training forward) and needle/model/decode.py (the KV-cache decode).

Two code paths that share only the small primitives below:
  * `Decoder`: prefill + incremental decode with a KV cache, as decode.generate_cached runs it
    (non-flash attention path): a sliding window of `window` keys (q - k < window) OR'd with a sink
    mask over absolute positions (sink[k] for k < sink_len), the engram memory fed from the full
    token history (never windowed), the mHC lanes, tied output embedding.
  * `full_forward`: the whole sequence at once with an explicit [T, T] mask, as
    SimpleAttentionNetwork.__call__ / hidden_cells compute it (engram validity via mask diagonals).
Agreement between them (tools/needle2/selfcheck.py) is the self-verification.
Everything is float64; the reference decode runs float32 (params cast by decode._f32).
"""
import math

import numpy as np

from .config import ENGRAM_CONV_TAPS, ENGRAM_PRIME, ENGRAM_SEED

EPS = 1e-6
# Walsh matrices up to this order are applied as a dense matmul (the tiny fixtures), larger ones by
# the fast transform (same numbers to ~1e-15; 10x less work at the preset's 1024)
DENSE_WALSH_MAX = 256


# ----------------------------------------------------------------------------- primitives
def zcrms(x, scale):
    """ZCRMSNorm: (1 + scale) * x / sqrt(mean(x^2) + eps), over the last axis."""
    return (1.0 + scale) * x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + EPS)


def rms_unit(x):
    return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + EPS)


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def silu(x):
    return x * sigmoid(x)


def logsumexp(x, axis):
    m = np.max(x, axis=axis, keepdims=True)
    return m + np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True))


def sinkhorn(logits, iters=20):
    """20 alternating row / column normalisations in log space, then exp (architecture._sinkhorn)."""
    lk = logits
    for _ in range(iters):
        lk = lk - logsumexp(lk, -1)
        lk = lk - logsumexp(lk, -2)
    return np.exp(lk)


def walsh(n):
    """Sylvester Walsh-Hadamard matrix of order n (power of two), scaled by 1/sqrt(n)."""
    h = np.ones((1, 1))
    while h.shape[0] < n:
        h = np.block([[h, h], [h, -h]])
    return h / math.sqrt(n)


def walsh_apply(z):
    """z @ walsh(n) for z [..., n] by the fast Walsh-Hadamard butterflies (n log n; same Sylvester
    ordering: block (x1, x2) -> (x1 + x2, x1 - x2), recursively)."""
    n = z.shape[-1]
    y = z.reshape(-1, n)
    h = 1
    while h < n:
        y = y.reshape(-1, n // (2 * h), 2, h)
        y = np.stack([y[:, :, 0] + y[:, :, 1], y[:, :, 0] - y[:, :, 1]], axis=2)
        h *= 2
    return y.reshape(z.shape) / math.sqrt(n)


def rope_tables(head_dim, length, theta):
    freqs = 1.0 / (theta ** (np.arange(0, head_dim, 2, dtype=np.float64) / head_dim))
    ang = np.outer(np.arange(length, dtype=np.float64), freqs)
    return np.cos(ang), np.sin(ang)


def rope(x, cos, sin):
    """Half-split rotation: [x1 cos - x2 sin, x2 cos + x1 sin]; x [..., S, hd], cos/sin [S, hd/2]."""
    half = x.shape[-1] // 2
    x1, x2 = x[..., :half], x[..., half:]
    return np.concatenate([x1 * cos - x2 * sin, x2 * cos + x1 * sin], axis=-1)


def engram_hash(tokens_back, table, slots):
    """Index for one table: tokens_back[j] is the token j positions back (j = 0 is the current one).

    seed = 0x9E3779B9 * (table + 1) mod 2^32; acc = ((acc ^ tok) * 0x01000193) mod 2^32 for each
    of the n-gram's tokens, newest first; acc ^= acc >> 15; index = acc % slots.
    """
    acc = (ENGRAM_SEED * (table + 1)) & 0xFFFFFFFF
    for tok in tokens_back:
        acc = ((acc ^ (int(tok) & 0xFFFFFFFF)) * ENGRAM_PRIME) & 0xFFFFFFFF
    acc ^= acc >> 15
    return acc % slots


def to_f64(tree, dtype=np.float64):
    return {k: to_f64(v, dtype) if isinstance(v, dict) else np.asarray(v, dtype) for k, v in tree.items()}


def layer_params(params, i):
    b = params["stack"]["layers"]["block"]
    sa, ha = b["self_attn"], b["hadamard_mlp"]
    return dict(pre=b["ZCRMSNorm_0"]["scale"][i], q=sa["q_proj"]["kernel"][i], k=sa["k_proj"]["kernel"][i],
                v=sa["v_proj"]["kernel"][i], o=sa["out_proj"]["kernel"][i], g=sa["gate_proj"]["kernel"][i],
                qn=sa["q_norm"]["scale"][i], kn=sa["k_norm"]["scale"][i], post=b["post_attn_norm"]["scale"][i],
                gate=b["attn_gate"][i], pre_hada=b["pre_hada_norm"]["scale"][i],
                d1=ha["d1"][i], d2=ha["d2"][i], d3=ha["d3"][i])


def hadamard_mlp(h, lp, d_model, H):
    """H is walsh(n) (dense, small n) or None (fast transform)."""
    n = lp["d1"].shape[-1]
    mul = (lambda a: a @ H) if H is not None else walsh_apply
    z = np.zeros(h.shape[:-1] + (n,), h.dtype)
    z[..., :d_model] = h
    z = mul(lp["d1"] * z)
    z = mul(silu(lp["d2"] * z))
    return (lp["d3"] * z)[..., :d_model]


def mhc_coeffs(params, cfg, i, x):
    """x: [S, n, C] lanes. Returns (hpre [S,n], hpost [S,n], hres [S,n,n])."""
    st = params["stack"]
    n, S = cfg.mhc_lanes, x.shape[0]
    nx = rms_unit(x.reshape(S, n * cfg.d_model))
    lane = np.eye(n, dtype=x.dtype)[i % n]
    hpre = sigmoid(st["mhc_a_pre"][i] * (nx @ st["mhc_phi_pre"][i]) + st["mhc_b_pre"][i] + (8 * lane - 4))
    hpost = 2 * sigmoid(st["mhc_a_post"][i] * (nx @ st["mhc_phi_post"][i]) + st["mhc_b_post"][i]
                        - 4 * (1 - lane))
    res = (nx @ st["mhc_phi_res"][i]).reshape(S, n, n)
    hres = sinkhorn(st["mhc_a_res"][i] * res + st["mhc_b_res"][i])
    return hpre, hpost, hres


def block_rest(u, attn_out, lp, d_model, H):
    """Everything of Block after the attention core: post norm, gated residual, Hadamard MLP."""
    x = u + sigmoid(lp["gate"]) * zcrms(attn_out, lp["post"])
    return x + hadamard_mlp(zcrms(x, lp["pre_hada"]), lp, d_model, H)


# ----------------------------------------------------------------------------- decode path
class Decoder:
    """Prefill + incremental decode over one sequence, KV cache of max_len positions.

    window = 0 means full causal attention; sink_len pins keys [0, sink_len) past the window
    (decode.generate_cached passes _doc_prefix_len(prompt) = 0, i.e. no sinks).
    """

    def __init__(self, params, cfg, max_len, window=0, sink_len=0, dtype=np.float64):
        # dtype=float32 only for measuring what a float32 implementation loses (selfcheck)
        self.dt = dt = np.dtype(dtype)
        self.p = to_f64(params, dt)
        self.cfg, self.max_len, self.window, self.sink_len = cfg, max_len, window, sink_len
        L, KV, hd = cfg.num_layers, cfg.num_kv_heads, cfg.head_dim
        self.kc = np.zeros((L, KV, max_len, hd), dt)
        self.vc = np.zeros((L, KV, max_len, hd), dt)
        self.hist = []
        self.vraw = [np.zeros((max_len, cfg.d_model), dt) for _ in cfg.engram_layers]
        self.cos, self.sin = (t.astype(dt) for t in rope_tables(hd, max_len, cfg.rope_theta))
        self.H = walsh(cfg.hada_n).astype(dt) if cfg.hada_n <= DENSE_WALSH_MAX else None
        self.layers = [layer_params(self.p, i) for i in range(L)]
        self.trace = None   # set to a dict to record intermediates of the next feed (debugging goldens)

    @property
    def pos(self):
        return len(self.hist)

    def _engram(self, start, S):
        """Engram (k, v) per site for positions start..start+S-1, one position at a time."""
        cfg = self.cfg
        orders, heads, sub = cfg.engram_geometry
        out = []
        for s in range(len(cfg.engram_layers)):
            ep = self.p[f"engrams_{s}"]
            ks, vs = [], []
            for t in range(start, start + S):
                parts = []
                for oi, order in enumerate(orders):
                    for h in range(heads):
                        table = oi * heads + h
                        if t < order - 1:
                            parts.append(np.zeros(sub, self.dt))
                            continue
                        back = [self.hist[t - j] for j in range(order)]
                        ix = engram_hash(back, table, cfg.engram_slots)
                        if self.trace is not None and s == 0:
                            self.trace.setdefault("engram_indices", {}).setdefault(t, []).append(ix)
                        parts.append(ep["embedding"][table, ix])
                e = np.concatenate(parts)
                ks.append(e @ ep["key_proj"]["kernel"])
                self.vraw[s][t] = e @ ep["value_proj"]["kernel"]
                dil = max(orders)
                vs.append(sum(ep["taps"][j] * self.vraw[s][t - j * dil]
                              for j in range(ENGRAM_CONV_TAPS) if t - j * dil >= 0))
            out.append((np.stack(ks), np.stack(vs)))
            if self.trace is not None:
                self.trace.setdefault("engram_k", []).append(out[-1][0])
                self.trace.setdefault("engram_v", []).append(out[-1][1])
        return out

    def _attend(self, i, h, start, S):
        cfg, lp = self.cfg, self.layers[i]
        H_, KV, hd = cfg.num_heads, cfg.num_kv_heads, cfg.head_dim
        q = (h @ lp["q"]).reshape(S, H_, hd).transpose(1, 0, 2)
        k = (h @ lp["k"]).reshape(S, KV, hd).transpose(1, 0, 2)
        v = (h @ lp["v"]).reshape(S, KV, hd).transpose(1, 0, 2)
        q, k = zcrms(q, lp["qn"]), zcrms(k, lp["kn"])
        cos, sin = self.cos[start:start + S], self.sin[start:start + S]
        q, k = rope(q, cos, sin), rope(k, cos, sin)
        self.kc[i, :, start:start + S] = k
        self.vc[i, :, start:start + S] = v
        end = start + S
        qpos = np.arange(start, end)[:, None]
        kpos = np.arange(end)[None, :]
        allowed = kpos <= qpos
        if self.window:
            allowed &= ((qpos - kpos) < self.window) | (kpos < self.sink_len)
        reps = H_ // KV
        out = np.empty((S, H_ * hd), self.dt)
        for head in range(H_):
            g = head // reps
            sc = q[head] @ self.kc[i, g, :end].T / math.sqrt(hd)
            sc = np.where(allowed, sc, -np.inf)
            w = np.exp(sc - sc.max(-1, keepdims=True))
            w /= w.sum(-1, keepdims=True)
            out[:, head * hd:(head + 1) * hd] = w @ self.vc[i, g, :end]
        out = out * sigmoid(h @ lp["g"])
        return out @ lp["o"]

    def feed(self, tokens):
        """Run tokens at positions pos..pos+S-1 through the model; returns logits [S, vocab]."""
        cfg, p = self.cfg, self.p
        start, S = self.pos, len(tokens)
        if start + S > self.max_len:
            raise ValueError(f"sequence of {start + S} exceeds the cache of {self.max_len}")
        self.hist.extend(int(t) for t in tokens)
        emb = p["embedding"]["embedding"]
        x0 = emb[np.asarray(tokens)] * math.sqrt(cfg.d_model)
        ekv = self._engram(start, S) if cfg.engram_layers else None
        n = cfg.mhc_lanes
        x = np.repeat(x0[:, None, :], n, axis=1)
        tr = self.trace
        if tr is not None:
            tr["x0"], tr["layers"] = x0, []
        for i in range(cfg.num_layers):
            lp = self.layers[i]
            hpre, hpost, hres = mhc_coeffs(p, cfg, i, x)
            u = np.einsum("sn,snc->sc", hpre, x)
            bx, alpha = u, None
            if ekv is not None and i in cfg.engram_layers:
                ek, ev = ekv[cfg.engram_layers.index(i)]
                alpha = sigmoid(np.sum(rms_unit(u) * rms_unit(ek), -1) / math.sqrt(cfg.d_model))
                bx = u + alpha[:, None] * ev
            attn = self._attend(i, zcrms(bx, lp["pre"]), start, S)
            y = block_rest(bx, attn, lp, cfg.d_model, self.H) - u
            x = np.einsum("sij,sjc->sic", hres, x) + hpost[..., None] * y[:, None, :]
            if tr is not None:
                tr["layers"].append(dict(hpre=hpre, hpost=hpost, hres=hres, u=u, engram_alpha=alpha,
                                         attn_out=attn, y=y, lanes_out=x))
        xf = zcrms(np.mean(x, axis=1), p["stack"]["final_norm"]["scale"])
        if tr is not None:
            tr["final_hidden"] = xf
        return xf @ emb.T


def greedy(params, cfg, prompt_ids, max_new_tokens, window=0, sink_len=0, eos_id=1, max_len=None,
           dtype=np.float64):
    """decode.generate_cached's loop: prefill, argmax, then one token per step until EOS,
    max_new_tokens or the cache end. Returns dict(prefill_logits, step_logits, tokens, stop)."""
    max_len = max_len or min(cfg.max_seq_len, len(prompt_ids) + max_new_tokens)
    dec = Decoder(params, cfg, max_len, window, sink_len, dtype)
    prefill = dec.feed(prompt_ids)
    nxt = int(np.argmax(prefill[-1]))
    out, steps, stop = [], [], "max_new_tokens"
    for _ in range(max_new_tokens):
        if nxt == eos_id:
            stop = "eos"
            break
        if dec.pos >= max_len:
            stop = "max_len"
            break
        out.append(nxt)
        logits = dec.feed([nxt])[-1]
        steps.append(logits)
        nxt = int(np.argmax(logits))
    return dict(prefill_logits=prefill, step_logits=steps, tokens=out, stop=stop, max_len=max_len)


# ----------------------------------------------------------------------------- full-sequence path
def full_forward(params, cfg, tokens, window=0, sink_len=0, collect_hidden=False):
    """All positions at once, explicit mask (architecture.SimpleAttentionNetwork.__call__ with the
    hidden_cells window mask). Returns logits [T, vocab]; with collect_hidden also the cells
    hidden_cells stacks: [T, num_layers + 1, d] = x0 then each layer's output averaged over the lanes."""
    p = to_f64(params)
    toks = np.asarray(tokens, np.int64)
    T, d, n = len(toks), cfg.d_model, cfg.mhc_lanes
    qp, kp = np.arange(T)[:, None], np.arange(T)[None, :]
    mask = kp <= qp
    if window:
        mask &= ((qp - kp) < window) | (kp < sink_len)
    emb = p["embedding"]["embedding"]
    x0 = emb[toks] * math.sqrt(d)

    def shift(a, off):  # a[t - off], zero before the start (architecture._shift_right)
        out = np.zeros_like(a)
        if off < len(a):
            out[off:] = a[:len(a) - off]
        return out

    def diag_ok(off):  # mask[t, t - off] (architecture._mask_diag)
        return np.array([t - off >= 0 and mask[t, t - off] for t in range(T)], np.float64)

    ekv = None
    if cfg.engram_layers:
        orders, heads, sub = cfg.engram_geometry
        u = toks.astype(np.uint64)
        idx = []
        for oi, order in enumerate(orders):
            for h in range(heads):
                acc = np.full(T, (ENGRAM_SEED * (oi * heads + h + 1)) & 0xFFFFFFFF, np.uint64)
                for j in range(order):
                    acc = ((acc ^ shift(u, j)) * np.uint64(ENGRAM_PRIME)) & np.uint64(0xFFFFFFFF)
                acc = acc ^ (acc >> np.uint64(15))
                idx.append((acc % np.uint64(cfg.engram_slots)).astype(np.int64))
        ngram_ok = [diag_ok(o - 1) for o in orders for _ in range(heads)]
        dil = max(orders)
        tap_ok = [diag_ok(j * dil) for j in range(ENGRAM_CONV_TAPS)]
        ekv = []
        for s in range(len(cfg.engram_layers)):
            ep = p[f"engrams_{s}"]
            e = np.concatenate([ep["embedding"][t][idx[t]] * ngram_ok[t][:, None]
                                for t in range(len(idx))], axis=-1)
            k = e @ ep["key_proj"]["kernel"]
            v = e @ ep["value_proj"]["kernel"]
            v = sum(ep["taps"][j] * shift(v, j * dil) * tap_ok[j][:, None] for j in range(ENGRAM_CONV_TAPS))
            ekv.append((k, v))

    cos, sin = rope_tables(cfg.head_dim, T, cfg.rope_theta)
    H = walsh(cfg.hada_n) if cfg.hada_n <= DENSE_WALSH_MAX else None
    x = np.repeat(x0[:, None, :], n, axis=1)
    cells = [x0]
    Hh, KV, hd = cfg.num_heads, cfg.num_kv_heads, cfg.head_dim
    for i in range(cfg.num_layers):
        lp = layer_params(p, i)
        hpre, hpost, hres = mhc_coeffs(p, cfg, i, x)
        u = np.einsum("tn,tnc->tc", hpre, x)
        bx = u
        if ekv is not None and i in cfg.engram_layers:
            ek, ev = ekv[cfg.engram_layers.index(i)]
            alpha = sigmoid(np.sum(rms_unit(u) * rms_unit(ek), -1) / math.sqrt(d))
            bx = u + alpha[:, None] * ev
        h = zcrms(bx, lp["pre"])
        q = rope(zcrms((h @ lp["q"]).reshape(T, Hh, hd).transpose(1, 0, 2), lp["qn"]), cos, sin)
        k = rope(zcrms((h @ lp["k"]).reshape(T, KV, hd).transpose(1, 0, 2), lp["kn"]), cos, sin)
        v = (h @ lp["v"]).reshape(T, KV, hd).transpose(1, 0, 2)
        k, v = np.repeat(k, Hh // KV, axis=0), np.repeat(v, Hh // KV, axis=0)
        sc = np.where(mask[None], q @ k.transpose(0, 2, 1) / math.sqrt(hd), -np.inf)
        w = np.exp(sc - sc.max(-1, keepdims=True))
        w /= w.sum(-1, keepdims=True)
        attn = (w @ v).transpose(1, 0, 2).reshape(T, Hh * hd) * sigmoid(h @ lp["g"])
        y = block_rest(bx, attn @ lp["o"], lp, d, H) - u
        x = np.einsum("tij,tjc->tic", hres, x) + hpost[..., None] * y[:, None, :]
        cells.append(np.mean(x, axis=1))
    xf = zcrms(np.mean(x, axis=1), p["stack"]["final_norm"]["scale"])
    if collect_hidden:
        return xf @ emb.T, np.stack(cells, axis=1)
    return xf @ emb.T
