// BLEU (Papineni et al. 2002) as sacreBLEU 2.x computes it: `corpusBleu(hyps, refs)` is
// `sacrebleu.corpus_bleu(hyps, [refs])` with its defaults (the mteval-v13a tokenizer, n-grams up to 4,
// exp smoothing, no effective order), `sentenceBleu` is `sacrebleu.sentence_bleu`. Written from the
// definitions; test/metrics/bleu.test.ts holds figures produced by the real sacreBLEU.
import { ArgumentError, describeValue } from '../errors.js';
import { checkBoolean, checkInt, checkOptions, countNgrams, type ReferenceStreams, referencesBySegment, splitWords, trimEnd } from './segments.js';

/** How BLEU splits text into words: '13a' (mteval-v13a, sacreBLEU's default) or 'none' (white space only). */
export type BleuTokenizer = '13a' | 'none';

/** How BLEU scores an n-gram order with no match: sacreBLEU's 'exp' (the default), 'floor', 'add-k' or 'none'. */
export type BleuSmoothing = 'exp' | 'floor' | 'add-k' | 'none';

/** Options of `corpusBleu` and `sentenceBleu`, named after sacreBLEU's `BLEU(...)` arguments; each defaults as there. */
export interface BleuOptions {
  /** '13a' by default. */
  tokenize?: BleuTokenizer;
  /** Lowercase hypotheses and references first (`toLowerCase`); false by default. */
  lowercase?: boolean;
  /** The longest n-gram counted; 4 by default. */
  maxNgramOrder?: number;
  /** 'exp' by default: the k-th order without a match scores 1/(2^k · total), as mteval-v13a. */
  smoothMethod?: BleuSmoothing;
  /** The value 'floor' (default 0.1) and 'add-k' (default 1) use; the others ignore it. */
  smoothValue?: number;
  /** Average only the orders the hypotheses have n-grams of; false for corpusBleu, true for sentenceBleu. */
  effectiveOrder?: boolean;
}

/** A BLEU score and the statistics behind it, as sacreBLEU's `BLEUScore`. */
export interface BleuScore {
  /** BLEU in percent, 0 to 100 (not rounded). */
  score: number;
  /** The n-gram precisions in percent, orders 1 to maxNgramOrder, smoothed as the score used them. */
  precisions: number[];
  /** exp(1 − refLen/sysLen) when the hypotheses are shorter than the references, else 1. */
  brevityPenalty: number;
  /** Words in all hypotheses after tokenizing. */
  sysLen: number;
  /** Words in the references: for each hypothesis, the reference length closest to its own (the shorter on ties). */
  refLen: number;
  /** Matched n-grams of each order (clipped to the most any one reference of the segment holds), unsmoothed. */
  counts: number[];
  /** The hypotheses' n-grams of each order, unsmoothed. */
  totals: number[];
}

/**
 * mteval-v13a's tokenization, as sacreBLEU's '13a' tokenizer: drops `<skipped>`, joins lines, decodes
 * `&quot;` `&amp;` `&lt;` `&gt;`, splits off ASCII symbols, periods and commas (not between digits) and
 * dashes after a digit. Returns the tokens joined by single spaces.
 */
export function tokenize13a(line: string): string {
  if (typeof line !== 'string') throw new ArgumentError(`tokenize13a: line must be a string, got ${describeValue(line)}`);
  const text = line
    .replaceAll('<skipped>', '')
    .replaceAll('-\n', '')
    .replaceAll('\n', ' ')
    // In this order, as mteval-v13a: `&amp;quot;` becomes `&quot;`, not `"`.
    .replaceAll('&quot;', '"')
    .replaceAll('&amp;', '&')
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>');
  const split = ` ${text} `
    // Every ASCII symbol except the apostrophe, comma, hyphen and period becomes a token of its own.
    .replace(/[ -&(-+/:-@[-`{-~]/g, ' $& ')
    // A period or comma is split off unless it stands between digits (1,000.5 stays one token).
    .replace(/([^0-9])([.,])/g, '$1 $2 ')
    .replace(/([.,])([^0-9])/g, ' $1 $2')
    // A hyphen is split off after a digit only (2-3 → 2 - 3; well-known stays whole).
    .replace(/([0-9])-/g, '$1 - ');
  return splitWords(split).join(' ');
}

interface Settings {
  tokenize: BleuTokenizer;
  lowercase: boolean;
  maxOrder: number;
  smooth: BleuSmoothing;
  smoothValue: number;
  effectiveOrder: boolean;
}

const SMOOTHING: readonly BleuSmoothing[] = ['exp', 'floor', 'add-k', 'none'];

function settings(op: string, options: BleuOptions | undefined, effectiveOrder: boolean): Settings {
  const o = checkOptions(op, options);
  const tokenize = o.tokenize ?? '13a';
  if (tokenize !== '13a' && tokenize !== 'none') throw new ArgumentError(`${op}: tokenize must be '13a' or 'none', got ${describeValue(tokenize)}`);
  const smooth = o.smoothMethod ?? 'exp';
  if (!SMOOTHING.includes(smooth)) throw new ArgumentError(`${op}: smoothMethod must be one of ${SMOOTHING.join(', ')}, got ${describeValue(smooth)}`);
  const smoothValue = o.smoothValue ?? (smooth === 'add-k' ? 1 : 0.1);
  if (typeof smoothValue !== 'number' || !Number.isFinite(smoothValue) || smoothValue < 0)
    throw new ArgumentError(`${op}: smoothValue must be a finite number ≥ 0, got ${describeValue(smoothValue)}`);
  return {
    tokenize,
    lowercase: checkBoolean(op, 'lowercase', o.lowercase, false),
    maxOrder: checkInt(op, 'maxNgramOrder', o.maxNgramOrder, 1, 1000, 4),
    smooth,
    smoothValue,
    effectiveOrder: checkBoolean(op, 'effectiveOrder', o.effectiveOrder, effectiveOrder),
  };
}

function words(line: string, s: Settings): string[] {
  const text = trimEnd(s.lowercase ? line.toLowerCase() : line);
  return splitWords(s.tokenize === '13a' ? tokenize13a(text) : text);
}

/** BLEU of checked segments: the n-gram statistics summed over segments, then the score. */
function bleu(hypotheses: readonly string[], references: readonly (readonly string[])[], s: Settings): BleuScore {
  const counts = new Array<number>(s.maxOrder).fill(0);
  const totals = new Array<number>(s.maxOrder).fill(0);
  let sysLen = 0;
  let refLen = 0;
  hypotheses.forEach((hypothesis, i) => {
    const hyp = words(hypothesis, s);
    const refs = references[i]!.map((r) => words(r, s));
    // An n-gram's matches are clipped to the most times any one reference holds it.
    const most = countNgrams([], s.maxOrder, ' ');
    for (const ref of refs) {
      countNgrams(ref, s.maxOrder, ' ').forEach((order, n) => {
        for (const [gram, c] of order) most[n]!.set(gram, Math.max(most[n]!.get(gram) ?? 0, c));
      });
    }
    countNgrams(hyp, s.maxOrder, ' ').forEach((order, n) => {
      for (const [gram, c] of order) {
        totals[n]! += c;
        counts[n]! += Math.min(c, most[n]!.get(gram) ?? 0);
      }
    });
    sysLen += hyp.length;
    let closest = refs[0]!.length;
    for (const ref of refs) {
      const d = Math.abs(ref.length - hyp.length);
      const best = Math.abs(closest - hyp.length);
      if (d < best || (d === best && ref.length < closest)) closest = ref.length;
    }
    refLen += closest;
  });
  return bleuFromStatistics(counts, totals, sysLen, refLen, s);
}

function bleuFromStatistics(counts: number[], totals: number[], sysLen: number, refLen: number, s: Settings): BleuScore {
  const brevityPenalty = sysLen >= refLen ? 1 : sysLen > 0 ? Math.exp(1 - refLen / sysLen) : 0;
  const precisions = new Array<number>(s.maxOrder).fill(0);
  const result: BleuScore = { score: 0, precisions, brevityPenalty, sysLen, refLen, counts, totals };
  // No n-gram matched at all: 0 with every precision 0, whatever the smoothing (as sacreBLEU).
  if (counts.every((c) => c === 0)) return result;
  let orders = s.maxOrder;
  let unmatched = 1;
  for (let n = 0; n < s.maxOrder; n++) {
    // add-k smooths the orders above unigrams; sacreBLEU adds k before testing the total, so an order with no n-grams counts too.
    const k = s.smooth === 'add-k' && n > 0 ? s.smoothValue : 0;
    const correct = counts[n]! + k;
    const total = totals[n]! + k;
    // The hypotheses are too short for this order: the rest stay 0, so without effectiveOrder BLEU is 0.
    if (total === 0) break;
    if (s.effectiveOrder) orders = n + 1;
    if (correct > 0) precisions[n] = (100 * correct) / total;
    else if (s.smooth === 'exp') {
      unmatched *= 2;
      precisions[n] = 100 / (unmatched * total);
    } else if (s.smooth === 'floor') precisions[n] = (100 * s.smoothValue) / total;
  }
  const used = precisions.slice(0, orders);
  // A zero precision makes the geometric mean 0 (sacreBLEU floors its log to −9999999999, the same after exp).
  if (used.some((p) => p === 0)) return result;
  result.score = brevityPenalty * Math.exp(used.reduce((sum, p) => sum + Math.log(p), 0) / orders);
  return result;
}

/**
 * Corpus BLEU as `sacrebleu.corpus_bleu(hypotheses, streams)` with its defaults: '13a' tokens, 4-grams,
 * exp smoothing, no effective order, the closest reference length. `references` is one stream (a
 * reference per hypothesis) or sacreBLEU's array of streams, `references[k][i]` reference k of hypothesis i.
 */
export function corpusBleu(hypotheses: readonly string[], references: ReferenceStreams, options?: BleuOptions): BleuScore {
  const s = settings('corpusBleu', options, false);
  const segments = referencesBySegment('corpusBleu', hypotheses, references);
  return bleu(segments.hypotheses, segments.references, s);
}

/** BLEU of one hypothesis against one or more references, as `sacrebleu.sentence_bleu` (effective order on by default). */
export function sentenceBleu(hypothesis: string, references: string | readonly string[], options?: BleuOptions): BleuScore {
  const op = 'sentenceBleu';
  const s = settings(op, options, true);
  if (typeof hypothesis !== 'string') throw new ArgumentError(`${op}: hypothesis must be a string, got ${describeValue(hypothesis)}`);
  const refs = typeof references === 'string' ? [references] : references;
  if (!Array.isArray(refs) || refs.length === 0)
    throw new ArgumentError(`${op}: references must be a string or a non-empty array of strings, got ${describeValue(references)}`);
  refs.forEach((r, k) => {
    if (typeof r !== 'string') throw new ArgumentError(`${op}: references[${k}] must be a string, got ${describeValue(r)}`);
  });
  return bleu([hypothesis], [refs], s);
}
