"""Checks san.py against the independent golden data in ../shared/fixtures/needle-golden/tiny."""
import json
import os
import pickle
import sys
import types

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(__file__))
from checkpoint_io import flatten  # noqa: E402
from san import SAN, greedy, load_tree  # noqa: E402

root = os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "fixtures", "needle-golden", "tiny")
g = json.load(open(os.path.join(root, "golden.json")))
blob = open(os.path.join(root, "golden.bin"), "rb").read()


def arr(name):
    a = g["arrays"][name]
    return np.frombuffer(blob, dtype="<f4", count=a["nbytes"] // 4, offset=a["offset"]).reshape(a["shape"])


ck = pickle.load(open(os.path.join(root, "checkpoint.np1.pkl"), "rb"))


model = SAN(ck["config"])
load_tree(model, flatten(ck["params"]))
src = torch.tensor([g["single"]["src"]])
tgt = torch.tensor([g["single"]["tgt"]])
with torch.no_grad():
    enc, m = model.encode(src)
    logits = model.decode(tgt, enc, m)
e1 = np.abs(enc[0].numpy() - arr("single.encoder_out")).max()
e2 = np.abs(logits[0].numpy() - arr("single.logits")).max()
bsrc = torch.tensor(g["batch"]["src"])
btgt = torch.tensor(g["batch"]["tgt"])
with torch.no_grad():
    bl = model(bsrc, btgt).numpy()
e3 = np.abs(bl - arr("batch.logits")).max()
ok_gen = all(greedy(model, case["src"], case["max_len"] - 1) == case["generated"] for case in g["generate"])
print(f"single encoder_out max|d|={e1:.2e} logits max|d|={e2:.2e} batch logits max|d|={e3:.2e} greedy identical={ok_gen}")
assert max(e1, e2, e3) <= 1e-4 and ok_gen, "san.py disagrees with the golden reference"
