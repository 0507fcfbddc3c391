"""KantaiBERT (RobertaForMaskedLM over a byte-level BPE) on Kant: a PyTorch replica for recipe search.

The seed's chapter 3 at small sizes: a ByteLevelBPETokenizer trained on the TRAINING part of the text
(special tokens <s> <pad> </s> <unk> <mask>, min frequency 2, `--vocab` the requested size; the real
vocabulary is smaller when the merges run out, and the model uses the real size), then a
RobertaForMaskedLM trained with MLM probability 0.15 on either
- `--data lines`: LineByLineTextDataset's examples (each non-blank line, <s> ... </s>, cut to
  `--seq` = block_size), random batches of lines padded to the longest (the engine pads to
  `--seq`; FLOPs are counted at that fixed shape), or
- `--data packed`: random windows of `--seq` - 2 tokens of the token stream, wrapped in <s> ... </s>.
Scored on the held-out last 5% of the text (its lines, or its windows) with fixed masks, against the
unigram baseline of the same masked tokens (add-one smoothed training token frequencies).

Examples (one CPU thread):
  python scripts/recipes/kantaibert.py --vocab 52000 --data lines --seq 128
  python scripts/recipes/kantaibert.py --vocab 2000 --data packed --seq 64 --dropout 0 --lr 1e-3
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch
from tokenizers import ByteLevelBPETokenizer
from transformers import RobertaConfig, RobertaForMaskedLM

from common import IGNORE, add_common_args, encoder_flops, head_flops, load_split, make_heldout, mask_tokens, print_table, run, train_flops, unigram_logprobs

BOS, PAD, EOS, UNK, MASK = 0, 1, 2, 3, 4
SPECIALS = ['<s>', '<pad>', '</s>', '<unk>', '<mask>']


def train_tokenizer(train_text: str, vocab: int, min_freq: int, cache: Path) -> ByteLevelBPETokenizer:
    """The byte-level BPE of the training text (cached per vocab size and min frequency)."""
    folder = cache / f'bpe-{vocab}-{min_freq}'
    if (folder / 'vocab.json').exists():
        return ByteLevelBPETokenizer(str(folder / 'vocab.json'), str(folder / 'merges.txt'))
    tok = ByteLevelBPETokenizer()
    tok.train_from_iterator(train_text.splitlines(keepends=True), vocab_size=vocab, min_frequency=min_freq, special_tokens=SPECIALS, show_progress=False)
    folder.mkdir(parents=True, exist_ok=True)
    tok.save_model(str(folder))
    return tok


def encode_lines(tok: ByteLevelBPETokenizer, text: str, block: int) -> list[list[int]]:
    """LineByLineTextDataset: every non-blank line as <s> ids </s>, cut to `block` ids."""
    lines = [line for line in text.splitlines() if line and not line.isspace()]
    return [[BOS, *enc.ids[: block - 2], EOS] for enc in tok.encode_batch(lines)]


def pad_rows(rows: list[list[int]], length: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Right-padded ids and attention mask (to the longest row unless `length` is given)."""
    length = length or max(map(len, rows))
    ids = torch.full((len(rows), length), PAD, dtype=torch.long)
    att = torch.zeros((len(rows), length), dtype=torch.long)
    for i, row in enumerate(rows):
        ids[i, : len(row)] = torch.tensor(row)
        att[i, : len(row)] = 1
    return ids, att


def line_batches(examples: list[list[int]], batch: int, prob: float, vocab: int, seed: int):
    """Endless shuffled epochs of line batches, padded to the batch's longest, masked per batch (HF collator)."""
    gen = torch.Generator().manual_seed(seed)
    while True:
        order = torch.randperm(len(examples), generator=gen).tolist()
        for i in range(0, len(order) - batch + 1, batch):
            ids, att = pad_rows([examples[j] for j in order[i : i + batch]])
            special = (ids == BOS) | (ids == EOS) | (ids == PAD)
            inputs, labels = mask_tokens(ids, special, MASK, vocab, prob, gen)
            yield inputs, labels, att


def packed_batches(stream: torch.Tensor, batch: int, seq: int, prob: float, vocab: int, seed: int):
    """Endless batches of random windows of seq - 2 tokens wrapped in <s> ... </s>, masked per batch."""
    gen = torch.Generator().manual_seed(seed)
    offsets = torch.arange(seq - 2)
    while True:
        starts = torch.randint(len(stream) - seq + 3, (batch, 1), generator=gen)
        ids = torch.cat([torch.full((batch, 1), BOS), stream[starts + offsets], torch.full((batch, 1), EOS)], dim=1)
        special = (ids == BOS) | (ids == EOS)
        inputs, labels = mask_tokens(ids, special, MASK, vocab, prob, gen)
        yield inputs, labels, torch.ones_like(ids)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_common_args(p)
    p.add_argument('--vocab', type=int, default=52000, help='BPE vocab_size asked for (the real one may be smaller)')
    p.add_argument('--min-freq', type=int, default=2)
    p.add_argument('--data', choices=['lines', 'packed'], default='lines')
    p.add_argument('--cache', type=Path, default=Path('/tmp/recipes-cache'), help='where trained tokenizers are kept')
    p.add_argument('--json', action='store_true', help='also print the result row as JSON')
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    ffn = args.ffn or 4 * args.hidden

    train_text, held_text = load_split(args.corpus)
    tok = train_tokenizer(train_text, args.vocab, args.min_freq, args.cache)
    vocab = tok.get_vocab_size()
    train_stream = torch.tensor(tok.encode(train_text).ids, dtype=torch.long)
    logp = unigram_logprobs(train_stream, vocab)

    if args.data == 'lines':
        examples = encode_lines(tok, train_text, args.seq)
        held_rows, held_att = pad_rows(encode_lines(tok, held_text, args.seq))
        batches = line_batches(examples, args.batch, args.mlm_prob, vocab, args.seed)
        mean_len = sum(map(len, examples)) / len(examples)
        data_note = f'{len(examples)} lines, mean {mean_len:.1f} tokens'
    else:
        held_stream = torch.tensor(tok.encode(held_text).ids, dtype=torch.long)
        n = len(held_stream) // (args.seq - 2)
        body = held_stream[: n * (args.seq - 2)].view(n, args.seq - 2)
        held_rows = torch.cat([torch.full((n, 1), BOS), body, torch.full((n, 1), EOS)], dim=1)
        held_att = torch.ones_like(held_rows)
        batches = packed_batches(train_stream, args.batch, args.seq, args.mlm_prob, vocab, args.seed)
        data_note = f'{len(train_stream)} tokens'
    special = (held_rows == BOS) | (held_rows == EOS) | (held_rows == PAD)
    held = make_heldout(held_rows, held_att, special, MASK, vocab, logp)

    config = RobertaConfig(
        vocab_size=vocab,
        hidden_size=args.hidden,
        num_hidden_layers=args.layers,
        num_attention_heads=args.heads,
        intermediate_size=ffn,
        max_position_embeddings=args.seq + 2,  # positions start at padding_idx + 1 (514 for 512 in the seed)
        type_vocab_size=1,
        hidden_dropout_prob=args.dropout,
        attention_probs_dropout_prob=args.dropout,
        initializer_range=args.init,
        pad_token_id=PAD,
        bos_token_id=BOS,
        eos_token_id=EOS,
    )
    torch.manual_seed(args.seed)
    model = RobertaForMaskedLM(config)
    # The engine runs a fixed [batch, seq] shape; the head only on the ~15% masked rows (of the real tokens).
    tokens = args.batch * args.seq
    real = args.batch * (min(args.seq, mean_len) if args.data == 'lines' else args.seq)
    flops = train_flops(encoder_flops(args.layers, args.hidden, ffn, args.seq, tokens) + head_flops(args.hidden, vocab, args.mlm_prob * real))
    print(f'KantaiBERT: BPE asked {args.vocab}, real vocab {vocab}; {sum(p.numel() for p in model.parameters()) / 1e6:.2f}M params, '
          f'{flops / 1e9:.3f} GFLOP/step; train {data_note}; held-out {held_rows.shape[0]} rows, {int((held.labels != IGNORE).sum())} scored', flush=True)
    extra = {'V': vocab, 'data': args.data, 'L': args.layers, 'H': args.hidden, 'A': args.heads, 'F': ffn, 'T': args.seq, 'B': args.batch,
             'lr': args.lr, 'wu': args.warmup, 'sched': args.schedule, 'do': args.dropout, 'init': args.init}
    row = run(model.roberta, model.lm_head, model, batches, held, args, flops, extra)
    print_table([row])
    if args.json:
        print('JSON ' + json.dumps(row))


if __name__ == '__main__':
    main()
