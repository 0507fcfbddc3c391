"""Builds test/fixtures/hf/tiny-gpt2-lm with real `transformers`: a tiny random GPT2LMHeadModel and its tokenizer.

- the folder `save_pretrained` writes for the model (config.json, model.safetensors; no lm_head.weight,
  which is tied) and for a GPT2TokenizerFast over a small byte-level BPE trained here (tokenizer.json,
  vocab.json, merges.txt, tokenizer_config.json); generation_config.json is left out;
- `expected.json`: right-padded rows of encoded texts (pad = <|endoftext|>), their labels (-100 on the
  padding), the logits and the causal-LM loss transformers computes in eval mode; and the greedy tokens of
  `generate` for left-padded prompts of different lengths (no stop at <|endoftext|>).

Not run in CI (CI has only Node); rerun by hand after a change here:

    python scripts/hf/make-gpt2-fixture.py [OUT_DIR]    # default test/fixtures/hf

Needs transformers (5.x), tokenizers, torch and safetensors. Nothing is downloaded.
"""

import json
import os
import shutil
import sys
import tempfile

import torch
import transformers as tf
from tokenizers import ByteLevelBPETokenizer

NAME = "tiny-gpt2-lm"
EOS = "<|endoftext|>"
SENTENCES = [
    "the cat sat on the mat.",
    "a dog and a cat are friends.",
    "the world is big, the mat is small.",
]
TEXTS = ["the cat sat", "a dog is on the mat.", "big world"]
PROMPTS = ["the cat", "a dog and a", "mat"]
NEW_TOKENS = 6


def tokenizer(folder: str) -> tf.GPT2TokenizerFast:
    """A GPT-2 style tokenizer: byte-level BPE (no prefix space), <|endoftext|> as bos, eos and unk."""
    trained = ByteLevelBPETokenizer()
    trained.train_from_iterator(SENTENCES, vocab_size=300, min_frequency=1, special_tokens=[EOS])
    with tempfile.TemporaryDirectory() as tmp:
        trained.save_model(tmp)
        tok = tf.GPT2TokenizerFast(os.path.join(tmp, "vocab.json"), os.path.join(tmp, "merges.txt"))
        tok.save_pretrained(folder)
        # transformers 5 saves tokenizer.json only; GPT-2 folders also ship the classic pair, which the tests read too.
        for file in ["vocab.json", "merges.txt"]:
            shutil.copy(os.path.join(tmp, file), os.path.join(folder, file))
    tok = tf.GPT2TokenizerFast.from_pretrained(folder)
    return tok


def randomise(model: torch.nn.Module, seed: int) -> None:
    """Values far from the initialisers' (so a weight left at its init shows): LayerNorm γ near 1, the rest N(0, 0.5)."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            noise = torch.randn(p.shape, generator=g)
            is_norm = ".ln_" in name and name.endswith(".weight")
            p.copy_(1 + 0.1 * noise if is_norm else 0.5 * noise)


def plain(x):
    if isinstance(x, torch.Tensor):
        x = x.detach()
        return x.tolist() if not x.is_floating_point() else round9(x.double().tolist())
    return x


def round9(x):
    return [round9(v) for v in x] if isinstance(x, list) else float(f"{x:.9g}")


def main() -> None:
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join("test", "fixtures", "hf")
    folder = os.path.join(out, NAME)
    shutil.rmtree(folder, ignore_errors=True)
    tok = tokenizer(folder)
    eos = tok.convert_tokens_to_ids(EOS)
    config = tf.GPT2Config(
        vocab_size=len(tok), n_positions=16, n_embd=8, n_layer=2, n_head=2, bos_token_id=eos, eos_token_id=eos,
    )
    torch.manual_seed(0)
    model = tf.GPT2LMHeadModel(config).eval()
    randomise(model, 41)  # a seed whose greedy continuations are not one token repeated
    model.save_pretrained(folder)
    os.remove(os.path.join(folder, "generation_config.json"))

    tok.pad_token = EOS
    tok.padding_side = "right"
    feed = tok(TEXTS, return_tensors="pt", padding=True)
    labels = feed["input_ids"].masked_fill(feed["attention_mask"] == 0, -100)
    tok.padding_side = "left"
    prompts = tok(PROMPTS, return_tensors="pt", padding=True)
    with torch.no_grad():
        r = model(input_ids=feed["input_ids"], attention_mask=feed["attention_mask"], labels=labels)
        generated = model.generate(
            **prompts, max_new_tokens=NEW_TOKENS, min_new_tokens=NEW_TOKENS, do_sample=False, pad_token_id=eos,
            output_logits=True, return_dict_in_generate=True,
        )
    # The smallest gap between the best and second-best logit over the greedy steps: far above float noise.
    margins = [(top[:, 0] - top[:, 1]).min().item() for top in (step.topk(2).values for step in generated.logits)]
    print(f"{NAME}: greedy margin {min(margins):.3g}, loss {r.loss.item():.6g}")
    data = {
        "texts": TEXTS,
        "input_ids": feed["input_ids"],
        "attention_mask": feed["attention_mask"],
        "labels": labels,
        "logits": r.logits,
        "loss": r.loss,
        "prompts": [tok(p)["input_ids"] for p in PROMPTS],
        "greedy": generated.sequences[:, prompts["input_ids"].shape[1]:],
    }
    with open(os.path.join(folder, "expected.json"), "w", encoding="utf-8") as f:
        json.dump({k: plain(v) for k, v in data.items()}, f, separators=(",", ":"))
        f.write("\n")
    for file in os.listdir(folder):
        os.chmod(os.path.join(folder, file), 0o644)  # safetensors writes 0600


if __name__ == "__main__":
    main()
