"""Trains needle-tiny's SentencePiece tokenizer with Needle's settings on the exported train rows.

BPE, byte_fallback, identity normalization, pad 0 / eos 1 / bos 2 / unk 3, user-defined symbols
<tool_call> 4 and <tools> 5. The corpus is every row's query, tools JSON and target JSON.
Usage: python3 train_tokenizer.py <train.jsonl> <out_prefix> [vocab_size]
"""
import json
import os
import sys
import tempfile

import sentencepiece as spm

rows_path, prefix = sys.argv[1], sys.argv[2]
vocab = int(sys.argv[3]) if len(sys.argv) > 3 else 4096
with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, encoding="utf-8") as f:
    corpus = f.name
    seen_tools = set()
    for line in open(rows_path, encoding="utf-8"):
        r = json.loads(line)
        f.write(r["query"].replace("\n", " ") + "\n")
        f.write(r["target"] + "\n")
        # Tool lists repeat heavily; each distinct list once keeps the corpus balanced.
        if r["tools_json"] not in seen_tools:
            seen_tools.add(r["tools_json"])
            f.write(r["tools_json"] + "\n")
spm.SentencePieceTrainer.train(
    input=corpus,
    model_prefix=prefix,
    model_type="bpe",
    vocab_size=vocab,
    byte_fallback=True,
    normalization_rule_name="identity",
    pad_id=0, eos_id=1, bos_id=2, unk_id=3,
    user_defined_symbols=["<tool_call>", "<tools>"],
    character_coverage=1.0,
    max_sentence_length=100000,
    input_sentence_size=2000000,
    shuffle_input_sentence=True,
    seed_sentencepiece_size=1000000,
    num_threads=2,
    minloglevel=2,
)
os.unlink(corpus)
sp = spm.SentencePieceProcessor(model_file=prefix + ".model")
assert [sp.piece_to_id(p) for p in ["<pad>", "</s>", "<s>", "<unk>", "<tool_call>", "<tools>"]] == [0, 1, 2, 3, 4, 5], "special ids"
print(f"trained {prefix}.model, vocab {sp.get_piece_size()}")
