"""needle-tiny checkpoints: read a training state or a Needle pickle into a SAN; write Needle's exact
checkpoint format (float16 Flax-tree pickle, protocol 4, numpy-2 module names)."""
import pickle
import sys
import types

import numpy as np
import torch

from san import SAN, load_tree


def flatten(tree, prefix=""):
    out = {}
    for k, v in tree.items():
        if isinstance(v, dict):
            out.update(flatten(v, prefix + k + "/"))
        else:
            out[prefix + k] = v
    return out


def nest(flat):
    root = {}
    for path in sorted(flat):
        parts = path.split("/")
        node = root
        for p in parts[:-1]:
            node = node.setdefault(p, {})
        node[parts[-1]] = flat[path]

    def sort(d):
        return {k: sort(v) if isinstance(v, dict) else v for k, v in sorted(d.items())}
    return sort(root)


def _numpy2_aliases():
    # Debian's numpy 1.x has no numpy._core; alias it so such pickles load here.
    import numpy.core as core
    import numpy.core.multiarray as ma
    sys.modules.setdefault("numpy._core", core)
    sys.modules.setdefault("numpy._core.multiarray", ma)


def load_model(path):
    if path.endswith(".pt"):
        st = torch.load(path)
        model = SAN(st["cfg"])
        model.load_state_dict(st["model"])
        return model
    _numpy2_aliases()
    ck = pickle.load(open(path, "rb"))
    model = SAN(ck["config"])
    load_tree(model, flatten(ck["params"]))
    return model


def fp16_tree(model):
    return {k: v.detach().numpy().astype(np.float16) for k, v in model.named_tree().items()}


class _Numpy2Pickler(pickle.Pickler):
    """Writes ndarrays exactly as numpy 2 does under protocol 4 (numpy._core.multiarray._reconstruct),
    so the file matches what Needle's train.py produces, even from Debian's numpy 1.x."""

    def reducer_override(self, obj):
        if isinstance(obj, np.ndarray):
            fn, args, state = obj.__reduce__()
            return (_reconstruct_np2, args, state)
        return NotImplemented


def _reconstruct_np2(*a):  # placeholder with numpy 2's qualified name; never called when writing
    raise RuntimeError("placeholder")


_mod = types.ModuleType("numpy._core.multiarray")
_mod._reconstruct = _reconstruct_np2
_reconstruct_np2.__module__ = "numpy._core.multiarray"
_reconstruct_np2.__qualname__ = "_reconstruct"
_reconstruct_np2.__name__ = "_reconstruct"


def write_pickle(path, flat16, config):
    saved = {k: sys.modules.get(k) for k in ("numpy._core", "numpy._core.multiarray")}
    sys.modules["numpy._core.multiarray"] = _mod
    sys.modules.setdefault("numpy._core", types.ModuleType("numpy._core"))
    try:
        with open(path, "wb") as f:
            _Numpy2Pickler(f, protocol=4).dump({"params": nest(flat16), "config": dict(config)})
    finally:
        for k, v in saved.items():
            if v is None:
                sys.modules.pop(k, None)
            else:
                sys.modules[k] = v
