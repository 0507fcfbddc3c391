"""Builds the small Hugging Face BERT folders under test/fixtures/hf/ with real `transformers`.

Each folder is what `save_pretrained` writes (config.json, safetensors weights, tokenizer files) plus
`expected.json`: the inputs the tokenizer gives for `texts` and the outputs transformers computes in eval
mode, as plain numbers. The TypeScript tests load the folders and compare. Not run in CI (CI has only
Node); rerun by hand after a change here:

    python scripts/hf/make-fixtures.py [OUT_DIR]    # default test/fixtures/hf

Needs transformers (5.x), torch and safetensors.
"""

import json
import os
import shutil
import sys

import torch
from safetensors.torch import load_file, save_file
from transformers import BertConfig, BertForMaskedLM, BertForPreTraining, BertModel, BertTokenizerFast

WORDS = [
    "the", "a", "cat", "dog", "sat", "ran", "on", "mat", "big", "small", "red", "blue", "and", "is", "was",
    "to", "of", "in", "it", "he", "she", "they", "house", "tree", "bird", "fish", "happy", "sad", "fast",
    "slow", "##s", "##ed", "##ing", "##er", ".", ",", "!", "?", "x", "y", "z", "q", "w",
]
SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
VOCAB = SPECIALS + WORDS  # 48 tokens; padded to 50 below
VOCAB += [f"[unused{i}]" for i in range(50 - len(VOCAB))]
TEXTS = ["The cat sat on the mat.", "A big dog ran fast!"]
PAIR = ("she is happy", "the birds sang")  # "sang" is not in the vocabulary: [UNK]


def config(small: bool) -> BertConfig:
    hidden, heads, inter = (16, 2, 32) if small else (32, 4, 64)
    return BertConfig(
        vocab_size=len(VOCAB), hidden_size=hidden, num_hidden_layers=2, num_attention_heads=heads,
        intermediate_size=inter, max_position_embeddings=16, type_vocab_size=2, hidden_act="gelu",
    )


def randomise(model: torch.nn.Module, seed: int) -> None:
    """Values far from the initialisers' (so a weight left at its init shows): LayerNorm γ near 1, the rest N(0, 0.3)."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            noise = torch.randn(p.shape, generator=g)
            p.copy_(1 + 0.1 * noise if name.endswith("LayerNorm.weight") else 0.3 * noise)


def tokenizer() -> BertTokenizerFast:
    # transformers 5 takes the vocabulary itself (`vocab`), no longer a vocab.txt path.
    return BertTokenizerFast(vocab={token: i for i, token in enumerate(VOCAB)}, do_lower_case=True)


def inputs(tok: BertTokenizerFast) -> dict:
    batch = tok(TEXTS, padding=True, return_tensors="pt")
    pair = tok(*PAIR, return_tensors="pt")
    width = max(batch["input_ids"].shape[1], pair["input_ids"].shape[1])
    rows = {k: [] for k in ("input_ids", "attention_mask", "token_type_ids")}
    for enc in (batch, pair):
        for k in rows:
            for row in enc[k].tolist():
                pad = tok.pad_token_id if k == "input_ids" else 0
                rows[k].append(row + [pad] * (width - len(row)))
    return {k: torch.tensor(v) for k, v in rows.items()}


def round9(x):
    return [round9(v) for v in x] if isinstance(x, list) else float(f"{x:.9g}")


def write_expected(folder: str, feed: dict, outputs: dict, extra: dict | None = None) -> None:
    data = {
        "texts": TEXTS,
        "pair": list(PAIR),
        **{k: v.tolist() for k, v in feed.items()},
        # 9 significant digits: enough to give back every float32 exactly, half the text of a double.
        **{k: round9(v.detach().double().tolist()) for k, v in outputs.items()},
        **(extra or {}),
    }
    with open(os.path.join(folder, "expected.json"), "w", encoding="utf-8") as f:
        json.dump(data, f, separators=(",", ":"))
        f.write("\n")


def main() -> None:
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join("test", "fixtures", "hf")
    torch.manual_seed(0)
    tok = tokenizer()
    assert tok.unk_token_id not in tok(TEXTS[0])["input_ids"], "the tokenizer lost its vocabulary"
    feed = inputs(tok)
    for name in ("bert-mlm", "bert-sharded", "bert-model", "bert-tf-names"):
        shutil.rmtree(os.path.join(out, name), ignore_errors=True)

    # 1. A masked-LM folder as transformers writes it, with tokenizer.json, vocab.txt and the configs.
    mlm = BertForMaskedLM(config(small=False)).eval()
    randomise(mlm, 1)
    folder = os.path.join(out, "bert-mlm")
    mlm.save_pretrained(folder)
    tok.save_pretrained(folder)
    with torch.no_grad():
        write_expected(folder, feed, {"logits": mlm(**feed).logits})

    # 2. The same kind of model in 2+ shards (model.safetensors.index.json); no tokenizer.json, vocab.txt only.
    sharded = BertForMaskedLM(config(small=True)).eval()
    randomise(sharded, 2)
    folder = os.path.join(out, "bert-sharded")
    sharded.save_pretrained(folder, max_shard_size="12KB")
    with open(os.path.join(folder, "vocab.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(VOCAB) + "\n")
    with torch.no_grad():
        write_expected(folder, feed, {"logits": sharded(**feed).logits})

    # 3. A bare BertModel (names without the `bert.` prefix, with the pooler): into BertForMaskedLM the
    #    head is missing and the pooler unexpected; as a BertModel its hidden states must match.
    base = BertModel(config(small=True)).eval()
    randomise(base, 3)
    folder = os.path.join(out, "bert-model")
    base.save_pretrained(folder)
    with torch.no_grad():
        write_expected(folder, feed, {"last_hidden_state": base(**feed).last_hidden_state})

    # 4. An old TF-era checkpoint: BertForPreTraining (pooler + NSP), LayerNorm.gamma/beta, and the tied
    #    decoder written out (cls.predictions.decoder.weight and .bias). Written by hand as such files were.
    pre = BertForPreTraining(config(small=True)).eval()
    randomise(pre, 4)
    folder = os.path.join(out, "bert-tf-names")
    pre.save_pretrained(folder)
    weights = load_file(os.path.join(folder, "model.safetensors"))
    state = pre.state_dict()
    renamed = {}
    for key, value in weights.items():
        key = key.replace("LayerNorm.weight", "LayerNorm.gamma").replace("LayerNorm.bias", "LayerNorm.beta")
        renamed[key] = value.contiguous()
    renamed["cls.predictions.decoder.weight"] = state["cls.predictions.decoder.weight"].clone().contiguous()
    renamed["cls.predictions.decoder.bias"] = state["cls.predictions.bias"].clone().contiguous()
    save_file(renamed, os.path.join(folder, "model.safetensors"), metadata={"format": "pt"})
    with open(os.path.join(folder, "vocab.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(VOCAB) + "\n")
    with open(os.path.join(folder, "tokenizer_config.json"), "w", encoding="utf-8") as f:
        json.dump({"do_lower_case": True, "model_max_length": 16}, f)
    with torch.no_grad():
        result = pre(**feed)
    write_expected(folder, feed, {"logits": result.prediction_logits}, {"tensors": sorted(renamed)})
    for root, _, files in os.walk(out):
        for file in files:
            os.chmod(os.path.join(root, file), 0o644)  # safetensors writes 0600


if __name__ == "__main__":
    main()
