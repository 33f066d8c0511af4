"""Writes a trained needle-tiny into models/needle-tiny/: needle.pkl (Needle's exact checkpoint format)
and tokenizer/needle.model; then reloads the pickle and checks every tensor round-trips. The
safetensors + config.json beside it are written by the harness's own converter
(`needle-bench convert models/needle-tiny/needle.pkl --out models/needle-tiny`), so they are exactly
what the runtime reads.

Usage: python3 export_model.py --state run/state.pt --spm spm.model --out models/needle-tiny
"""
import argparse
import os
import shutil
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(__file__))
from checkpoint_io import _numpy2_aliases, flatten, fp16_tree, load_model, write_pickle  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--state", required=True)
ap.add_argument("--spm", required=True)
ap.add_argument("--out", required=True)
args = ap.parse_args()

st = torch.load(args.state)
model = load_model(args.state)
cfg = st["cfg"]
flat16 = fp16_tree(model)
os.makedirs(os.path.join(args.out, "tokenizer"), exist_ok=True)
write_pickle(os.path.join(args.out, "needle.pkl"), flat16, cfg)
shutil.copyfile(args.spm, os.path.join(args.out, "tokenizer", "needle.model"))

import pickle  # noqa: E402
_numpy2_aliases()
back = flatten(pickle.load(open(os.path.join(args.out, "needle.pkl"), "rb"))["params"])
assert set(back) == set(flat16)
for k, v in flat16.items():
    assert back[k].dtype == np.float16 and back[k].shape == v.shape and np.array_equal(back[k], v), k
n = sum(v.size for v in flat16.values())
print(f"exported step {st['step']}: {len(flat16)} tensors, {n} parameters -> {args.out}")
