"""Import the reference package's numpy-only export code (needle/model/export.py + quantize.py)
from ../shared/reference/needle2 without jax/flax, which are not installable here.

export.py imports jax only through quantize.py and architecture.py, at module level, and its
write/read/pack paths (_cq_pack, _cq_unpack, _cq_codebook_np, _cq_hadamard_np, _pack_lsb, ...)
are pure numpy. A stand-in module for jax / jax.numpy / flax.linen satisfies the module-level
names (dtype constants, nn.Module, nn.compact) and raises if anything actually calls into it.
Used by the fixture generators only; never by the harness or its tests.
"""
import os
import sys
import types

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
REFERENCE = os.path.normpath(os.path.join(ROOT, "..", "shared", "reference", "needle2"))


class _Unavailable:
    """Any attribute access or call on the stand-in jax fails loudly."""

    def __init__(self, name):
        self._name = name

    def __getattr__(self, attr):
        return _Unavailable(f"{self._name}.{attr}")

    def __call__(self, *a, **k):
        raise RuntimeError(f"stand-in jax: {self._name} was called; this path needs real jax")


def _stub_modules():
    jax = types.ModuleType("jax")
    jnp = types.ModuleType("jax.numpy")
    for name in ("float32", "bfloat16", "float16", "int32", "uint32", "bool_"):
        setattr(jnp, name, f"stand-in-{name}")
    jnp.dtype = type("dtype", (), {})
    jnn = types.ModuleType("jax.nn")
    jinit = types.ModuleType("jax.nn.initializers")
    jnn.initializers = jinit
    jax.numpy, jax.nn = jnp, jnn
    jax.lax = _Unavailable("jax.lax")
    jax.tree_util = _Unavailable("jax.tree_util")
    jax.clear_caches = _Unavailable("jax.clear_caches")
    for name in ("zeros", "ones", "normal", "constant"):
        setattr(jinit, name, _Unavailable(f"jax.nn.initializers.{name}"))
    flax = types.ModuleType("flax")
    linen = types.ModuleType("flax.linen")
    linen.Module = object
    linen.compact = lambda f: f
    flax.linen = linen
    return {"jax": jax, "jax.numpy": jnp, "jax.nn": jnn, "jax.nn.initializers": jinit,
            "flax": flax, "flax.linen": linen}


def reference_export():
    """The reference's needle.model.export module (and its quantize), imported with stand-ins."""
    if not os.path.isdir(REFERENCE):
        raise SystemExit(f"reference source not found at {REFERENCE}")
    sys.dont_write_bytecode = True  # the reference tree is read-only
    for k, v in _stub_modules().items():
        sys.modules.setdefault(k, v)
    if REFERENCE not in sys.path:
        sys.path.insert(0, REFERENCE)
    from needle.model import export, quantize  # noqa: E402  (the reference, read-only)
    return export, quantize
