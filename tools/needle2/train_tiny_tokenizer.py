#!/usr/bin/python3
"""Train the tiny stand-in for Needle 2's tokenizer (the real one is on the hub, unreachable here).

Settings follow needle/model/tokenizer.py and export.py: SentencePiece BPE, byte_fallback, identity
normalization, pad 0 / eos 1 / bos 2 / unk 3, and the ten chat markers as user-defined symbols in
CHAT_MARKERS order, so <|im_start|>=4 ... </tool_result>=13 exactly as the constants there say.
Corpus: BFCL queries and function JSON from ../shared/data/bfcl (a tool-calling corpus like Needle's).
Usage: /usr/bin/python3 tools/needle2/train_tiny_tokenizer.py <out_prefix> [vocab]
"""
import glob
import json
import os
import sys

import sentencepiece as spm

CHAT_MARKERS = ["<|im_start|>", "<|im_end|>", "<think>", "</think>", "<tools>", "</tools>",
                "<tool_call>", "</tool_call>", "<tool_result>", "</tool_result>"]
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def corpus():
    for path in sorted(glob.glob(os.path.join(ROOT, "..", "shared", "data", "bfcl", "BFCL_v4_*.json"))):
        for line in open(path, encoding="utf-8"):
            row = json.loads(line)
            for turn in row["question"]:
                for msg in turn:
                    yield msg["content"].replace("\n", " ")
            yield json.dumps(row["function"], separators=(",", ":"))


def main():
    prefix = sys.argv[1]
    vocab = int(sys.argv[2]) if len(sys.argv) > 2 else 512
    spm.SentencePieceTrainer.train(
        sentence_iterator=corpus(), model_prefix=prefix, model_type="bpe", vocab_size=vocab,
        byte_fallback=True, normalization_rule_name="identity",
        pad_id=0, eos_id=1, bos_id=2, unk_id=3, user_defined_symbols=CHAT_MARKERS,
        character_coverage=1.0, max_sentence_length=100000, num_threads=1, minloglevel=2)
    sp = spm.SentencePieceProcessor(model_file=prefix + ".model")
    want = ["<pad>", "</s>", "<s>", "<unk>"] + CHAT_MARKERS
    assert [sp.piece_to_id(p) for p in want] == list(range(14)), "special ids"
    print(f"trained {prefix}.model, vocab {sp.get_piece_size()}")


if __name__ == "__main__":
    main()
