// Compatibility with Hugging Face. Tokenizers trained here on the Kant text, saved as
// tokenizer.json, give exactly the ids that @huggingface/tokenizers (Tokenizers.js) gives loading the
// same file, for every line of the Kant text and every CoLA sentence: byte-level BPE (KantaiBERT),
// uncased and cased WordPiece. The BPE trainer's merges are those of Hugging Face's Rust trainer.
import { createHash } from 'node:crypto';
import { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';
import { beforeAll, describe, expect, test } from 'vitest';
import { type BpeModel, type Tokenizer, readTokenizerJson, splitGpt2, trainByteLevelBpe, trainWordPiece, writeTokenizerJson } from '../../src/index.js';
import { Rng } from '../harness/cases.js';
import { colaSentences, dataSkipReason, kantLines } from './data.js';

if (dataSkipReason) console.warn(`test/tokenizers/hf-oracle: SKIPPED, ${dataSkipReason}`);

// Hugging Face's ByteLevelBPETokenizer (tokenizers 0.23.2, Rust) trained on the same lines (each with
// its "\n", as training from the file reads them), vocab_size 52000, min_frequency 2, RoBERTa's
// special tokens: it stops early at 8450 tokens with 8189 merges; sha256 of its merges, one "a b" a line.
const HF_BPE_MERGES = 8189;
const HF_BPE_VOCAB = 8450;
const HF_BPE_MERGES_SHA256 = '40f3952225e7c869b954c7e6eb538f6a390d42daae4f4e11ab5354e8d341f187';
// Its BertWordPieceTokenizer (vocab_size 30522, min_frequency 2) stops at 7222 tokens uncased and 8056
// cased. Which tokens it keeps varies by a few between its own runs (it breaks count ties by ids
// that follow a hash map's order), so only the sizes are compared.
const HF_WORDPIECE_SIZE = { uncased: 7222, cased: 8056 };

/** Ids from both libraries for every text; the first few disagreements, to show when they differ. */
function compare(ours: Tokenizer, oracle: HfTokenizer, texts: string[], pair = false): { checked: number; tokens: number; mismatches: string[] } {
  const mismatches: string[] = [];
  let tokens = 0;
  texts.forEach((text, i) => {
    const next = pair ? texts[(i + 1) % texts.length]! : null;
    const a = ours.encode(text, next).ids;
    const b = oracle.encode(text, next === null ? {} : { text_pair: next }).ids;
    tokens += a.length;
    if (a.length !== b.length || a.some((id, k) => id !== b[k])) {
      if (mismatches.length < 5) mismatches.push(`${JSON.stringify(text.slice(0, 60))}: ours ${a.slice(0, 12).join(',')}… hf ${b.slice(0, 12).join(',')}…`);
    }
  });
  return { checked: texts.length, tokens, mismatches };
}

describe.skipIf(dataSkipReason !== '')('trained here, read by @huggingface/tokenizers: the same ids', () => {
  let kant: string[] = [];
  let cola: string[] = [];
  let sequences: string[] = [];
  beforeAll(() => {
    kant = kantLines();
    cola = colaSentences();
    sequences = kant.map((line) => `${line}\n`);
  });

  test("byte-level BPE (KantaiBERT: 52,000, min_frequency 2): the Rust trainer's merges, and HF's ids for every Kant line and CoLA sentence", () => {
    const trained = trainByteLevelBpe(sequences, { vocabSize: 52000, minFrequency: 2 });
    const model = trained.model as BpeModel;
    expect(model.merges.length).toBe(HF_BPE_MERGES);
    expect(trained.vocabSize).toBe(HF_BPE_VOCAB);
    const digest = createHash('sha256')
      .update(model.merges.map(([a, b]) => `${a} ${b}`).join('\n'))
      .digest('hex');
    expect(digest).toBe(HF_BPE_MERGES_SHA256);
    expect(model.merges.slice(0, 3)).toEqual([
      ['Ġ', 't'],
      ['Ġt', 'h'],
      ['Ġ', 'a'],
    ]);
    expect(trained.getVocab().get('<mask>')).toBe(4);

    const json = writeTokenizerJson(trained);
    const ours = readTokenizerJson(json);
    const oracle = new HfTokenizer(JSON.parse(json), {});
    const single = compare(ours, oracle, [...kant, ...cola]);
    expect(single.mismatches).toEqual([]);
    expect(single.checked).toBeGreaterThan(10_000);
    expect(single.tokens).toBeGreaterThan(250_000);
    // Pairs: <s> A </s></s> B </s> (Tokenizers.js sets B's type ids to 1 where Hugging Face's Rust sets 0; ids agree).
    expect(compare(ours, oracle, cola.slice(0, 2000), true).mismatches).toEqual([]);
  });

  for (const cased of [false, true]) {
    const name = cased ? 'cased' : 'uncased';
    test(`WordPiece, ${name} (30,522, min_frequency 2): HF's ids for every Kant line and CoLA sentence, single and paired`, () => {
      const trained = trainWordPiece(sequences, { vocabSize: 30522, minFrequency: 2, lowercase: !cased });
      expect(trained.vocabSize).toBe(HF_WORDPIECE_SIZE[name]);
      expect(trained.getVocab().get('[MASK]')).toBe(4);
      expect(trained.tokenToId('the')).toBeDefined();
      expect(trained.tokenToId('The') === undefined).toBe(!cased);

      const json = writeTokenizerJson(trained);
      const ours = readTokenizerJson(json);
      const oracle = new HfTokenizer(JSON.parse(json), {});
      const single = compare(ours, oracle, [...kant, ...cola]);
      expect(single.mismatches).toEqual([]);
      expect(single.tokens).toBeGreaterThan(250_000);
      expect(compare(ours, oracle, cola.slice(0, 2000), true).mismatches).toEqual([]);
      // Token type ids of a pair agree too (BERT: B and its [SEP] are 1).
      const a = ours.encode(cola[0]!, cola[1]!);
      const b = oracle.encode(cola[0]!, { text_pair: cola[1]!, return_token_type_ids: true });
      expect(a.typeIds).toEqual(b.token_type_ids);
      expect(a.tokens).toEqual(b.tokens);
    });
  }
});

describe('random Unicode, trained here, read by @huggingface/tokenizers: the same ids', () => {
  // Every kind of character except where the two Hugging Face libraries themselves differ and
  // shaderformer follows the Rust one: U+0085 and U+FEFF (whitespace or not), CJK ideographs beyond
  // U+FFFF (Tokenizers.js does not space them), a final capital sigma (lowercased per character: σ,
  // not ς), lone surrogates.
  const pools: string[][] = [
    [...'abcXYZ'],
    ['é', 'ß', 'ж', 'Ω', 'ñ', 'İ', 'Ä'],
    [...'0123', '٣', '²', 'Ⅻ'],
    [' ', ' ', ' ', '\t', '\n', '\r', '\u00a0', '\u3000', '\u2028', '\u000b'],
    [...'.,!?-\'"()[]<>$%&*+/\\@#^_`{|}~'],
    ["'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "'S"],
    ['\u0301', '\u0308', '\u0327', 'e\u0301'],
    ['中', '文', '字', '한', '글', 'の', 'カ'],
    ['😀', '👍🏽', '👨‍👩‍👧', '🇫🇷', '𝔘'],
    ['\u0000', '\u0001', '\u001f', '\u007f', '\u200b', '\u200d', '\ufffd'],
  ];
  const rng = new Rng(424242);
  const random = (length: number) => {
    let s = '';
    for (let i = 0; i < length; i++) {
      const pool = pools[Math.floor(rng.next() * pools.length)]!;
      s += pool[Math.floor(rng.next() * pool.length)]!;
    }
    return s;
  };
  const corpus = Array.from({ length: 400 }, () => random(40));
  const texts = Array.from({ length: 2000 }, () => random(1 + Math.floor(rng.next() * 24)));

  for (const [name, train] of [
    ['byte-level BPE', () => trainByteLevelBpe(corpus, { vocabSize: 2000 })],
    ['WordPiece uncased', () => trainWordPiece(corpus, { vocabSize: 2000 })],
    ['WordPiece cased', () => trainWordPiece(corpus, { vocabSize: 2000, lowercase: false })],
  ] as const) {
    test(`${name}: 2,000 random strings`, () => {
      const json = writeTokenizerJson(train());
      const result = compare(readTokenizerJson(json), new HfTokenizer(JSON.parse(json), {}), texts);
      expect(result.mismatches).toEqual([]);
      expect(result.tokens).toBeGreaterThan(10_000);
    });
  }

  test("where the libraries differ, shaderformer follows Hugging Face's Rust library", () => {
    const bert = trainWordPiece(['𠀀 中'], { vocabSize: 100, minFrequency: 1 });
    // U+20000 is a CJK ideograph: a word of its own (Tokenizers.js checks UTF-16 units and does not split it off).
    expect(bert.encode('a𠀀b', null, { addSpecialTokens: false }).offsets).toEqual([
      [0, 1],
      [1, 3],
      [3, 4],
    ]);
    // Lowercasing is per character: a final Σ becomes σ (JavaScript's toLowerCase on a string gives ς).
    expect(bert.normalizer!.normalizeString('ΣΑΣ')).toBe('σασ');
    // U+FEFF is not White_Space: it joins the run of other characters with the apostrophe (no "'s").
    const bounds: number[] = [];
    splitGpt2("a\ufeff's", 0, 4, bounds);
    expect(bounds).toEqual([0, 1, 1, 3, 3, 4]);
  });
});
