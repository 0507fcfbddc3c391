"""Loads a folder written by shaderformer's `savePretrained` in real `transformers` and compares logits.

    python scripts/hf/check-roundtrip.py DIR [EXPECTED_JSON]

DIR must hold config.json, model.safetensors and the tokenizer files. EXPECTED_JSON (default
DIR/expected.json) holds `input_ids`, `attention_mask`, `token_type_ids` and the `logits` shaderformer
computed, as plain numbers; with `texts` it also checks that the tokenizer loaded by AutoTokenizer gives the
same ids. Prints max |Δ logits| and exits 1 when it exceeds atol 1e-4 + rtol 1e-4 (float32).
"""

import json
import os
import sys

import torch
from transformers import AutoTokenizer, BertForMaskedLM


def main() -> int:
    folder = sys.argv[1]
    expected_path = sys.argv[2] if len(sys.argv) > 2 else os.path.join(folder, "expected.json")
    with open(expected_path, encoding="utf-8") as f:
        expected = json.load(f)
    model, info = BertForMaskedLM.from_pretrained(folder, output_loading_info=True)
    model.eval()
    print("loading info:", {k: sorted(v) if isinstance(v, (list, set)) else v for k, v in info.items()})
    problems = [k for k in ("missing_keys", "unexpected_keys", "mismatched_keys") if info.get(k)]
    feed = {k: torch.tensor(expected[k]) for k in ("input_ids", "attention_mask", "token_type_ids")}
    ok = not problems
    tokenizer = AutoTokenizer.from_pretrained(folder)
    if "texts" in expected:
        ids = tokenizer(expected["texts"], padding=True)["input_ids"]
        width = len(feed["input_ids"][0])
        ids = [row + [tokenizer.pad_token_id] * (width - len(row)) for row in ids]
        same = ids == feed["input_ids"][: len(ids)].tolist()
        print("tokenizer ids match:", same)
        ok = ok and same
    with torch.no_grad():
        logits = model(**feed).logits
    want = torch.tensor(expected["logits"], dtype=torch.float64)
    delta = (logits.double() - want).abs()
    bound = 1e-4 + 1e-4 * want.abs()
    print(f"logits {tuple(logits.shape)}: max |Δ| = {delta.max().item():.3g} (tolerance 1e-4 + 1e-4·|expected|)")
    ok = ok and bool((delta <= bound).all())
    print("OK" if ok else f"FAILED {problems}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
