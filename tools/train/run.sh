#!/usr/bin/env bash
# needle-tiny end to end: data -> tokenizer -> training -> export -> evaluation -> parity fixture.
# Run from the repository root: bash tools/train/run.sh [workdir]. See tools/train/README.md.
set -euo pipefail
WORK=${1:-/tmp/needle-tiny}
SEED=${SEED:-1}
PY=/usr/bin/python3
# Debian's torch links the reference BLAS (~1 GFLOP/s); OpenBLAS (apt-get install libopenblas0-pthread)
# is ~15x faster. Loaded for this process only, leaving the system's BLAS alternative untouched.
if [ -d /usr/lib/x86_64-linux-gnu/openblas-pthread ]; then export LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-pthread; fi
# One thread: on a shared CPU OpenMP's spin-waiting makes two threads many times slower than one.
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
mkdir -p "$WORK"

# 1. Data: 200,000 train-split cases (train templates; entity pools plus the open vocabulary of ordinary
# and made-up words, none from an eval pool); the first 120,000 are used. The held-out core suite too.
node bin/needle-bench.js suite synth --seed "$SEED" --count 200000 --split train --out "$WORK/train-suite"
npx tsx tools/train/export-data.ts "$WORK/train-suite" "$WORK/train.jsonl"
npx tsx tools/train/export-data.ts suites/core "$WORK/core.jsonl"

# 2. Tokenizer (SentencePiece BPE, Needle's settings), 2048 pieces: small pieces are shared by many words,
# so copying an unseen word is copying pieces seen in training.
$PY tools/train/train_tokenizer.py "$WORK/train.jsonl" "$WORK/spm" 2048
# Token ids with the harness's own tokenizer and prompt code (what the runtime will feed the model).
mkdir -p "$WORK/train-120k" && cp "$WORK/train-suite/suite.json" "$WORK/train-120k/" && head -120000 "$WORK/train-suite/cases.jsonl" > "$WORK/train-120k/cases.jsonl"
npx tsx tools/train/export-data.ts "$WORK/train-120k" "$WORK/train-ids.jsonl" --spm "$WORK/spm.model"

# 3. Training (resumable: re-running the command continues from $WORK/run/state.pt). Two data-parallel
# processes of 4,000 padded source tokens each per step; irrelevance rows twice; 30% extra copy tasks;
# the first 700 steps only on encoder inputs of <= 320 tokens (see train.py).
nice -n 5 $PY tools/train/train.py --data "$WORK/train-ids.jsonl" --spm "$WORK/spm.model" --out "$WORK/run" \
  --seed "$SEED" --steps 1900 --lr 2e-3 --warmup 100 --d_model 192 --enc_layers 4 --dec_layers 3 \
  --tokens 4000 --workers 2 --max_src 640 --repeat irrelevance=2 --copy_frac 0.3 --short_src 320 \
  --short_steps 700 --ckpt_every 100

# 4. Export to Needle's checkpoint format, loss curve, evaluation, parity fixture.
$PY tools/train/export_model.py --state "$WORK/run/state.pt" --spm "$WORK/spm.model" --out models/needle-tiny
node bin/needle-bench.js convert models/needle-tiny/needle.pkl --out models/needle-tiny
$PY tools/train/plot_loss.py "$WORK/run/state.pt" models/needle-tiny/loss.png
$PY tools/train/evaluate.py --model models/needle-tiny/needle.pkl --spm models/needle-tiny/tokenizer/needle.model \
  --rows "$WORK/core.jsonl" --suite suites/core --out "$WORK/eval-core.json"
$PY tools/train/record_greedy.py --model models/needle-tiny/needle.pkl --rows "$WORK/core.jsonl" \
  --out test/fixtures/needle-tiny-greedy.json
