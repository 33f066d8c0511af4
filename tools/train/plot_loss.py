"""Draws the training loss curve as a PNG with numpy + zlib only (no matplotlib on the machine).

Usage: python3 plot_loss.py <run_dir/state.pt|summary.json> <out.png>
"""
import json
import struct
import sys
import zlib

import numpy as np

# 3x5 bitmap digits for axis labels.
FONT = {
    "0": "111101101101111", "1": "010110010010111", "2": "111001111100111", "3": "111001111001111",
    "4": "101101111001001", "5": "111100111001111", "6": "111100111101111", "7": "111001001001001",
    "8": "111101111101111", "9": "111101111001111", ".": "000000000000010", "k": "100101110101101",
}


def text(img, x, y, s, scale=2):
    for ch in s:
        bits = FONT.get(ch)
        if bits:
            for i, b in enumerate(bits):
                if b == "1":
                    r, c = divmod(i, 3)
                    img[y + r * scale:y + (r + 1) * scale, x + c * scale:x + (c + 1) * scale] = 0
        x += 4 * scale


def png(path, img):
    h, w = img.shape[:2]
    raw = b"".join(b"\x00" + img[y].tobytes() for y in range(h))

    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def main():
    src, out = sys.argv[1], sys.argv[2]
    if src.endswith(".pt"):
        import torch
        hist = torch.load(src)["history"]
    else:
        hist = json.load(open(src))["history"]
    steps = np.array([h["step"] for h in hist], dtype=float)
    loss = np.array([h["loss"] for h in hist], dtype=float)
    W, H, L, B, T, R = 640, 360, 50, 30, 15, 15
    img = np.full((H, W, 3), 255, dtype=np.uint8)
    pw, ph = W - L - R, H - T - B
    img[T:T + ph, L] = 0
    img[T + ph, L:L + pw] = 0
    ylog = np.log10(loss)
    lo, hi = np.floor(ylog.min()), np.ceil(ylog.max())
    hi = max(hi, lo + 1)
    for d in np.arange(lo, hi + 1):  # decade grid lines with labels
        y = int(T + ph - (d - lo) / (hi - lo) * ph)
        img[y, L:L + pw:4] = 160
        label = f"{10 ** d:g}"
        text(img, 4, max(0, y - 5), label)
    xs = L + (steps - steps.min()) / max(1, steps.max() - steps.min()) * (pw - 1)
    ys = T + ph - (ylog - lo) / (hi - lo) * ph
    for i in range(1, len(xs)):
        n = int(max(abs(xs[i] - xs[i - 1]), abs(ys[i] - ys[i - 1]))) + 1
        for t in np.linspace(0, 1, n):
            x = int(round(xs[i - 1] + t * (xs[i] - xs[i - 1])))
            y = int(round(ys[i - 1] + t * (ys[i] - ys[i - 1])))
            img[max(0, y - 1):y + 1, max(0, x - 1):x + 1] = (200, 40, 40)
    text(img, L + pw - 40, T + ph + 8, str(int(steps.max())))
    text(img, L, T + ph + 8, str(int(steps.min())))
    png(out, img)
    print(f"wrote {out} ({len(steps)} points, loss {loss[0]:.3f} -> {loss[-1]:.3f})")


if __name__ == "__main__":
    main()
