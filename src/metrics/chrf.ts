// chrF (Popović 2015) and chrF++ (Popović 2017) as sacreBLEU 2.x computes them: `corpusChrf(hyps, refs)`
// is `sacrebleu.corpus_chrf(hyps, [refs])` with its defaults (chrF2: character n-grams up to 6 with
// white space removed, no word n-grams, β = 2). Written from the definitions; the figures in
// test/metrics/bleu.test.ts come from the real sacreBLEU.
import { ArgumentError, describeValue } from '../errors.js';
import { checkBoolean, checkInt, checkOptions, countNgrams, type ReferenceStreams, referencesBySegment, splitWords } from './segments.js';

/** Options of `corpusChrf`, named after sacreBLEU's `CHRF(...)` arguments; each defaults as there. */
export interface ChrfOptions {
  /** The longest character n-gram; 6 by default. */
  charOrder?: number;
  /** The longest word n-gram; 0 by default (chrF), 2 for chrF++. */
  wordOrder?: number;
  /** How many times recall weighs more than precision; 2 by default. */
  beta?: number;
  /** Lowercase hypotheses and references first (`toLowerCase`); false by default. */
  lowercase?: boolean;
  /** Keep white space in the character n-grams; false by default (it is removed first). */
  whitespace?: boolean;
}

/** A chrF score, in percent (0 to 100, not rounded), with the settings that name it (chrF2, chrF2++). */
export interface ChrfScore {
  score: number;
  charOrder: number;
  wordOrder: number;
  beta: number;
}

interface Settings {
  charOrder: number;
  wordOrder: number;
  beta: number;
  lowercase: boolean;
  whitespace: boolean;
}

const PUNCTUATION = new Set('!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~');

/** Words for chrF++'s word n-grams: one ASCII punctuation mark split off a word's end, or else its start. */
function chrfWords(line: string): string[] {
  return splitWords(line).flatMap((w) => {
    if (w.length === 1) return [w];
    // One mark only, the end first, as chrF++: "(hi)" gives "(hi" and ")".
    if (PUNCTUATION.has(w.at(-1)!)) return [w.slice(0, -1), w.at(-1)!];
    if (PUNCTUATION.has(w[0]!)) return [w[0]!, w.slice(1)];
    return [w];
  });
}

/** The n-gram counts of a segment, character orders first, then word orders. */
function ngrams(line: string, s: Settings): Map<string, number>[] {
  const text = s.lowercase ? line.toLowerCase() : line;
  // Characters are code points, as Python indexes strings, so a character outside the BMP is one.
  const chars = Array.from(s.whitespace ? text : splitWords(text).join(''));
  const words = s.wordOrder > 0 ? chrfWords(text) : [];
  return [...countNgrams(chars, s.charOrder, ''), ...countNgrams(words, s.wordOrder, ' ')];
}

/** F-beta of the precisions and recalls averaged over the orders both sides have n-grams of; in percent. */
function fScore(stats: readonly number[], beta: number): number {
  let precision = 0;
  let recall = 0;
  let orders = 0;
  for (let i = 0; i < stats.length; i += 3) {
    const [hyp, ref, match] = [stats[i]!, stats[i + 1]!, stats[i + 2]!];
    if (hyp > 0 && ref > 0) {
      precision += match / hyp;
      recall += match / ref;
      orders++;
    }
  }
  if (orders === 0) return 0;
  precision /= orders;
  recall /= orders;
  if (precision + recall === 0) return 0;
  const b2 = beta ** 2;
  return 100 * (((1 + b2) * precision * recall) / (b2 * precision + recall));
}

/** Per order: hypothesis n-grams (0 when the reference has none of that order), reference n-grams, matches. */
function matchStatistics(hyp: readonly Map<string, number>[], ref: readonly Map<string, number>[]): number[] {
  return hyp.flatMap((h, n) => {
    const r = ref[n]!;
    let hypCount = 0;
    let match = 0;
    for (const [gram, c] of h) {
      hypCount += c;
      match += Math.min(c, r.get(gram) ?? 0);
    }
    let refCount = 0;
    for (const c of r.values()) refCount += c;
    return [r.size > 0 ? hypCount : 0, refCount, match];
  });
}

/**
 * Corpus chrF as `sacrebleu.corpus_chrf(hypotheses, streams)` with its defaults (chrF2): statistics summed
 * over segments, each taken against the reference with the best segment score. `references` is one stream
 * or sacreBLEU's array of streams, `references[k][i]` reference k of hypothesis i.
 */
export function corpusChrf(hypotheses: readonly string[], references: ReferenceStreams, options?: ChrfOptions): ChrfScore {
  const op = 'corpusChrf';
  const o = checkOptions(op, options);
  const beta = o.beta ?? 2;
  if (typeof beta !== 'number' || !Number.isFinite(beta) || beta <= 0)
    throw new ArgumentError(`${op}: beta must be a finite number > 0, got ${describeValue(beta)}`);
  const s: Settings = {
    charOrder: checkInt(op, 'charOrder', o.charOrder, 0, 1000, 6),
    wordOrder: checkInt(op, 'wordOrder', o.wordOrder, 0, 1000, 0),
    beta,
    lowercase: checkBoolean(op, 'lowercase', o.lowercase, false),
    whitespace: checkBoolean(op, 'whitespace', o.whitespace, false),
  };
  if (s.charOrder + s.wordOrder === 0) throw new ArgumentError(`${op}: charOrder and wordOrder are both 0; there is nothing to count`);
  const segments = referencesBySegment(op, hypotheses, references);
  const total = new Array<number>(3 * (s.charOrder + s.wordOrder)).fill(0);
  segments.hypotheses.forEach((hypothesis, i) => {
    const hyp = ngrams(hypothesis, s);
    let best: number[] = [];
    let bestScore = -1;
    // The first reference with the highest segment score wins.
    for (const reference of segments.references[i]!) {
      const stats = matchStatistics(hyp, ngrams(reference, s));
      const score = fScore(stats, s.beta);
      if (score > bestScore) [best, bestScore] = [stats, score];
    }
    best.forEach((x, j) => {
      total[j]! += x;
    });
  });
  return { score: fScore(total, s.beta), charOrder: s.charOrder, wordOrder: s.wordOrder, beta: s.beta };
}
