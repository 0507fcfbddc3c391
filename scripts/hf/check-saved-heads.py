"""Loads the folders shaderformer's savePretrained wrote for the tiny model-class fixtures in real `transformers`.

    SHADERFORMER_KEEP_SAVED=1 npx vitest run test/models/heads.test.ts -t savePretrained
    python scripts/hf/check-saved-heads.py [SAVED_DIR]    # default $TMPDIR/sf-heads-saved

For each folder: the Auto class of its config.json's architecture loads it with no missing, unexpected or
mismatched keys, and its outputs and loss on the fixture's inputs equal the fixture's expected ones (the
outputs transformers computed from the original weights) within atol 1e-4 + rtol 1e-4. Exits 1 otherwise.
"""

import json
import os
import sys
import tempfile

import torch
import transformers as tf

FIXTURES = os.path.join("test", "fixtures", "hf")
INPUTS = ("input_ids", "attention_mask", "token_type_ids", "labels", "next_sentence_label", "start_positions", "end_positions")
OUTPUTS = ("logits", "prediction_logits", "seq_relationship_logits", "start_logits", "end_logits", "last_hidden_state", "pooler_output", "loss")


def main() -> int:
    saved = sys.argv[1] if len(sys.argv) > 1 else os.path.join(tempfile.gettempdir(), "sf-heads-saved")
    ok = True
    for name in sorted(os.listdir(saved)):
        folder = os.path.join(saved, name)
        with open(os.path.join(folder, "config.json"), encoding="utf-8") as f:
            architecture = json.load(f)["architectures"][0]
        model, info = getattr(tf, architecture).from_pretrained(folder, output_loading_info=True)
        model.eval()
        with open(os.path.join(FIXTURES, name, "expected.json"), encoding="utf-8") as f:
            expected = json.load(f)
        feed = {k: torch.tensor(expected[k]) for k in INPUTS if k in expected}
        if architecture.endswith("Model"):
            feed.pop("labels", None)
        with torch.no_grad():
            result = model(**feed)
        worst = 0.0
        for key in OUTPUTS:
            if key in expected and getattr(result, key, None) is not None:
                want = torch.tensor(expected[key], dtype=torch.float64)
                delta = (getattr(result, key).double() - want).abs()
                worst = max(worst, float(delta.max()))
                ok = ok and bool((delta <= 1e-4 + 1e-4 * want.abs()).all())
        problems = {k: sorted(v) for k, v in info.items() if v}
        ok = ok and not problems
        print(f"{name}: {architecture} loading problems {problems or 'none'}; max |Δ| {worst:.3g}")
    print("OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
