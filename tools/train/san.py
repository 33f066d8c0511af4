"""Needle's Simple Attention Network in torch, float32, parameters held exactly as Needle's Flax tree.

Math (cactus-compute/needle architecture, as the harness's TS/ONNX runtime implements it): embeddings x
sqrt(d_model); ZCRMSNorm(x) = (1+scale) * x / sqrt(mean(x^2)+1e-6); attention without biases, per-head
q_norm/k_norm before RoPE; GQA (query head h uses kv head h // (H/KV)); half-split RoPE in
self-attention only, positions 0..T-1 per stack; scores / sqrt(head_dim); key padding mask (id 0) in
encoder self-attention and cross-attention; causal decoder; gated residual x + sigmoid(g)*f(norm(x));
encoder final_norm; decoder final ZCRMSNorm; tied logits. No feed-forward layers.
Parameters are stacked on a leading layer axis and dense kernels are (in, out), as in the checkpoint,
so export is a rename-free float16 cast.
"""
import math

import torch
import torch.nn as nn

NEG = -1e30  # additive mask value: finite, so a fully masked row cannot create NaN


def zcrms(x, scale):
    return (1.0 + scale) * x * torch.rsqrt(torch.mean(x * x, dim=-1, keepdim=True) + 1e-6)


def rope_tables(T, head_dim, theta, device=None):
    half = head_dim // 2
    inv = theta ** (-(torch.arange(half, dtype=torch.float64) * 2.0 / head_dim))
    ang = torch.arange(T, dtype=torch.float64)[:, None] * inv[None, :]
    return torch.cos(ang).float().to(device), torch.sin(ang).float().to(device)


def apply_rope(x, cos, sin):
    # x: (B, T, heads, hd); tables (T, hd/2)
    half = x.shape[-1] // 2
    x1, x2 = x[..., :half], x[..., half:]
    c, s = cos[None, :, None, :], sin[None, :, None, :]
    return torch.cat([x1 * c - x2 * s, x2 * c + x1 * s], dim=-1)


class SAN(nn.Module):
    def __init__(self, cfg, init_seed=0):
        super().__init__()
        self.cfg = cfg
        d, H, KV = cfg["d_model"], cfg["num_heads"], cfg["num_kv_heads"]
        hd = d // H
        self.hd = hd
        V, Le, Ld = cfg["vocab_size"], cfg["num_encoder_layers"], cfg["num_decoder_layers"]
        g = torch.Generator().manual_seed(init_seed)

        def dense(L, i, o):
            return nn.Parameter(torch.randn(L, i, o, generator=g) / math.sqrt(i))

        def zeros(*shape):
            return nn.Parameter(torch.zeros(*shape))

        def attn(prefix, L):
            return {
                f"{prefix}/q_proj/kernel": dense(L, d, H * hd),
                f"{prefix}/k_proj/kernel": dense(L, d, KV * hd),
                f"{prefix}/v_proj/kernel": dense(L, d, KV * hd),
                # Small output projections: every residual branch starts near identity.
                f"{prefix}/out_proj/kernel": nn.Parameter(torch.randn(L, H * hd, d, generator=g) / math.sqrt(H * hd) * 0.5),
                f"{prefix}/q_norm/scale": zeros(L, hd),
                f"{prefix}/k_norm/scale": zeros(L, hd),
            }

        hidden = d // 4
        p = {
            "embedding/embedding": nn.Parameter(torch.randn(V, d, generator=g) / math.sqrt(d)),
            "encoder/layers/EncoderBlock_0/attn_gate": zeros(Le),
            "encoder/layers/EncoderBlock_0/ZCRMSNorm_0/scale": zeros(Le, d),
            **attn("encoder/layers/EncoderBlock_0/self_attn", Le),
            "encoder/final_norm/scale": zeros(d),
            "decoder/layers/DecoderBlock_0/self_attn_gate": zeros(Ld),
            "decoder/layers/DecoderBlock_0/cross_attn_gate": zeros(Ld),
            "decoder/layers/DecoderBlock_0/ZCRMSNorm_0/scale": zeros(Ld, d),
            "decoder/layers/DecoderBlock_0/ZCRMSNorm_1/scale": zeros(Ld, d),
            **attn("decoder/layers/DecoderBlock_0/self_attn", Ld),
            **attn("decoder/layers/DecoderBlock_0/cross_attn", Ld),
            "decoder/ZCRMSNorm_0/scale": zeros(d),
            # The contrastive head is unused by generation; kept so the tree matches Needle's.
            "contrastive_hidden/kernel": nn.Parameter(torch.randn(d, hidden, generator=g) / math.sqrt(d)),
            "contrastive_hidden/bias": zeros(hidden),
            "contrastive_proj/kernel": nn.Parameter(torch.randn(hidden, cfg.get("contrastive_dim", 128), generator=g) / math.sqrt(hidden)),
            "log_temp": nn.Parameter(torch.tensor(math.log(1 / 0.07))),
        }
        self.p = nn.ParameterDict({k.replace("/", "|"): v for k, v in p.items()})

    def P(self, name):
        return self.p[name.replace("/", "|")]

    def named_tree(self):
        return {k.replace("|", "/"): v for k, v in self.p.items()}

    def attention(self, prefix, l, xq, xkv, bias, rope):
        """bias: additive mask broadcastable to (B, KV, rep, T, S) (0 or NEG)."""
        B, T, _ = xq.shape
        S = xkv.shape[1]
        H, KV, hd = self.cfg["num_heads"], self.cfg["num_kv_heads"], self.hd
        rep = H // KV
        q = (xq @ self.P(f"{prefix}/q_proj/kernel")[l]).view(B, T, H, hd)
        k = (xkv @ self.P(f"{prefix}/k_proj/kernel")[l]).view(B, S, KV, hd)
        v = (xkv @ self.P(f"{prefix}/v_proj/kernel")[l]).view(B, S, KV, hd)
        q = zcrms(q, self.P(f"{prefix}/q_norm/scale")[l])
        k = zcrms(k, self.P(f"{prefix}/k_norm/scale")[l])
        if rope is not None:
            q = apply_rope(q, *rope)
            k = apply_rope(k, *rope)
        # GQA without copying K/V: query head h = g * rep + r reads kv head g = h // rep.
        qg = q.view(B, T, KV, rep, hd).permute(0, 2, 3, 1, 4)  # B KV rep T hd
        kg = k.permute(0, 2, 3, 1)  # B KV hd S
        scores = (qg @ kg[:, :, None]) / math.sqrt(hd)  # B KV rep T S
        if bias is not None:
            scores = scores + bias
        attn = torch.softmax(scores, dim=-1)
        out = attn @ v.permute(0, 2, 1, 3)[:, :, None]  # B KV rep T hd
        out = out.permute(0, 3, 1, 2, 4).reshape(B, T, H * hd)
        return out @ self.P(f"{prefix}/out_proj/kernel")[l]

    @staticmethod
    def key_bias(key_mask):
        # (B, S) bool -> additive (B, 1, 1, 1, S)
        return torch.zeros(key_mask.shape, dtype=torch.float32, device=key_mask.device).masked_fill(~key_mask, NEG)[:, None, None, None, :]

    @staticmethod
    def causal_bias(T, device=None):
        return torch.full((T, T), NEG, device=device).triu(1)

    def encode(self, src):
        cfg = self.cfg
        d = cfg["d_model"]
        key_mask = src != cfg.get("pad_token_id", 0)
        x = self.P("embedding/embedding")[src] * math.sqrt(d)
        rope = rope_tables(src.shape[1], self.hd, cfg.get("rope_theta", 10000.0), src.device)
        blk = "encoder/layers/EncoderBlock_0"
        bias = self.key_bias(key_mask)
        for l in range(cfg["num_encoder_layers"]):
            h = zcrms(x, self.P(f"{blk}/ZCRMSNorm_0/scale")[l])
            x = x + torch.sigmoid(self.P(f"{blk}/attn_gate")[l]) * self.attention(f"{blk}/self_attn", l, h, h, bias, rope)
        return zcrms(x, self.P("encoder/final_norm/scale")), key_mask

    def decode(self, tgt, enc, src_mask):
        cfg = self.cfg
        d = cfg["d_model"]
        x = self.P("embedding/embedding")[tgt] * math.sqrt(d)
        rope = rope_tables(tgt.shape[1], self.hd, cfg.get("rope_theta", 10000.0), tgt.device)
        blk = "decoder/layers/DecoderBlock_0"
        causal = self.causal_bias(tgt.shape[1], tgt.device)
        cross = self.key_bias(src_mask)
        for l in range(cfg["num_decoder_layers"]):
            h = zcrms(x, self.P(f"{blk}/ZCRMSNorm_0/scale")[l])
            x = x + torch.sigmoid(self.P(f"{blk}/self_attn_gate")[l]) * self.attention(f"{blk}/self_attn", l, h, h, causal, rope)
            h = zcrms(x, self.P(f"{blk}/ZCRMSNorm_1/scale")[l])
            x = x + torch.sigmoid(self.P(f"{blk}/cross_attn_gate")[l]) * self.attention(f"{blk}/cross_attn", l, h, enc, cross, None)
        x = zcrms(x, self.P("decoder/ZCRMSNorm_0/scale"))
        return x @ self.P("embedding/embedding").t()

    def forward(self, src, tgt):
        enc, mask = self.encode(src)
        return self.decode(tgt, enc, mask)


def load_tree(model, tree):
    """Load a flat {path: ndarray} tree (e.g. from a checkpoint) into the model, in float32."""
    own = model.named_tree()
    missing = set(own) - set(tree)
    extra = set(tree) - set(own)
    if missing or extra:
        raise ValueError(f"parameter tree mismatch: missing {sorted(missing)}, unexpected {sorted(extra)}")
    with torch.no_grad():
        for k, v in tree.items():
            t = torch.as_tensor(v.astype("float32"))
            if tuple(t.shape) != tuple(own[k].shape):
                raise ValueError(f"{k}: shape {tuple(t.shape)} != model {tuple(own[k].shape)}")
            own[k].copy_(t)


@torch.no_grad()
def greedy(model, src_ids, max_len=256, eos=1):
    """Needle's greedy decoding: decoder starts from [EOS]; argmax; stop at EOS (not emitted)."""
    src = torch.tensor([src_ids], dtype=torch.long)
    enc, mask = model.encode(src)
    out = [eos]
    gen = []
    for _ in range(max_len):
        logits = model.decode(torch.tensor([out], dtype=torch.long), enc, mask)[0, -1]
        t = int(torch.argmax(logits))
        if t == eos:
            break
        gen.append(t)
        out.append(t)
    return gen
