// corpusBleu, sentenceBleu, tokenize13a and corpusChrf against sacreBLEU 2.6.0: hand-worked cases (each
// also checked with the real sacreBLEU), the examples of sacreBLEU's README, and the Multi30k German
// validation set against a fixed corruption of itself, with figures the real sacreBLEU produced.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import { ArgumentError, type BleuScore, corpusBleu, corpusChrf, sentenceBleu, tokenize13a } from '../../src/index.js';
import { dataFile } from '../harness/data.js';

/** sacreBLEU's BLEUScore fields: score, precisions, bp, sys_len, ref_len, counts, totals. */
type Expected = [score: number, precisions: number[], bp: number, sysLen: number, refLen: number, counts: number[], totals: number[]];

function expectBleu(actual: BleuScore, [score, precisions, bp, sysLen, refLen, counts, totals]: Expected) {
  expect(actual.score).toBeCloseTo(score, 10);
  expect(actual.precisions).toHaveLength(precisions.length);
  actual.precisions.forEach((p, i) => expect(p).toBeCloseTo(precisions[i]!, 10));
  expect(actual.brevityPenalty).toBeCloseTo(bp, 12);
  expect([actual.sysLen, actual.refLen, actual.counts, actual.totals]).toEqual([sysLen, refLen, counts, totals]);
}

const MAT = 'the cat sat on the mat';

describe('corpusBleu by hand', () => {
  test('a perfect match is 100', () => {
    expectBleu(corpusBleu([MAT], [MAT]), [100, [100, 100, 100, 100], 1, 6, 6, [6, 5, 4, 3], [6, 5, 4, 3]]);
  });

  test('no 4-gram match: exp smoothing scores it 1/(2·4), so BLEU = 100·(6/7 · 4/6 · 2/5 · 1/8)^¼ = 100·35^−¼', () => {
    // Matches: 1-grams all but "down" (6/7); 2-grams the cat, cat sat, on the, the mat (4/6);
    // 3-grams the cat sat, on the mat (2/5); none of the four 4-grams. The hypothesis is longer: BP 1.
    const hyp = ['the cat sat down on the mat'];
    const stats: [number, number, number[], number[]] = [7, 6, [6, 4, 2, 0], [7, 6, 5, 4]];
    expectBleu(corpusBleu(hyp, [MAT]), [100 * 35 ** -0.25, [600 / 7, 400 / 6, 40, 12.5], 1, ...stats]);
    expect(corpusBleu(hyp, [MAT]).score).toBeCloseTo(41.11336169005196, 10); // sacreBLEU
    // The other smoothings: 'none' leaves the precision 0 and so BLEU 0; 'floor' scores it 0.1/4.
    expectBleu(corpusBleu(hyp, [MAT], { smoothMethod: 'none' }), [0, [600 / 7, 400 / 6, 40, 0], 1, ...stats]);
    expectBleu(corpusBleu(hyp, [MAT], { smoothMethod: 'floor' }), [27.494162035211286, [600 / 7, 400 / 6, 40, 2.5], 1, ...stats]);
    // 'add-k' adds 1 to the counts and totals of orders 2 to 4 (the stats reported stay unsmoothed).
    expectBleu(corpusBleu(hyp, [MAT], { smoothMethod: 'add-k' }), [49.74292207467276, [600 / 7, 500 / 7, 50, 20], 1, ...stats]);
  });

  test('the brevity penalty: 5 words against 6 is exp(1 − 6/5)', () => {
    const bp = Math.exp(1 - 6 / 5);
    expectBleu(corpusBleu(['the cat sat on the'], [MAT]), [100 * bp, [100, 100, 100, 100], bp, 5, 6, [5, 4, 3, 2], [5, 4, 3, 2]]);
  });

  test('an empty hypothesis scores 0 with BP 0; in a corpus it adds only its reference length', () => {
    expectBleu(corpusBleu([''], ['the cat']), [0, [0, 0, 0, 0], 0, 0, 2, [0, 0, 0, 0], [0, 0, 0, 0]]);
    const bp = Math.exp(1 - 8 / 6);
    expectBleu(corpusBleu([MAT, ''], [MAT, 'a b']), [100 * bp, [100, 100, 100, 100], bp, 6, 8, [6, 5, 4, 3], [6, 5, 4, 3]]);
  });

  test('a hypothesis without 4-grams: corpus BLEU is 0; with effective order (sentenceBleu) it is 100·BP', () => {
    const stats: [number, number, number[], number[]] = [3, 6, [3, 2, 1, 0], [3, 2, 1, 0]];
    expectBleu(corpusBleu(['the cat sat'], [MAT]), [0, [100, 100, 100, 0], Math.exp(-1), ...stats]);
    expectBleu(corpusBleu(['the cat sat'], [MAT], { effectiveOrder: true }), [100 * Math.exp(-1), [100, 100, 100, 0], Math.exp(-1), ...stats]);
    expectBleu(sentenceBleu('the cat sat', MAT), [100 * Math.exp(-1), [100, 100, 100, 0], Math.exp(-1), ...stats]);
  });

  test('matches are clipped to the most any one reference holds (Papineni et al.: 2 of 7 "the")', () => {
    const refs = [['the cat is on the mat'], ['there is a cat on the mat']];
    // p1 = 2/7; orders 2–4 have no match and are smoothed 1/(2·6), 1/(4·5), 1/(8·4); the closest reference has 7 words.
    const score = 100 * (2 / 7 / 12 / 20 / 32) ** 0.25;
    expectBleu(corpusBleu(['the the the the the the the'], refs), [score, [200 / 7, 100 / 12, 5, 3.125], 1, 7, 7, [2, 0, 0, 0], [7, 6, 5, 4]]);
  });

  test('the closest reference length, the shorter on a tie', () => {
    expect(corpusBleu(['a b c d e'], [['a b c d'], ['a b c d e f']]).refLen).toBe(4);
    expect(corpusBleu(['a b c d e'], [['a b c d e f g'], ['a b c']]).refLen).toBe(3);
    expect(corpusBleu(['a b c d e'], [['a b c d e f g'], ['a b c d e f']]).refLen).toBe(6);
  });

  test('tokenize and lowercase: "The cat sat." against "the cat sat ."', () => {
    // 13a splits the period off; the capital T misses one 1-gram, one 2-gram, one 3-gram and the only 4-gram.
    expectBleu(corpusBleu(['The cat sat.'], ['the cat sat .']), [59.460355750136046, [75, 200 / 3, 50, 50], 1, 4, 4, [3, 2, 1, 0], [4, 3, 2, 1]]);
    expect(corpusBleu(['The cat sat.'], ['the cat sat .'], { lowercase: true }).score).toBeCloseTo(100, 10);
    // 'none' keeps "sat." whole: 3 words against 4, no 4-gram, BLEU 0.
    const bp = Math.exp(1 - 4 / 3);
    expectBleu(corpusBleu(['The cat sat.'], ['the cat sat .'], { tokenize: 'none' }), [0, [100 / 3, 25, 25, 0], bp, 3, 4, [1, 0, 0, 0], [3, 2, 1, 0]]);
  });
});

describe("sacreBLEU's README examples", () => {
  const refs = [
    ['The dog bit the man.', 'It was not unexpected.', 'The man bit him first.'],
    ['The dog had bit the man.', 'No one was surprised.', 'The man had bitten the dog.'],
  ];
  const sys = ['The dog bit the man.', "It wasn't surprising.", 'The man had just bitten him.'];

  test('BLEU = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18), chrF2 = 59.73', () => {
    expectBleu(corpusBleu(sys, refs), [
      48.530827009929865,
      [82.3529411764706, 50, 45.45454545454545, 37.5],
      0.9428731438548749,
      17,
      18,
      [14, 7, 5, 3],
      [17, 14, 11, 8],
    ]);
    expect(corpusChrf(sys, refs)).toEqual({ score: expect.closeTo(59.72751782684763, 10), charOrder: 6, wordOrder: 0, beta: 2 });
    expect(corpusChrf(sys, refs, { wordOrder: 2 }).score).toBeCloseTo(59.15310444399262, 10); // chrF2++
  });

  test('a variable number of references (None there, null here): BLEU = 29.44, chrF2 = 51.70', () => {
    const variable = [[null, ...refs[0]!.slice(1)], refs[1]!];
    const bleu = corpusBleu(sys, variable);
    expect(bleu.score).toBeCloseTo(29.443657650964873, 10);
    expect(bleu.precisions.map((p) => p.toFixed(1))).toEqual(['82.4', '42.9', '27.3', '12.5']);
    expect([bleu.brevityPenalty.toFixed(3), bleu.sysLen, bleu.refLen]).toEqual(['0.889', 17, 19]);
    expect(corpusChrf(sys, variable).score).toBeCloseTo(51.70106133373036, 10);
  });
});

describe('tokenize13a (outputs of sacreBLEU’s Tokenizer13a)', () => {
  test.each([
    ['Hello, world!', 'Hello , world !'],
    ['  trailing  ', 'trailing'],
    // Entities are decoded, once and in mteval's order.
    ['&quot;Hi&quot; &amp; &lt;b&gt;', '" Hi " & < b >'],
    ['&amp;quot;', '& quot ;'],
    // Periods and commas stay between digits; a hyphen splits only after a digit.
    ['1,000.5 and 3.14, or 2-3 well-known e-mail', '1,000.5 and 3.14 , or 2 - 3 well-known e-mail'],
    ['Grün-weiß, 3- 4 -5 a-1 1-a', 'Grün-weiß , 3 - 4 -5 a-1 1 - a'],
    ["It's the U.S.A. (really).", "It's the U . S . A . ( really ) ."],
    [
      '$5.00 {x} [y] ~z `q` a/b a:b a;b a?b a@b a#b a%b a^b a_b a|b a=b a+b a*b a\\b',
      '$ 5.00 { x } [ y ] ~ z ` q ` a / b a : b a ; b a ? b a @ b a # b a % b a ^ b a _ b a | b a = b a + b a * b a \\ b',
    ],
    // <skipped> goes, a hyphen at a line end joins the lines, other newlines are spaces.
    ['inter-\nnational\nline <skipped>end', 'international line end'],
    // Python's white space: no-break and ideographic spaces and U+001C split; U+FEFF does not.
    ['a\u00a0b\u3000c\x1cd a\ufeffb', 'a b c d a\ufeffb'],
  ])('%j → %j', (line, tokens) => {
    expect(tokenize13a(line)).toBe(tokens);
  });
});

describe('corpusChrf by hand', () => {
  test('identical → 100, empty hypothesis → 0', () => {
    expect(corpusChrf([MAT], [MAT]).score).toBeCloseTo(100, 12);
    expect(corpusChrf([''], ['the cat']).score).toBe(0);
  });

  test('"abc" against "abd": orders 1–3 only (the others have no n-gram), P = R = (2/3 + 1/2 + 0)/3 = 7/18', () => {
    expect(corpusChrf(['abc'], ['abd']).score).toBeCloseTo((100 * 7) / 18, 12);
  });
});

const VAL = dataFile('multi30k/val.de.gz');
if (!VAL.present) console.warn(`test/metrics/bleu: skipping the Multi30k comparison with sacreBLEU: ${VAL.missing}`);

/** A fixed corruption of reference line i: some lines emptied, words dropped, swapped, rotated, lowercased. */
function corrupt(i: number, line: string): string {
  if (i % 50 === 7) return '';
  let w = line.split(' ');
  if (i % 3 === 0 && w.length > 3) w.splice(i % w.length, 1);
  if (i % 4 === 1 && w.length > 2) {
    const j = i % (w.length - 1);
    [w[j], w[j + 1]] = [w[j + 1]!, w[j]!];
  }
  if (i % 5 === 2 && w.length > 1) w.pop();
  if (i % 7 === 3) w = [...w.slice(1), ...w.slice(0, 1)];
  return i % 11 === 4 ? w.join(' ').toLowerCase() : w.join(' ');
}

// The expected figures are sacreBLEU 2.6.0's, printed by this script run from the repository root
// (its corrupt() is the one above):
//   import gzip, sacrebleu
//   refs = gzip.open('../shared/data/multi30k/val.de.gz', 'rt', encoding='utf-8').read().split('\n')[:-1]
//   def corrupt(i, line):
//       if i % 50 == 7: return ''
//       w = line.split(' ')
//       if i % 3 == 0 and len(w) > 3: del w[i % len(w)]
//       if i % 4 == 1 and len(w) > 2: j = i % (len(w) - 1); w[j], w[j + 1] = w[j + 1], w[j]
//       if i % 5 == 2 and len(w) > 1: w.pop()
//       if i % 7 == 3: w = w[1:] + w[:1]
//       return ' '.join(w).lower() if i % 11 == 4 else ' '.join(w)
//   hyps = [corrupt(i, r) for i, r in enumerate(refs)]
//   second = [None if i % 10 == 0 else hyps[i] if i % 10 == 5 else ' '.join(r.split(' ')[1:] if i % 2 == 0 else r.split(' ')[:-1]) for i, r in enumerate(refs)]
//   def show(b): print(repr(b.score), b.precisions, repr(b.bp), b.sys_len, b.ref_len, b.counts, b.totals)
//   show(sacrebleu.corpus_bleu(hyps, [refs]))
//   show(sacrebleu.corpus_bleu(hyps, [refs], tokenize='none'))
//   show(sacrebleu.corpus_bleu(hyps, [refs], lowercase=True))
//   show(sacrebleu.corpus_bleu(hyps, [refs, second]))
//   print(repr(sacrebleu.corpus_chrf(hyps, [refs]).score), repr(sacrebleu.corpus_chrf(hyps, [refs], word_order=2).score), repr(sacrebleu.corpus_chrf(hyps, [refs, second]).score))
//   print([sacrebleu.sentence_bleu(hyps[i], [refs[i]]).score for i in range(1, 6)])
describe.skipIf(!VAL.present)('Multi30k val.de against a corruption of itself (figures from sacreBLEU 2.6.0)', () => {
  const refs = VAL.present ? gunzipSync(readFileSync(VAL.path)).toString('utf8').split('\n').slice(0, -1) : [];
  const hyps = refs.map((line, i) => corrupt(i, line));
  const second = refs.map((line, i) => {
    if (i % 10 === 0) return null;
    if (i % 10 === 5) return hyps[i]!;
    return (i % 2 === 0 ? line.split(' ').slice(1) : line.split(' ').slice(0, -1)).join(' ');
  });

  test('1,014 lines; corpus BLEU with the defaults, with tokenize none, lowercased', () => {
    expect(refs).toHaveLength(1014);
    expectBleu(corpusBleu(hyps, refs), [
      76.39244048744814,
      [96.70646007958682, 85.09890922536513, 78.80916030534351, 74.02626811594203],
      0.917729887638138,
      11811,
      12825,
      [11422, 9206, 7743, 6538],
      [11811, 10818, 9825, 8832],
    ]);
    expectBleu(corpusBleu(hyps, refs, { tokenize: 'none' }), [
      76.56673561785804,
      [96.39113090268114, 83.98732883711425, 77.80052314340954, 73.12820512820512],
      0.9294168943734499,
      10779,
      11568,
      [10390, 8219, 6841, 5704],
      [10779, 9786, 8793, 7800],
    ]);
    expectBleu(corpusBleu(hyps, refs, { lowercase: true }), [
      81.58995658973477,
      [100, 90.26622296173045, 85.39440203562341, 81.0461956521739],
      0.917729887638138,
      11811,
      12825,
      [11811, 9765, 8390, 7158],
      [11811, 10818, 9825, 8832],
    ]);
  });

  test('two reference streams, the second with nulls', () => {
    expectBleu(corpusBleu(hyps, [refs, second]), [
      83.0835691753953,
      [97.09592752518839, 87.30819005361434, 81.92366412213741, 77.95516304347827],
      0.9685846495947151,
      11811,
      12188,
      [11468, 9445, 8049, 6885],
      [11811, 10818, 9825, 8832],
    ]);
  });

  test('chrF2, chrF2++ and two-stream chrF2; sentence BLEU of lines 1–5', () => {
    expect(corpusChrf(hyps, refs).score).toBeCloseTo(88.22671203809034, 10);
    expect(corpusChrf(hyps, refs, { wordOrder: 2 }).score).toBeCloseTo(87.39063455213284, 10);
    expect(corpusChrf(hyps, [refs, second]).score).toBeCloseTo(90.63079061824769, 10);
    const sentences = [1, 2, 3, 4, 5].map((i) => sentenceBleu(hyps[i]!, refs[i]!).score);
    [73.48889200874659, 80.07374029168083, 65.68934426718101, 44.219732271776664, 85.94621473750287].forEach((s, k) => expect(sentences[k]).toBeCloseTo(s, 10));
  });
});

describe('argument errors', () => {
  test('lengths, shapes and entries name the function and the bad value', () => {
    expect(() => corpusBleu(['a', 'b'], ['a'])).toThrow(ArgumentError);
    expect(() => corpusBleu(['a', 'b'], ['a'])).toThrow(/^corpusBleu: references has 1 entries but hypotheses has 2/);
    expect(() => corpusBleu(['a'], [['a'], ['a', 'b']])).toThrow(/^corpusBleu: references\[1\] has 2 entries but hypotheses has 1/);
    expect(() => corpusBleu(['a', 3 as never], ['a', 'b'])).toThrow(/^corpusBleu: hypotheses\[1\] must be a string, got number 3/);
    expect(() => corpusBleu(['a'], [undefined as never])).toThrow(/^corpusBleu: references\[0\] must be a string, got undefined/);
    expect(() => corpusBleu(['a'], [null as never])).toThrow(/^corpusBleu: references\[0\] must be a string, got null/);
    expect(() => corpusBleu(['a'], [['a'], [7 as never]])).toThrow(/^corpusBleu: references\[1\]\[0\] must be a string or null, got number 7/);
    expect(() => corpusBleu(['a'], [[null], [null]])).toThrow(/^corpusBleu: hypothesis 0 has no reference/);
    expect(() => corpusBleu(['a'], ['a', ['a']] as never)).toThrow(/^corpusBleu: references mixes strings and arrays/);
    expect(() => corpusBleu([], [])).toThrow(/^corpusBleu: hypotheses is empty/);
    expect(() => corpusBleu('a' as never, ['a'])).toThrow(/^corpusBleu: hypotheses must be an array of strings, got string "a"/);
    expect(() => corpusBleu(['a'], 'a' as never)).toThrow(/^corpusBleu: references must be an array/);
    expect(() => corpusChrf(['a', 'b'], ['a'])).toThrow(/^corpusChrf: references has 1 entries but hypotheses has 2/);
    expect(() => sentenceBleu(1 as never, 'a')).toThrow(/^sentenceBleu: hypothesis must be a string, got number 1/);
    expect(() => sentenceBleu('a', [])).toThrow(/^sentenceBleu: references must be a string or a non-empty array of strings/);
    expect(() => tokenize13a(null as never)).toThrow(/^tokenize13a: line must be a string, got null/);
  });

  test('options', () => {
    expect(() => corpusBleu(['a'], ['a'], { tokenize: 'intl' as never })).toThrow(/^corpusBleu: tokenize must be '13a' or 'none', got string "intl"/);
    expect(() => corpusBleu(['a'], ['a'], { smoothMethod: 'nist' as never })).toThrow(/^corpusBleu: smoothMethod must be one of exp, floor, add-k, none/);
    expect(() => corpusBleu(['a'], ['a'], { maxNgramOrder: 0 })).toThrow(/^corpusBleu: maxNgramOrder must be an integer in \[1, 1000\], got number 0/);
    expect(() => corpusBleu(['a'], ['a'], { smoothValue: -1 })).toThrow(/^corpusBleu: smoothValue must be a finite number ≥ 0, got number -1/);
    expect(() => corpusBleu(['a'], ['a'], { lowercase: 'yes' as never })).toThrow(/^corpusBleu: lowercase must be true or false/);
    expect(() => corpusBleu(['a'], ['a'], 4 as never)).toThrow(/^corpusBleu: options must be an object, got number 4/);
    expect(() => corpusChrf(['a'], ['a'], { beta: 0 })).toThrow(/^corpusChrf: beta must be a finite number > 0, got number 0/);
    expect(() => corpusChrf(['a'], ['a'], { charOrder: 0 })).toThrow(/^corpusChrf: charOrder and wordOrder are both 0/);
  });
});
