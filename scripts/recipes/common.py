"""Shared pieces of the recipe-search replicas (byte_mlm.py, kantaibert.py).

PyTorch + transformers replicas of shaderformer's MLM recipes, small enough to run on one CPU
thread, used to find settings that make the small models learn context (not just how common each
token is). Everything here mirrors the engine's semantics where it matters:

- the corpus: the Gutenberg file with its header/footer stripped (src/data/corpus.ts rules);
- the split: the last `heldout_fraction` of the text is held out, never trained on;
- masking: Hugging Face's DataCollatorForLanguageModeling (each non-special position selected with
  p = 0.15; 80% [MASK], 10% a random id, 10% unchanged);
- the held-out set: the masks are drawn ONCE per absolute position of the held-out token stream
  (fixed seed), so every evaluation, and every sequence length, scores the same masked tokens;
- the baseline: the unigram loss of those same tokens, mean -log p(token) with p the add-one
  smoothed frequency of the token in the training part;
- the optimizer: AdamW (eps 1e-8, no decay on biases and LayerNorm), gradient clipping, linear
  warm-up then linear decay to 0 (the engine's linearWarmupDecay);
- the loss: cross-entropy on the masked rows only (the MLM head runs on the gathered rows, as the
  engine's gathered form does), so the head costs ~15% of a full decoder.
"""

from __future__ import annotations

import argparse
import math
import re
import time
from dataclasses import dataclass
from pathlib import Path

import torch

# The engine's gathered form ignores label -100 as HF does.
IGNORE = -100

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / '..' / 'shared' / 'data' / 'kant' / 'critique_of_pure_reason.txt'

_HEADER_END = [re.compile(r'^\*{3}\s*START OF (THE|THIS) PROJECT GUTENBERG', re.I), re.compile(r'^\*END\*?\s*THE SMALL PRINT', re.I)]
_FOOTER_START = [re.compile(r'^\*{3}\s*END OF (THE|THIS) PROJECT GUTENBERG', re.I), re.compile(r'^End of (the )?Project Gutenberg', re.I)]
_CREDIT = re.compile(r'^(this e-?(text|book) was )?produced by\b', re.I)


def strip_gutenberg(text: str) -> str:
    """The book text between a Gutenberg header and footer (the rules of src/data/corpus.ts)."""
    lines = re.split(r'\r\n|\n|\r', text)
    header_end = next((i for i, line in enumerate(lines) if any(m.search(line) for m in _HEADER_END)), -1)
    first = header_end + 1
    while header_end >= 0 and first < len(lines) and (lines[first].strip() == '' or _CREDIT.search(lines[first])):
        first += 1
    end = next((i for i, line in enumerate(lines) if i >= first and any(m.search(line) for m in _FOOTER_START)), -1)
    if header_end < 0 and end < 0:
        return text
    return '\n'.join(lines[first : (len(lines) if end < 0 else end)])


def load_split(path: Path, heldout_fraction: float = 0.05) -> tuple[str, str]:
    """(train text, held-out text): the held-out part is the last fraction, cut at a line break."""
    text = strip_gutenberg(path.read_text(encoding='utf-8'))
    cut = int(len(text) * (1 - heldout_fraction))
    cut = text.rfind('\n', 0, cut) + 1 or cut
    return text[:cut], text[cut:]


def mask_tokens(ids: torch.Tensor, special: torch.Tensor, mask_id: int, random_range: int, prob: float, gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """HF MLM corruption: (input ids, labels with -100 where not selected). `special` is a bool mask."""
    selected = (torch.rand(ids.shape, generator=gen) < prob) & ~special
    labels = torch.where(selected, ids, torch.full_like(ids, IGNORE))
    u = torch.rand(ids.shape, generator=gen)
    inputs = ids.clone()
    inputs[selected & (u < 0.8)] = mask_id
    rand_pos = selected & (u >= 0.8) & (u < 0.9)
    inputs[rand_pos] = torch.randint(random_range, ids.shape, generator=gen)[rand_pos]
    return inputs, labels


def unigram_logprobs(train_ids: torch.Tensor, vocab_size: int) -> torch.Tensor:
    """log p(token) with p the add-one smoothed training frequency (the baseline's model)."""
    counts = torch.bincount(train_ids.flatten(), minlength=vocab_size).double() + 1
    return (counts / counts.sum()).log()


@dataclass
class HeldOut:
    """A fixed held-out MLM set: rows of input ids / labels (and an attention mask), plus baselines."""

    inputs: torch.Tensor  # [N, T] i64
    labels: torch.Tensor  # [N, T] i64, -100 where not scored
    attention: torch.Tensor  # [N, T] i64
    mask_only: torch.Tensor  # [N, T] bool: scored positions whose input is the mask id
    nll: torch.Tensor  # [N, T] unigram -log p of each original token (the baseline's per-token loss)


def make_heldout(rows: torch.Tensor, attention: torch.Tensor, special: torch.Tensor, mask_id: int, random_range: int, logp: torch.Tensor, seed: int = 1234, prob: float = 0.15) -> HeldOut:
    """Masks `rows` once with a fixed seed and computes the unigram baselines of the scored tokens."""
    gen = torch.Generator().manual_seed(seed)
    inputs, labels = mask_tokens(rows, special | (attention == 0), mask_id, random_range, prob, gen)
    scored = labels != IGNORE
    mask_only = scored & (inputs == mask_id)
    return HeldOut(inputs, labels, attention, mask_only, -logp[rows])


def add_common_args(p: argparse.ArgumentParser) -> None:
    """Flags every replica shares: optimizer, schedule, size, steps, evaluation."""
    p.add_argument('--corpus', type=Path, default=DEFAULT_CORPUS)
    p.add_argument('--layers', type=int, default=2)
    p.add_argument('--hidden', type=int, default=128)
    p.add_argument('--heads', type=int, default=4)
    p.add_argument('--ffn', type=int, default=0, help='intermediate size; 0 = 4 x hidden')
    p.add_argument('--seq', type=int, default=64)
    p.add_argument('--batch', type=int, default=16)
    p.add_argument('--lr', type=float, default=2e-3)
    p.add_argument('--warmup', type=int, default=20)
    p.add_argument('--steps', type=int, default=300)
    p.add_argument('--schedule', choices=['linear', 'constant'], default='linear', help='decay to 0 at --steps, or flat after warm-up')
    p.add_argument('--wd', type=float, default=0.01)
    p.add_argument('--clip', type=float, default=1.0)
    p.add_argument('--dropout', type=float, default=0.1)
    p.add_argument('--mlm-prob', type=float, default=0.15)
    p.add_argument('--init', type=float, default=0.02, help='initializer_range (std of the normal init)')
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--eval-every', type=int, default=100)
    p.add_argument('--eval-rows', type=int, default=0, help='held-out rows scored during training (0 = all); the final eval uses all')
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--tag', default='', help='label printed in the table row')


def lr_at(step: int, args: argparse.Namespace) -> float:
    """The engine's linearWarmupDecay (step counts from 1): up over `warmup`, then down to 0 at `steps`."""
    if args.warmup > 0 and step <= args.warmup:
        return args.lr * step / args.warmup
    if args.schedule == 'constant':
        return args.lr
    return args.lr * max(0.0, (args.steps - step) / max(1, args.steps - args.warmup))


def make_optimizer(model: torch.nn.Module, args: argparse.Namespace) -> torch.optim.AdamW:
    """AdamW with the engine's defaults: eps 1e-8, decay skipped for biases and LayerNorm weights."""
    decay, no_decay = [], []
    for name, param in model.named_parameters():
        (no_decay if name.endswith('bias') or 'LayerNorm' in name or 'layer_norm' in name else decay).append(param)
    return torch.optim.AdamW([{'params': decay, 'weight_decay': args.wd}, {'params': no_decay, 'weight_decay': 0.0}], lr=args.lr, eps=1e-8)


def mlm_loss(encoder: torch.nn.Module, head: torch.nn.Module, inputs: torch.Tensor, labels: torch.Tensor, attention: torch.Tensor | None, reduce: bool = True) -> torch.Tensor:
    """Cross-entropy of the MLM head run on the gathered masked rows only (the engine's gathered form)."""
    hidden = encoder(input_ids=inputs, attention_mask=attention).last_hidden_state
    rows = labels != IGNORE
    logits = head(hidden[rows])
    return torch.nn.functional.cross_entropy(logits.float(), labels[rows], reduction='mean' if reduce else 'none')


@torch.no_grad()
def evaluate(encoder: torch.nn.Module, head: torch.nn.Module, held: HeldOut, rows: int = 0, batch: int = 64) -> dict[str, float]:
    """Held-out loss / accuracy over all scored tokens and over the [MASK]ed ones only."""
    encoder.eval(), head.eval()
    n = held.inputs.shape[0] if rows <= 0 else min(rows, held.inputs.shape[0])
    losses, correct, is_mask = [], [], []
    for i in range(0, n, batch):
        inp, lab, att = held.inputs[i : i + batch], held.labels[i : i + batch], held.attention[i : i + batch]
        hidden = encoder(input_ids=inp, attention_mask=att).last_hidden_state
        sel = lab != IGNORE
        logits = head(hidden[sel]).float()
        losses.append(torch.nn.functional.cross_entropy(logits, lab[sel], reduction='none'))
        correct.append(logits.argmax(-1) == lab[sel])
        is_mask.append(held.mask_only[i : i + batch][sel])
    encoder.train(), head.train()
    loss, ok, m = torch.cat(losses), torch.cat(correct), torch.cat(is_mask)
    # Baselines of exactly the rows scored (a prefix when rows > 0).
    nll = held.nll[:n]
    scored = held.labels[:n] != IGNORE
    return {
        'loss': float(loss.mean()),
        'acc': float(ok.float().mean()),
        'loss_mask': float(loss[m].mean()),
        'scored': int(loss.numel()),
        'unigram': float(nll[scored].mean()),
        'unigram_mask': float(nll[held.mask_only[:n]].mean()),
    }


def encoder_flops(layers: int, hidden: int, ffn: int, seq: int, tokens: int) -> float:
    """Forward FLOPs (2 per multiply-add) of the encoder over `tokens` tokens in rows of `seq`."""
    per_token = layers * (2 * (4 * hidden * hidden + 2 * hidden * ffn) + 2 * 2 * seq * hidden)
    return per_token * tokens


def head_flops(hidden: int, vocab: int, rows: float) -> float:
    """Forward FLOPs of the MLM head (transform hidden x hidden + decoder hidden x vocab) on `rows` rows."""
    return rows * 2 * (hidden * hidden + hidden * vocab)


def train_flops(forward: float) -> float:
    """A training step ~ 3 x the forward (the backward does two matmuls per forward one)."""
    return 3 * forward


def run(encoder, head, model, batches, held: HeldOut, args, flops_per_step: float, extra: dict) -> dict:
    """The training loop: AdamW, clipping, schedule, periodic held-out evaluation; returns the result row."""
    torch.manual_seed(args.seed)
    opt = make_optimizer(model, args)
    t0 = time.time()
    history = []
    first_below_1 = first_below_08 = None
    for step in range(1, args.steps + 1):
        inputs, labels, attention = next(batches)
        for group in opt.param_groups:
            group['lr'] = lr_at(step, args)
        loss = mlm_loss(encoder, head, inputs, labels, attention)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        if args.clip > 0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), args.clip)
        opt.step()
        if step % args.eval_every == 0 or step == args.steps:
            ev = evaluate(encoder, head, held, rows=0 if step == args.steps else args.eval_rows)
            ratio = ev['loss'] / ev['unigram']
            if first_below_1 is None and ratio < 1.0:
                first_below_1 = step
            if first_below_08 is None and ratio <= 0.8:
                first_below_08 = step
            history.append((step, ev['loss'], ratio))
            print(
                f'  step {step:5d} train {loss.item():.3f} held {ev["loss"]:.3f} ({ratio:.3f}x uni {ev["unigram"]:.3f}) '
                f'mask-only {ev["loss_mask"]:.3f} ({ev["loss_mask"] / ev["unigram_mask"]:.3f}x) acc {ev["acc"]:.3f} {time.time() - t0:.0f}s',
                flush=True,
            )
    final = history[-1]
    return {
        'tag': args.tag,
        **extra,
        'steps': args.steps,
        'heldout': final[1],
        'ratio': final[2],
        'ratio_mask': ev['loss_mask'] / ev['unigram_mask'],
        'acc': ev['acc'],
        'unigram': ev['unigram'],
        'first<1.0': first_below_1,
        'first<=0.8': first_below_08,
        'gflop/step': flops_per_step / 1e9,
        'wall_s': round(time.time() - t0, 1),
    }


def print_table(rows: list[dict]) -> None:
    """A plain table of result rows (one line each; same columns as the first row)."""
    if not rows:
        return
    cols = list(rows[0].keys())
    fmt = lambda v: f'{v:.3f}' if isinstance(v, float) else str(v)  # noqa: E731
    widths = [max(len(c), *(len(fmt(r.get(c))) for r in rows)) for c in cols]
    print(' | '.join(c.ljust(w) for c, w in zip(cols, widths)))
    for r in rows:
        print(' | '.join(fmt(r.get(c)).ljust(w) for c, w in zip(cols, widths)))
