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

# 1. Data: 40,000 train-split cases (train templates and entity pools only), and the held-out core suite.
node bin/needle-bench.js suite synth --seed "$SEED" --count 40000 --split train --out "$WORK/train-suite"
npx tsx tools/train/export-data.ts "$WORK/train-suite" "$WORK/train.jsonl"
head -20000 "$WORK/train.jsonl" > "$WORK/train20k.jsonl"
npx tsx tools/train/export-data.ts suites/core "$WORK/core.jsonl"

# 2. Tokenizer (SentencePiece BPE, Needle's settings), 4096 pieces.
$PY tools/train/train_tokenizer.py "$WORK/train.jsonl" "$WORK/spm" 4096

# 3. Training (resumable: re-running a command continues from $WORK/run/state.pt). The committed model
# was trained in three phases, each resuming the previous one with a longer cosine schedule (a warm
# restart of the learning rate): --steps 800, then 1600, then 2800.
for STEPS in 800 1600 2800; do
  nice -n 5 $PY tools/train/train.py --data "$WORK/train20k.jsonl" --spm "$WORK/spm.model" --out "$WORK/run" \
    --seed "$SEED" --steps "$STEPS" --lr 3e-3 --warmup 40 --d_model 128 --enc_layers 4 --dec_layers 3 \
    --tokens 4000 --max_src 320 --ckpt_every 25
done

# 4. Export to Needle's checkpoint format, loss curve, evaluation, parity fixture.
$PY tools/train/export_model.py --state "$WORK/run/state.pt" --spm "$WORK/spm.model" --out models/needle-tiny
$PY tools/train/plot_loss.py "$WORK/run/state.pt" models/needle-tiny/loss.png
$PY tools/train/evaluate.py --model models/needle-tiny/needle.pkl --spm models/needle-tiny/tokenizer/needle.model \
  --rows "$WORK/core.jsonl" --suite suites/core --out "$WORK/eval-core.json"
$PY tools/train/record_greedy.py --model models/needle-tiny/needle.pkl --rows "$WORK/core.jsonl" \
  --out test/fixtures/needle-tiny-greedy.json
