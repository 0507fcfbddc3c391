"""Byte-level BERT MLM on Kant: a PyTorch replica of test/e2e/mlm-kant.ts for recipe search.

The engine's recipe: BertForMaskedLM over bytes (ids 0-255, then [PAD] 256, [MASK] 257, [CLS] 258,
[SEP] 259), packed random windows of `--seq` bytes (no [CLS]/[SEP], as mlmBatches without clsId),
masked afresh per batch, AdamW with linear warm-up/decay, clipping, dropout. Scored on the held-out
last 5% of the text with fixed masks, against the unigram baseline of the same masked bytes.

Examples (one CPU thread):
  python scripts/recipes/byte_mlm.py                               # the e2e recipe (plateaus)
  python scripts/recipes/byte_mlm.py --dropout 0 --lr 3e-3 --warmup 10 --steps 600
"""

from __future__ import annotations

import argparse
import json

import torch
from transformers import BertConfig, BertForMaskedLM

from common import IGNORE, add_common_args, encoder_flops, head_flops, load_split, make_heldout, mask_tokens, print_table, run, train_flops, unigram_logprobs

PAD, MASK, VOCAB, BYTES = 256, 257, 260, 256


def byte_ids(text: str) -> torch.Tensor:
    """UTF-8 bytes of `text` as ids (the engine's ByteVocabulary.encode)."""
    return torch.tensor(list(text.encode('utf-8')), dtype=torch.long)


def packed_batches(tokens: torch.Tensor, batch: int, seq: int, prob: float, seed: int):
    """Endless (inputs, labels, attention) of `batch` random windows of `seq` bytes (mlmBatches)."""
    gen = torch.Generator().manual_seed(seed)
    offsets = torch.arange(seq)
    no_special = torch.zeros(batch, seq, dtype=torch.bool)  # windows hold bytes only
    while True:
        starts = torch.randint(len(tokens) - seq + 1, (batch, 1), generator=gen)
        rows = tokens[starts + offsets]
        inputs, labels = mask_tokens(rows, no_special, MASK, BYTES, prob, gen)
        yield inputs, labels, None


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_common_args(p)
    p.add_argument('--json', action='store_true', help='also print the result row as JSON')
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    ffn = args.ffn or 4 * args.hidden

    train_text, held_text = load_split(args.corpus)
    train_ids, held_ids = byte_ids(train_text), byte_ids(held_text)
    logp = unigram_logprobs(train_ids, VOCAB)
    # Mask the held-out stream once (masks depend on the position only), then cut it into rows of
    # --seq, so every sequence length scores the same masked bytes.
    n_rows = len(held_ids) // args.seq
    stream = held_ids[: n_rows * args.seq].view(1, -1)
    held = make_heldout(stream, torch.ones_like(stream), torch.zeros_like(stream, dtype=torch.bool), MASK, BYTES, logp)
    for name in ('inputs', 'labels', 'attention', 'mask_only', 'nll'):
        setattr(held, name, getattr(held, name).view(n_rows, args.seq))

    config = BertConfig(
        vocab_size=VOCAB,
        hidden_size=args.hidden,
        num_hidden_layers=args.layers,
        num_attention_heads=args.heads,
        intermediate_size=ffn,
        max_position_embeddings=args.seq,
        type_vocab_size=1,  # 0 in the engine (no token-type table); 1 here adds one constant learned vector
        hidden_dropout_prob=args.dropout,
        attention_probs_dropout_prob=args.dropout,
        pad_token_id=PAD,
        initializer_range=args.init,
    )
    torch.manual_seed(args.seed)
    model = BertForMaskedLM(config)
    tokens = args.batch * args.seq
    flops = train_flops(encoder_flops(args.layers, args.hidden, ffn, args.seq, tokens) + head_flops(args.hidden, VOCAB, args.mlm_prob * tokens))
    print(f'byte MLM: {sum(p.numel() for p in model.parameters()) / 1e6:.2f}M params, {flops / 1e9:.3f} GFLOP/step (train, gathered head), '
          f'train {len(train_ids)} bytes, held-out {n_rows} rows x {args.seq}, {int((held.labels != IGNORE).sum())} scored', flush=True)
    extra = {'L': args.layers, 'H': args.hidden, 'A': args.heads, 'F': ffn, 'T': args.seq, 'B': args.batch, 'lr': args.lr, 'wu': args.warmup, 'sched': args.schedule, 'do': args.dropout, 'init': args.init}
    row = run(model.bert, model.cls, model, packed_batches(train_ids, args.batch, args.seq, args.mlm_prob, args.seed), held, args, flops, extra)
    print_table([row])
    if args.json:
        print('JSON ' + json.dumps(row))


if __name__ == '__main__':
    main()
