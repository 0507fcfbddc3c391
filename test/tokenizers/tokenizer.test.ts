// The Tokenizer on small hand-built vocabularies, worked by hand: BERT normalisation and offsets
// back into the original text, WordPiece splitting and [UNK], templates and token type ids, added
// tokens, batch padding and truncation, decoding, and argument checks.
import { describe, expect, test } from 'vitest';
import { TokenizerError, readTokenizerJson, readVocabAndMerges, readVocabTxt, trainWordPiece, writeTokenizerJson, type Tokenizer } from '../../src/index.js';

const BERT_VOCAB = [
  '[PAD]',
  '[UNK]',
  '[CLS]',
  '[SEP]',
  '[MASK]',
  'un',
  '##aff',
  '##able',
  'hello',
  'world',
  ',',
  '!',
  'the',
  '##s',
  'cafe',
  '中',
  '文',
  'a',
  '##a',
  '.',
  'don',
  "'",
  't',
].join('\n');
const uncased = readVocabTxt(BERT_VOCAB);

/** The source text of each token (offsets into `text`). */
const sources = (text: string, tokenizer: Tokenizer, pair?: string) => {
  const enc = tokenizer.encode(text, pair);
  return enc.offsets.map(([s, e], i) => (enc.sequenceIds[i] === 1 ? pair! : text).slice(s, e));
};

describe('WordPiece encoding (uncased BERT)', () => {
  test('lowercases, splits on punctuation, longest match first with ##, [CLS] … [SEP]; offsets into the original', () => {
    const text = 'UnAffable Hello,  WORLD!';
    const enc = uncased.encode(text);
    expect(enc.tokens).toEqual(['[CLS]', 'un', '##aff', '##able', 'hello', ',', 'world', '!', '[SEP]']);
    expect(enc.ids).toEqual([2, 5, 6, 7, 8, 10, 9, 11, 3]);
    expect(enc.offsets).toEqual([
      [0, 0],
      [0, 2],
      [2, 5],
      [5, 9],
      [10, 15],
      [15, 16],
      [18, 23],
      [23, 24],
      [0, 0],
    ]);
    expect(enc.typeIds).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(enc.attentionMask).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1]);
    expect(enc.specialTokensMask).toEqual([1, 0, 0, 0, 0, 0, 0, 0, 1]);
  });

  test('accents stripped (precomposed and combining), control characters dropped, offsets still point at the original', () => {
    expect(uncased.encode('Café', null, { addSpecialTokens: false }).tokens).toEqual(['cafe']);
    const decomposed = 'Cafe\u0301 hel\u0000lo';
    const enc = uncased.encode(decomposed, null, { addSpecialTokens: false });
    expect(enc.tokens).toEqual(['cafe', 'hello']);
    // A dropped character (the combining accent, U+0000) belongs to no token.
    expect(enc.offsets).toEqual([
      [0, 4],
      [6, 12],
    ]);
  });

  test('CJK ideographs become words of their own; a word with an unknown piece, or over 100 characters, is one [UNK]', () => {
    expect(uncased.encode('中文hello', null, { addSpecialTokens: false }).tokens).toEqual(['中', '文', 'hello']);
    expect(sources('x中文', uncased)).toEqual(['', 'x', '中', '文', '']);
    expect(uncased.encode('unxable worlds worldx', null, { addSpecialTokens: false }).tokens).toEqual(['[UNK]', 'world', '##s', '[UNK]']);
    expect(uncased.encode('the thes', null, { addSpecialTokens: false }).tokens).toEqual(['the', 'the', '##s']);
    expect(uncased.encode('a'.repeat(100), null, { addSpecialTokens: false }).tokens).toEqual(['a', ...Array(99).fill('##a')]);
    expect(uncased.encode('a'.repeat(101), null, { addSpecialTokens: false }).tokens).toEqual(['[UNK]']);
  });

  test('cased: no lowercasing, no accent stripping', () => {
    const cased = readVocabTxt(`${BERT_VOCAB}\nHello\nCafé`, { lowercase: false });
    expect(cased.encode('Hello hello Café', null, { addSpecialTokens: false }).tokens).toEqual(['Hello', 'hello', 'Café']);
  });

  test('pairs: [CLS] A [SEP] B [SEP], B and its [SEP] with token type 1; offsets of B into B', () => {
    const enc = uncased.encode('hello world', 'the cafe!');
    expect(enc.tokens).toEqual(['[CLS]', 'hello', 'world', '[SEP]', 'the', 'cafe', '!', '[SEP]']);
    expect(enc.typeIds).toEqual([0, 0, 0, 0, 1, 1, 1, 1]);
    expect(enc.sequenceIds).toEqual([-1, 0, 0, -1, 1, 1, 1, -1]);
    expect(sources('hello world', uncased, 'the cafe!')).toEqual(['', 'hello', 'world', '', 'the', 'cafe', '!', '']);
  });

  test('special-token text in the input is that token', () => {
    const enc = uncased.encode('hello [MASK] world', null, { addSpecialTokens: false });
    expect(enc.tokens).toEqual(['hello', '[MASK]', 'world']);
    expect(enc.offsets[1]).toEqual([6, 12]);
  });

  test('decode joins ## pieces, cleans up spaces before punctuation, skips special tokens unless asked', () => {
    const ids = uncased.encode("UnAffable hello, world! don't.").ids;
    // Hugging Face's decoder cleans up each token on its own, so "don ' t" keeps its spaces.
    expect(uncased.decode(ids)).toBe("unaffable hello, world! don ' t.");
    expect(uncased.decode(ids, { skipSpecialTokens: false })).toBe("[CLS] unaffable hello, world! don ' t. [SEP]");
    expect(uncased.decodeBatch([[8], [9, 11]])).toEqual(['hello', 'world!']);
  });
});

describe('byte-level BPE templates (RoBERTa)', () => {
  const vocab = JSON.stringify({ '<s>': 0, '<pad>': 1, '</s>': 2, '<unk>': 3, '<mask>': 4, a: 5, b: 6, Ġ: 7, Ġa: 8, ab: 9 });
  const roberta = readVocabAndMerges(vocab, '#version: 0.2\nĠ a\na b\n');
  test('<s> A </s></s> B </s>, every type id 0; offsets trimmed of the leading space', () => {
    const enc = roberta.encode('ab a', 'b');
    expect(enc.tokens).toEqual(['<s>', 'ab', 'Ġa', '</s>', '</s>', 'b', '</s>']);
    expect(enc.typeIds).toEqual([0, 0, 0, 0, 0, 0, 0]);
    expect(enc.offsets).toEqual([
      [0, 0],
      [0, 2],
      [3, 4],
      [0, 0],
      [0, 0],
      [0, 1],
      [0, 0],
    ]);
  });
  test('addPrefixSpace: text gets a leading space that belongs to no character', () => {
    const prefixed = readVocabAndMerges(vocab, '#version: 0.2\nĠ a\na b\n', { addPrefixSpace: true });
    const enc = prefixed.encode('a', null, { addSpecialTokens: false });
    expect(enc.tokens).toEqual(['Ġa']);
    expect(enc.offsets).toEqual([[0, 1]]);
    expect(prefixed.decode(enc.ids)).toBe(' a');
  });
});

describe('encodeBatch: padding and truncation', () => {
  const texts = ['hello', 'hello world the cafe', 'un'];
  test('pads to the longest with [PAD] (mask 0, special 1), or to a fixed length, a multiple, on the left', () => {
    const batch = uncased.encodeBatch(texts, { padding: {} });
    expect(batch.map((e) => e.ids.length)).toEqual([6, 6, 6]);
    expect(batch[0]!.ids).toEqual([2, 8, 3, 0, 0, 0]);
    expect(batch[0]!.attentionMask).toEqual([1, 1, 1, 0, 0, 0]);
    expect(batch[0]!.specialTokensMask).toEqual([1, 0, 1, 1, 1, 1]);
    expect(batch[0]!.tokens.slice(3)).toEqual(['[PAD]', '[PAD]', '[PAD]']);
    expect(uncased.encodeBatch(texts, { padding: { length: 8 } }).map((e) => e.ids.length)).toEqual([8, 8, 8]);
    expect(uncased.encodeBatch(texts, { padding: { padToMultipleOf: 4 } }).map((e) => e.ids.length)).toEqual([8, 8, 8]);
    const left = uncased.encodeBatch(['hello', 'hello world'], { padding: { direction: 'left' } });
    expect(left[0]!.ids).toEqual([0, 2, 8, 3]);
    expect(left[0]!.attentionMask).toEqual([0, 1, 1, 1]);
  });

  test('truncates to maxLength counting the special tokens; left or right; pairs longest first, only first, only second', () => {
    const long = 'hello world the cafe un';
    expect(uncased.encode(long, null, { truncation: { maxLength: 4 } }).tokens).toEqual(['[CLS]', 'hello', 'world', '[SEP]']);
    expect(uncased.encode(long, null, { truncation: { maxLength: 4, direction: 'left' } }).tokens).toEqual(['[CLS]', 'cafe', 'un', '[SEP]']);
    const pair = (strategy: 'longest_first' | 'only_first' | 'only_second', maxLength: number) =>
      uncased.encode(long, 'the cafe', { truncation: { maxLength, strategy } }).tokens;
    expect(pair('longest_first', 7)).toEqual(['[CLS]', 'hello', 'world', '[SEP]', 'the', 'cafe', '[SEP]']);
    expect(pair('longest_first', 6)).toEqual(['[CLS]', 'hello', 'world', '[SEP]', 'the', '[SEP]']);
    expect(pair('only_first', 7)).toEqual(['[CLS]', 'hello', 'world', '[SEP]', 'the', 'cafe', '[SEP]']);
    expect(pair('only_second', 9)).toEqual(['[CLS]', 'hello', 'world', 'the', 'cafe', 'un', '[SEP]', 'the', '[SEP]']);
    expect(() => pair('only_second', 5)).toThrow(/cannot truncate with 'only_second'/);
    expect(() => uncased.encode(long, null, { truncation: { maxLength: 1 } })).toThrow(/leaves no room for the 2 special tokens/);
    const batch = uncased.encodeBatch([long, 'un'], { truncation: { maxLength: 5 }, padding: {} });
    expect(batch.map((e) => e.ids.length)).toEqual([5, 5]);
  });

  test("the tokenizer's own truncation and padding apply unless the call overrides them", () => {
    const t = readVocabTxt(BERT_VOCAB);
    t.truncation = { maxLength: 3 };
    t.padding = { length: 5 };
    expect(t.encode('hello world').ids).toEqual([2, 8, 3]);
    expect(t.encodeBatch(['hello world']).map((e) => e.ids)).toEqual([[2, 8, 3, 0, 0]]);
    expect(t.encodeBatch(['hello world'], { truncation: null, padding: null }).map((e) => e.ids)).toEqual([[2, 8, 9, 3]]);
  });
});

describe('training a WordPiece tokenizer', () => {
  test('the vocabulary starts with the special tokens, then the alphabet, then ## pieces and merges; stops when no pair reaches min_frequency', () => {
    const t = trainWordPiece(['hug hugs hugging', 'hug pug pun bun', 'hugs hug'], { vocabSize: 100, minFrequency: 2 });
    const vocab = [...t.getVocab().keys()];
    expect(vocab.slice(0, 5)).toEqual(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']);
    expect(vocab.slice(5, 11)).toEqual(['b', 'g', 'h', 'i', 'n', 'p']);
    expect(vocab).toContain('##u');
    expect(vocab).toContain('hug');
    expect(t.vocabSize).toBeLessThan(100);
    expect(t.encode('hugs', null, { addSpecialTokens: false }).tokens).toEqual(['hugs']);
    // "p" only ever starts a word, so there is no "##p": a word needing one is [UNK].
    expect(t.encode('hugpun', null, { addSpecialTokens: false }).tokens).toEqual(['[UNK]']);
    expect(t.decode(t.encode('hugs pun bug').ids)).toBe('hugs pun bug');
  });
});

describe('arguments are checked', () => {
  test.each([
    ['encode text', () => uncased.encode(42 as unknown as string), /^Tokenizer\.encode: text must be a string, got 42$/],
    ['encode pair', () => uncased.encode('a', 7 as unknown as string), /^Tokenizer\.encode: pair must be a string/],
    [
      'batch item',
      () => uncased.encodeBatch(['a', ['b'] as unknown as [string, string]]),
      /^Tokenizer\.encodeBatch: inputs\[1\] must be a string or a \[text, pair\]/,
    ],
    ['decode id', () => uncased.decode([2, 999]), /^Tokenizer\.decode: ids\[1\] = 999 is not a token id \(the vocabulary has ids 0\.\.22\)$/],
    ['decode negative', () => uncased.decode([-1]), /ids\[0\] = -1 is not a token id/],
    ['truncation', () => uncased.encode('a', null, { truncation: { maxLength: -1 } }), /truncation maxLength must be an integer ≥ 0, got -1/],
    ['padding', () => uncased.encodeBatch(['a'], { padding: { length: 2.5 } }), /padding length must be 'longest' or an integer ≥ 0, got 2.5/],
    ['train texts', () => trainWordPiece('abc' as unknown as string[]), /^trainWordPiece: texts must be an iterable of strings/],
    ['train item', () => trainWordPiece(['a', 3 as unknown as string]), /^trainWordPiece: text 1 must be a string, got 3$/],
    ['train size', () => trainWordPiece(['a'], { vocabSize: 0 }), /^trainBpe: vocabSize must be an integer ≥ 1, got 0$/],
    ['train unk', () => trainWordPiece(['a'], { unkToken: '<unk>' }), /unkToken "<unk>" must be one of the special tokens/],
  ])('%s', (_name, call, message) => {
    expect(call).toThrow(TokenizerError);
    expect(call).toThrow(message);
  });
});

describe('added tokens from tokenizer.json: lstrip, rstrip, single_word, normalized', () => {
  const withAdded = (added: object[]) => {
    const json = JSON.parse(writeTokenizerJson(uncased));
    json.added_tokens.push(...added);
    return readTokenizerJson(JSON.stringify(json));
  };
  const token = (id: number, content: string, extra: object) => ({
    id,
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: false,
    ...extra,
  });

  test("lstrip / rstrip swallow the whitespace beside the token (RoBERTa's <mask> has lstrip)", () => {
    const t = withAdded([token(23, '<m>', { lstrip: true, special: true }), token(24, '<r>', { rstrip: true })]);
    const enc = t.encode('hello   <m> world <r>   cafe', null, { addSpecialTokens: false });
    expect(enc.tokens).toEqual(['hello', '<m>', 'world', '<r>', 'cafe']);
    expect(enc.offsets[1]).toEqual([8, 11]);
  });

  test('single_word: only between non-word characters', () => {
    const t = withAdded([token(23, 'afe', { single_word: true })]);
    expect(t.encode('cafe afe', null, { addSpecialTokens: false }).tokens).toEqual(['cafe', 'afe']);
  });

  test('normalized: matched in the normalised text, by its normalised form; offsets into the original', () => {
    const t = withAdded([token(23, 'HeLLo WoRLD', { normalized: true })]);
    const text = 'the HELLO world, Héllo World';
    const enc = t.encode(text, null, { addSpecialTokens: false });
    expect(enc.tokens).toEqual(['the', 'HeLLo WoRLD', ',', 'HeLLo WoRLD']);
    expect(enc.offsets.map(([s, e]) => text.slice(s, e))).toEqual(['the', 'HELLO world', ',', 'Héllo World']);
  });
});
