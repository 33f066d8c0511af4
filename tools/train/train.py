"""Trains needle-tiny (teacher forcing on Needle's prompt format). Reproducible from --seed; resumable.

Usage: python3 train.py --data train.jsonl --spm spm.model --out run_dir [--steps N] [--bench]
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np
import sentencepiece as spm
import torch

sys.path.insert(0, os.path.dirname(__file__))
from data import PAD, batches, collate, copy_rows, load_rows  # noqa: E402
from san import SAN  # noqa: E402


def category_times(spec):
    category, _, times = spec.partition("=")
    if not category or not times.isdigit() or int(times) < 1:
        raise argparse.ArgumentTypeError(f"expected CATEGORY=K with K >= 1, got {spec!r}")
    return category, int(times)


ap = argparse.ArgumentParser()
ap.add_argument("--data", required=True)
ap.add_argument("--spm", required=True)
ap.add_argument("--out", required=True)
ap.add_argument("--seed", type=int, default=1)
ap.add_argument("--steps", type=int, default=3000)
ap.add_argument("--tokens", type=int, default=6000, help="padded source tokens per batch")
ap.add_argument("--lr", type=float, default=2e-3)
ap.add_argument("--warmup", type=int, default=150)
ap.add_argument("--d_model", type=int, default=192)
ap.add_argument("--heads", type=int, default=4)
ap.add_argument("--kv_heads", type=int, default=2)
ap.add_argument("--enc_layers", type=int, default=5)
ap.add_argument("--dec_layers", type=int, default=3)
ap.add_argument("--max_src", type=int, default=None, help="drop training rows with longer encoder inputs")
ap.add_argument("--threads", type=int, default=1)
ap.add_argument("--copy_frac", type=float, default=0.0, help="add this fraction of copy tasks (see data.copy_rows)")
ap.add_argument("--short_src", type=int, default=None, help="curriculum: only rows with encoder inputs up to this long ...")
ap.add_argument("--short_steps", type=int, default=0, help="... for this many first steps")
ap.add_argument("--repeat", action="append", default=[], metavar="CATEGORY=K", type=category_times,
                help="use the rows of a case category K times (e.g. irrelevance=2); repeatable")
ap.add_argument("--ckpt_every", type=int, default=100)
ap.add_argument("--workers", type=int, default=1,
                help="data-parallel processes (one thread each); each step averages their batches' gradients")
ap.add_argument("--bench", action="store_true", help="time 10 steps and exit")
args = ap.parse_args()

# Data parallelism: torch's intra-op threads were measured slower than one thread here (1.97 vs 1.35 s/step
# on 2 idle cores), so the second core runs a second process instead. The launcher re-runs this script
# once per rank; every rank builds the same model and batch order from the seed, takes its own batches,
# and all ranks apply the same all-reduced gradient, so they stay identical.
RANK, WORLD = int(os.environ.get("TRAIN_RANK", "0")), args.workers
if WORLD > 1 and "TRAIN_RANK" not in os.environ:
    import socket
    import subprocess
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(port)}
    procs = [subprocess.Popen([sys.executable, *sys.argv], env={**env, "TRAIN_RANK": str(r)},
                              stdout=None if r == 0 else subprocess.DEVNULL) for r in range(WORLD)]
    while all(p.poll() is None for p in procs):
        time.sleep(1)
    if any(p.returncode for p in procs):  # a failed rank would leave the others blocked in all_reduce
        for p in procs:
            p.kill()
    sys.exit(max(p.wait() for p in procs))
if WORLD > 1:
    import torch.distributed as dist
    dist.init_process_group("gloo", rank=RANK, world_size=WORLD)

torch.set_num_threads(args.threads)  # 1 on a shared CPU: OpenMP spin-waits collapse under contention
torch.manual_seed(args.seed)
np_rng = np.random.default_rng(args.seed)
os.makedirs(args.out, exist_ok=True)
sp = spm.SentencePieceProcessor(model_file=args.spm)
cfg = {
    "vocab_size": sp.get_piece_size(), "d_model": args.d_model, "num_heads": args.heads, "num_kv_heads": args.kv_heads,
    "num_encoder_layers": args.enc_layers, "num_decoder_layers": args.dec_layers, "d_ff": 4 * args.d_model,
    "max_seq_len": 1024, "pad_token_id": 0, "rope_theta": 10000.0, "dtype": "bfloat16", "activation": "drelu",
    "num_memory_slots": 64, "dropout_rate": 0.0, "contrastive_dim": 128, "no_feedforward": True,
}
t0 = time.time()
rows = load_rows(sp, args.data, max_src=args.max_src)
for category, times in args.repeat:
    rows = rows + [r for r in rows if r[2].get("category") == category] * (times - 1)
if args.copy_frac > 0:
    rows = rows + copy_rows(sp, rows, args.copy_frac, np.random.default_rng(args.seed + 1))
short_rows = [r for r in rows if args.short_src is not None and len(r[0]) <= args.short_src]
print(f"loaded {len(rows)} rows ({len(short_rows)} short) in {time.time() - t0:.1f}s", flush=True)


def phase_rows(step):
    """The curriculum: short encoder inputs first (cross-attention is learnt faster), then all."""
    return short_rows if step < args.short_steps and short_rows else rows
model = SAN(cfg, init_seed=args.seed)
nparams = sum(p.numel() for p in model.parameters())
print(f"config {json.dumps(cfg)} params {nparams}", flush=True)
decay = [p for n, p in model.p.items() if p.dim() >= 2]
no_decay = [p for n, p in model.p.items() if p.dim() < 2]
opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.01}, {"params": no_decay, "weight_decay": 0.0}],
                        lr=args.lr, betas=(0.9, 0.98), eps=1e-9)


def lr_at(step):
    if step < args.warmup:
        return args.lr * (step + 1) / args.warmup
    frac = (step - args.warmup) / max(1, args.steps - args.warmup)
    return args.lr * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * min(1.0, frac))))


state_path = os.path.join(args.out, "state.pt")
step, epoch, pos, history = 0, 0, 0, []
cur = phase_rows(0)
order = batches(cur, args.tokens, np_rng)
if os.path.exists(state_path) and not args.bench:
    st = torch.load(state_path)
    model.load_state_dict(st["model"])
    opt.load_state_dict(st["opt"])
    step, epoch, pos, history = st["step"], st["epoch"], st["pos"], st["history"]
    np_rng = np.random.default_rng(args.seed)
    cur = phase_rows(step)
    order = batches(cur, args.tokens, np_rng)
    for _ in range(epoch):  # replay the batch orders so a resumed run sees the same data (within a phase)
        order = batches(cur, args.tokens, np_rng)
    torch.set_rng_state(st["torch_rng"])
    print(f"resumed at step {step} (epoch {epoch}, batch {pos})", flush=True)

log = open(os.path.join(args.out, "train.log"), "a")
t_start = time.time()
win_loss, win_tok = 0.0, 0
while step < args.steps:
    if pos >= len(order) or phase_rows(step) is not cur:
        epoch += 1
        pos = 0
        cur = phase_rows(step)
        order = batches(cur, args.tokens, np_rng)
    # Rank r takes batch pos + r (wrapping within the epoch's order) of the WORLD batches this step uses.
    src, dec, lab = (torch.from_numpy(a) for a in collate(cur, order[(pos + RANK) % len(order)]))
    pos += WORLD
    for g in opt.param_groups:
        g["lr"] = lr_at(step)
    logits = model(src, dec)
    mask = lab != PAD
    # Summed loss, divided by the tokens of all ranks' batches: the gradient is the token mean over them all.
    loss_sum = torch.nn.functional.cross_entropy(logits[mask], lab[mask], reduction="sum")
    totals = torch.tensor([float(mask.sum()), loss_sum.item()])  # [target tokens, summed loss] of this step
    if WORLD > 1:
        dist.all_reduce(totals)
    opt.zero_grad(set_to_none=True)
    (loss_sum / totals[0]).backward()
    if WORLD > 1:
        grads = [p.grad for p in model.parameters() if p.grad is not None]
        flat = torch.cat([g.reshape(-1) for g in grads])
        dist.all_reduce(flat)
        off = 0
        for g in grads:
            g.copy_(flat[off:off + g.numel()].view_as(g))
            off += g.numel()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    step += 1
    win_loss += float(totals[1])
    win_tok += int(totals[0])
    if args.bench and step == 10:
        dt = time.time() - t_start
        print(f"bench: 10 steps in {dt:.1f}s ({dt / 10:.2f}s/step)", flush=True)
        sys.exit(0)
    if RANK != 0:
        continue
    if step % 20 == 0:
        el = time.time() - t_start
        history.append({"step": step, "loss": win_loss / max(1, win_tok), "elapsed_s": round(el, 1), "epoch": epoch})
        line = f"step {step} epoch {epoch} loss {win_loss / max(1, win_tok):.4f} lr {lr_at(step):.2e} elapsed {el:.0f}s"
        print(line, flush=True)
        log.write(line + "\n")
        log.flush()
        win_loss, win_tok = 0.0, 0
    if step % args.ckpt_every == 0 or step == args.steps:
        tmp = state_path + ".tmp"
        torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "step": step, "epoch": epoch, "pos": pos,
                    "history": history, "cfg": cfg, "torch_rng": torch.get_rng_state(), "args": vars(args)}, tmp)
        os.replace(tmp, state_path)
if RANK != 0:
    sys.exit(0)
json.dump({"cfg": cfg, "history": history, "params": nparams, "steps": step, "args": vars(args)},
          open(os.path.join(args.out, "summary.json"), "w"), indent=1)
print("done", flush=True)
