"""Writes the small tokenizer fixtures under test/fixtures/tokenizers/ with Hugging Face's own libraries.

Run with a Python that has tokenizers (0.23) and transformers (5.x):
    python scripts/hf/make_tokenizer_fixtures.py
Nothing is downloaded: every vocabulary is built or trained here from a few sentences. The files
are what those libraries save, so the tests check that shaderformer reads every layout they write:
added tokens after the vocabulary, added tokens that reuse an id inside it ([MASK], <mask>, a
word added that was already in the vocabulary), and special tokens added after saving.
"""

import json
import os
import tempfile

from tokenizers import ByteLevelBPETokenizer, Tokenizer
from transformers import BertTokenizerFast, RobertaTokenizerFast

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "test", "fixtures", "tokenizers")
SENTENCES = [
    "hello world, the world is big.",
    "hello there: the big dog sat on the mat.",
    "a cat and a dog are friends in the world.",
]
SPECIALS = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]


def keep(folder, names):
    """Deletes every file of a saved folder except `names` (the fixtures stay small)."""
    for name in os.listdir(folder):
        if name not in names:
            os.remove(os.path.join(folder, name))


def bert():
    words = sorted({w.strip(".,:") for s in SENTENCES for w in s.split()})
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", ".", ",", ":", "##s", "##ld"] + words
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "vocab.txt")
        with open(path, "w") as f:
            f.write("\n".join(vocab) + "\n")
        # A classic BERT folder (vocab.txt only), as old checkpoints ship it.
        tok = BertTokenizerFast.from_pretrained(tmp)
    # New words take ids after the vocabulary; "hello" is already in it and keeps its id.
    tok.add_tokens(["newword", "hello", "<new>"])
    tok.add_special_tokens({"additional_special_tokens": ["[X]"]})
    folder = os.path.join(OUT, "bert")
    tok.save_pretrained(folder)
    keep(folder, {"tokenizer.json", "vocab.txt", "tokenizer_config.json"})
    return tok


def roberta():
    trained = ByteLevelBPETokenizer()
    trained.train_from_iterator(SENTENCES, vocab_size=300, min_frequency=1, special_tokens=SPECIALS)
    with tempfile.TemporaryDirectory() as tmp:
        trained.save_model(tmp)
        # A classic GPT-2/RoBERTa folder (vocab.json + merges.txt), with RoBERTa's prefix space.
        tok = RobertaTokenizerFast.from_pretrained(tmp, add_prefix_space=True)
    tok.add_tokens(["newword", "<new>"])
    tok.add_special_tokens({"additional_special_tokens": ["<x>"]})
    folder = os.path.join(OUT, "roberta")
    tok.save_pretrained(folder)
    keep(folder, {"tokenizer.json", "vocab.json", "merges.txt", "tokenizer_config.json"})
    return tok


def byte_level():
    """A byte-level BPE saved by tokenizers alone (ByteLevel post-processor, a special token added after training)."""
    tok = ByteLevelBPETokenizer(add_prefix_space=True, trim_offsets=True)
    tok.train_from_iterator(SENTENCES, vocab_size=300, min_frequency=1, special_tokens=SPECIALS)
    tok.add_special_tokens(["<sep>"])
    # "cat" is in the vocabulary (a merge's result) and keeps its id; "world" is not (only "Ġworld" is).
    tok.add_tokens(["cat", "world"])
    folder = os.path.join(OUT, "byte-level")
    os.makedirs(folder, exist_ok=True)
    tok.save(os.path.join(folder, "tokenizer.json"))


def encodings(folder, texts, untrimmed=False):
    """What the Rust library gives for `texts` with the folder's tokenizer.json: ids, tokens and offsets.

    `untrimmed`: the same file with trim_offsets false in its pre-tokenizer and post-processor
    (the test makes the same edit), written to encodings-untrimmed.json.
    """
    with open(os.path.join(OUT, folder, "tokenizer.json")) as f:
        spec = json.load(f)
    if untrimmed:
        spec["pre_tokenizer"]["trim_offsets"] = False
        spec["post_processor"]["trim_offsets"] = False
    rust = Tokenizer.from_str(json.dumps(spec))
    out = []
    for text in texts:
        e = rust.encode(text)
        out.append({"text": text, "ids": e.ids, "tokens": e.tokens, "offsets": [list(o) for o in e.offsets]})
    name = "encodings-untrimmed.json" if untrimmed else "encodings.json"
    with open(os.path.join(OUT, folder, name), "w") as f:
        json.dump(out, f, ensure_ascii=False)
        f.write("\n")
    return out


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    bert()
    roberta()
    byte_level()
    texts = ["hello world", "the dog[X]cat sat", "the dog<x>cat sat", "<mask>hello world", "hello <mask> world", "newword, hello<new>"]
    for folder in ["bert", "roberta", "byte-level"]:
        for e in encodings(folder, texts + ["the dog<sep>cat sat"]):
            print(folder, json.dumps(list(zip(e["tokens"], e["offsets"])), ensure_ascii=False))
    for e in encodings("roberta", texts + ["the dog<sep>cat sat"], untrimmed=True):
        print("roberta untrimmed", json.dumps(list(zip(e["tokens"], e["offsets"])), ensure_ascii=False))
