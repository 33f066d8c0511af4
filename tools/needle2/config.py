"""Needle 2 configuration, written from needle/model/architecture.py (TransformerConfig) and decode.py.

Only what the forward pass, the checkpoint layout and the .cact header need. Defaults are exactly
TransformerConfig's class defaults; a checkpoint's config dict may hold only some keys (the reference
saves `dict(vars(config))`, which holds just the kwargs it was built with plus attn_dim and
engram_layers), and the rest come from these defaults.
"""
from dataclasses import dataclass, fields

ENGRAM_SUB_DIM = 128
ENGRAM_CONV_TAPS = 4
ENGRAM_SEED = 0x9E3779B9
ENGRAM_PRIME = 0x01000193
KV_BUDGET_BYTES = 11 * 1024 * 1024 + 512 * 1024
KV_GROUP = 32
KV_WINDOW_MIN = 160

# architecture.PRESETS: "base" (d_model 512, 8/4 heads: 45.2M parameters, the released "45M" model) and
# "needle" (d_model 768, 12/6 heads: 91.0M); both 27 layers, engram layers 2 and 15.
PRESETS = {
    "needle": dict(d_model=768, num_heads=12, num_kv_heads=6, num_layers=27, engram_layers=(2, 15)),
    "base": dict(d_model=512, num_heads=8, num_kv_heads=4, num_layers=27, engram_layers=(2, 15)),
}
NEEDLE_PRESET = PRESETS["needle"]


@dataclass
class Config:
    vocab_size: int = 8192
    d_model: int = 512
    attn_dim: int = 0
    num_heads: int = 8
    num_kv_heads: int = 4
    num_layers: int = 12
    max_seq_len: int = 2048
    pad_token_id: int = 0
    contrastive_dim: int = 128
    rope_theta: float = 100000.0
    dtype: str = "bfloat16"
    flash: bool = True
    engram_orders: tuple = (2, 3)
    engram_heads: int = 0
    engram_slots: int = 8192
    engram_layers: tuple = (2, 15)
    mhc_lanes: int = 4
    kv_window: int = 0
    kv_bits: int = 8
    act_bits: int = 8
    weight_bits: str = ""
    remat: bool = True
    scan_unroll: int = 1

    @classmethod
    def from_dict(cls, d):
        """TransformerConfig(**d): unknown keys ignored, attn_dim defaults to d_model, tuples kept."""
        valid = {f.name for f in fields(cls)}
        c = cls(**{k: v for k, v in d.items() if k in valid})
        c.attn_dim = c.attn_dim or c.d_model
        c.engram_layers = tuple(c.engram_layers)
        c.engram_orders = tuple(c.engram_orders)
        return c

    # ---- derived geometry (architecture.head_dims / engram_geometry / kv_budget_window) ----
    @property
    def head_dim(self):
        return (self.attn_dim or self.d_model) // self.num_heads

    @property
    def kv_dim(self):
        return self.num_kv_heads * self.head_dim

    @property
    def engram_geometry(self):
        orders = tuple(self.engram_orders)
        heads = self.engram_heads or max(1, self.d_model // (len(orders) * ENGRAM_SUB_DIM))
        sub_dim = self.d_model // (len(orders) * heads)
        return orders, heads, sub_dim

    @property
    def num_engram_tables(self):
        orders, heads, _ = self.engram_geometry
        return len(orders) * heads

    @property
    def hada_n(self):
        return 1 << (self.d_model - 1).bit_length()

    def kv_budget_window(self):
        kv = self.kv_dim
        d, L = self.d_model, self.num_layers
        sites = len(tuple(self.engram_layers))
        per_pos = L * (2 * kv + 2 * (kv // KV_GROUP) * 4) + sites * (d + (d // KV_GROUP) * 4)
        window = (KV_BUDGET_BYTES // per_pos) // KV_GROUP * KV_GROUP
        return max(KV_WINDOW_MIN, min(window, self.max_seq_len))

    def effective_kv_window(self):
        budget = self.kv_budget_window()
        return min(budget, self.kv_window) if self.kv_window else budget
