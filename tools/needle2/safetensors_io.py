"""Minimal safetensors writer (u64 LE header length, JSON header, raw little-endian C-order data)."""
import json
import struct

import numpy as np

_DT = {np.dtype(np.float16): "F16", np.dtype(np.float32): "F32", np.dtype(np.float64): "F64"}


def write_safetensors(path, tensors, metadata=None):
    header, blobs, off = {}, [], 0
    for name, arr in tensors.items():
        a = np.ascontiguousarray(np.asarray(arr).astype(np.asarray(arr).dtype.newbyteorder("<")))
        raw = a.tobytes()
        header[name] = {"dtype": _DT[a.dtype.newbyteorder("=")], "shape": list(a.shape),
                        "data_offsets": [off, off + len(raw)]}
        blobs.append(raw)
        off += len(raw)
    if metadata:
        header["__metadata__"] = {k: str(v) for k, v in metadata.items()}
    hj = json.dumps(header, separators=(",", ":")).encode()
    hj += b" " * ((-len(hj)) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hj)) + hj + b"".join(blobs))
