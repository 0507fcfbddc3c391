"""Builds the BERT/RoBERTa head fixtures under test/fixtures/hf/ with real `transformers`.

- `named-parameters.json`: for a 2-layer config of each model class, `named_parameters()` as
  [name, shape] pairs in transformers' order (what `model.parameters()` must list).
- one folder per class (`tiny-<class>`): what `save_pretrained` writes for a tiny random model
  (config.json, model.safetensors) plus `expected.json`: the inputs (right-padded) and the outputs and
  losses transformers computes in eval mode.

Not run in CI (CI has only Node); rerun by hand after a change here:

    python scripts/hf/make-model-fixtures.py [OUT_DIR]    # default test/fixtures/hf

Needs transformers (5.x), torch and safetensors.
"""

import json
import os
import shutil
import sys

import torch
import transformers as tf

VOCAB = 40
BATCH, LENGTH = 3, 7
LENGTHS = [7, 5, 3]  # real tokens per row; the rest is right padding


def bert_config(**extra) -> tf.BertConfig:
    fields = dict(
        vocab_size=VOCAB, hidden_size=8, num_hidden_layers=2, num_attention_heads=2, intermediate_size=16,
        max_position_embeddings=16, type_vocab_size=2, hidden_act="gelu",
    )
    fields.update(extra)
    return tf.BertConfig(**fields)


def roberta_config(**extra) -> tf.RobertaConfig:
    # Positions run from pad_token_id + 1, so max_position_embeddings ≥ LENGTH + 2 (as roberta-base's 514).
    fields = dict(
        vocab_size=VOCAB, hidden_size=8, num_hidden_layers=2, num_attention_heads=2, intermediate_size=16,
        max_position_embeddings=LENGTH + 3, type_vocab_size=1, hidden_act="gelu",
    )
    fields.update(extra)
    return tf.RobertaConfig(**fields)


def randomise(model: torch.nn.Module, seed: int) -> None:
    """Values far from the initialisers' (so a weight left at its init shows): LayerNorm γ near 1, the rest N(0, 0.5)."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            noise = torch.randn(p.shape, generator=g)
            is_norm = name.endswith("LayerNorm.weight") or name.endswith("layer_norm.weight")
            p.copy_(1 + 0.1 * noise if is_norm else 0.5 * noise)


def batch(pad_id: int, special: tuple[int, int], seed: int) -> dict:
    """Right-padded rows: <cls/bos> random ids <sep/eos>, then pad_id; token types 0 then 1 after the middle."""
    g = torch.Generator().manual_seed(seed)
    ids = torch.full((BATCH, LENGTH), pad_id, dtype=torch.long)
    mask = torch.zeros((BATCH, LENGTH), dtype=torch.long)
    types = torch.zeros((BATCH, LENGTH), dtype=torch.long)
    for row, n in enumerate(LENGTHS):
        ids[row, :n] = torch.randint(5, VOCAB, (n,), generator=g)
        ids[row, 0], ids[row, n - 1] = special
        mask[row, :n] = 1
        types[row, n // 2 : n] = 1
    return {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}


def mlm_labels(feed: dict, seed: int) -> torch.Tensor:
    """About a third of the real positions labelled (at least one per row), the rest -100."""
    g = torch.Generator().manual_seed(seed)
    labels = torch.full_like(feed["input_ids"], -100)
    for row, n in enumerate(LENGTHS):
        pick = torch.rand(n, generator=g) < 0.35
        pick[1] = True
        labels[row, :n] = torch.where(pick, torch.randint(0, VOCAB, (n,), generator=g), labels[row, :n])
    return labels


def plain(x):
    if isinstance(x, torch.Tensor):
        x = x.detach()
        return x.tolist() if not x.is_floating_point() else round9(x.double().tolist())
    return x


def round9(x):
    return [round9(v) for v in x] if isinstance(x, list) else float(f"{x:.9g}")


def save(out: str, name: str, model: torch.nn.Module, data: dict) -> None:
    folder = os.path.join(out, name)
    shutil.rmtree(folder, ignore_errors=True)
    model.save_pretrained(folder)
    with open(os.path.join(folder, "expected.json"), "w", encoding="utf-8") as f:
        json.dump({k: plain(v) for k, v in data.items()}, f, separators=(",", ":"))
        f.write("\n")


def names(model: torch.nn.Module) -> list:
    return [[name, list(p.shape)] for name, p in model.named_parameters()]


def main() -> None:
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join("test", "fixtures", "hf")
    torch.manual_seed(0)

    # 1. Names and order for a 2-layer config of each class.
    lists = {
        "BertModel": tf.BertModel(bert_config()),
        "BertForMaskedLM": tf.BertForMaskedLM(bert_config()),
        "BertForPreTraining": tf.BertForPreTraining(bert_config()),
        "BertForSequenceClassification": tf.BertForSequenceClassification(bert_config(num_labels=3)),
        "BertForTokenClassification": tf.BertForTokenClassification(bert_config(num_labels=4)),
        "BertForQuestionAnswering": tf.BertForQuestionAnswering(bert_config()),
        "RobertaModel": tf.RobertaModel(roberta_config()),
        "RobertaForMaskedLM": tf.RobertaForMaskedLM(roberta_config()),
        "RobertaForSequenceClassification": tf.RobertaForSequenceClassification(roberta_config(num_labels=3)),
    }
    with open(os.path.join(out, "named-parameters.json"), "w", encoding="utf-8") as f:
        json.dump({k: names(m) for k, m in lists.items()}, f, indent=1)
        f.write("\n")

    # 2. Tiny random models: outputs and losses in eval mode.
    bert_feed = batch(0, (2, 3), seed=10)
    roberta_feed = batch(1, (0, 2), seed=11)
    nsp = torch.tensor([0, 1, 1])
    with torch.no_grad():
        m = tf.BertForMaskedLM(bert_config()).eval()
        randomise(m, 20)
        labels = mlm_labels(bert_feed, 30)
        r = m(**bert_feed, labels=labels)
        save(out, "tiny-bert-mlm", m, {**bert_feed, "labels": labels, "logits": r.logits, "loss": r.loss})

        m = tf.BertForPreTraining(bert_config(hidden_act="gelu_new")).eval()
        randomise(m, 21)
        labels = mlm_labels(bert_feed, 31)
        r = m(**bert_feed, labels=labels, next_sentence_label=nsp)
        ce = torch.nn.CrossEntropyLoss()
        mlm_loss = ce(r.prediction_logits.view(-1, VOCAB), labels.view(-1))
        nsp_loss = ce(r.seq_relationship_logits, nsp)
        save(out, "tiny-bert-pretraining", m, {
            **bert_feed, "labels": labels, "next_sentence_label": nsp, "prediction_logits": r.prediction_logits,
            "seq_relationship_logits": r.seq_relationship_logits, "loss": r.loss, "mlm_loss": mlm_loss, "nsp_loss": nsp_loss,
        })

        m = tf.BertForSequenceClassification(bert_config(num_labels=3)).eval()
        randomise(m, 22)
        labels = torch.tensor([2, 0, 1])
        r = m(**bert_feed, labels=labels)
        save(out, "tiny-bert-seqcls", m, {**bert_feed, "labels": labels, "logits": r.logits, "loss": r.loss})

        m = tf.BertForSequenceClassification(bert_config(num_labels=1)).eval()
        randomise(m, 23)
        labels = torch.tensor([0.5, -1.25, 2.0])
        r = m(**bert_feed, labels=labels)
        save(out, "tiny-bert-regression", m, {**bert_feed, "labels": labels, "logits": r.logits, "loss": r.loss})

        m = tf.BertForTokenClassification(bert_config(num_labels=4, hidden_act="relu")).eval()
        randomise(m, 24)
        labels = torch.randint(0, 4, (BATCH, LENGTH), generator=torch.Generator().manual_seed(32))
        labels[bert_feed["attention_mask"] == 0] = -100
        r = m(**bert_feed, labels=labels)
        save(out, "tiny-bert-tokcls", m, {**bert_feed, "labels": labels, "logits": r.logits, "loss": r.loss})

        m = tf.BertForQuestionAnswering(bert_config()).eval()
        randomise(m, 25)
        start, end = torch.tensor([1, 2, 0]), torch.tensor([3, 4, 2])
        r = m(**bert_feed, start_positions=start, end_positions=end)
        save(out, "tiny-bert-qa", m, {
            **bert_feed, "start_positions": start, "end_positions": end,
            "start_logits": r.start_logits, "end_logits": r.end_logits, "loss": r.loss,
        })

        m = tf.RobertaModel(roberta_config()).eval()
        randomise(m, 26)
        feed = {k: v for k, v in roberta_feed.items() if k != "token_type_ids"}
        r = m(**feed)
        positions = tf.models.roberta.modeling_roberta.RobertaEmbeddings.create_position_ids_from_input_ids(feed["input_ids"], 1)
        save(out, "tiny-roberta-model", m, {
            **feed, "position_ids": positions, "last_hidden_state": r.last_hidden_state, "pooler_output": r.pooler_output,
        })

        # gelu_pytorch_tanh in the layers; Hugging Face's RoBERTa LM head always uses exact GELU.
        m = tf.RobertaForMaskedLM(roberta_config(hidden_act="gelu_pytorch_tanh")).eval()
        randomise(m, 27)
        labels = mlm_labels(roberta_feed, 33)
        r = m(**feed, labels=labels)
        save(out, "tiny-roberta-mlm", m, {**feed, "position_ids": positions, "labels": labels, "logits": r.logits, "loss": r.loss})

        m = tf.RobertaForSequenceClassification(roberta_config(num_labels=3)).eval()
        randomise(m, 28)
        labels = torch.tensor([1, 2, 0])
        r = m(**feed, labels=labels)
        save(out, "tiny-roberta-seqcls", m, {**feed, "position_ids": positions, "labels": labels, "logits": r.logits, "loss": r.loss})

    for root, _, files in os.walk(out):
        for file in files:
            os.chmod(os.path.join(root, file), 0o644)  # safetensors writes 0600


if __name__ == "__main__":
    main()
