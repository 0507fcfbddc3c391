// Hugging Face's files: tokenizer.json, vocab.txt, vocab.json + merges.txt written and read back
// (same file, same ids), and malformed files (missing fields, wrong types, huge or negative ids,
// unknown types, bad bytes) rejected with an error that names the field.
import { describe, expect, test } from 'vitest';
import {
  TokenizerError,
  readTokenizerJson,
  readVocabAndMerges,
  readVocabTxt,
  trainByteLevelBpe,
  trainWordPiece,
  writeMergesTxt,
  writeTokenizerJson,
  writeVocabJson,
  writeVocabTxt,
} from '../../src/index.js';

const corpus = [
  'The critique of pure reason examines the limits of reason itself.',
  'Space and time are the pure forms of sensible intuition; reason is not.',
  "It's the understanding's work to think objects, Émile said — naïvely.",
  'Numbers like 1781 and 1787 mark the two editions: 中文 too.',
];
const texts = [...corpus, 'An unseen sentence about reasoning, 42 times!', '  leading spaces\tand\ttabs\n'];
const lines = Array.from({ length: 30 }, (_, i) => corpus[i % corpus.length]!);
const bpe = trainByteLevelBpe(lines, { vocabSize: 400 });
const wordPiece = trainWordPiece(lines, { vocabSize: 300 });

const ids = (t: { encode(s: string, p?: string | null): { ids: number[] } }) => texts.map((s, i) => t.encode(s, texts[(i + 1) % texts.length]).ids);

describe('written and read back', () => {
  test('tokenizer.json: the same file again, the same ids (BPE and WordPiece), from a string or UTF-8 bytes', () => {
    for (const t of [bpe, wordPiece]) {
      const json = writeTokenizerJson(t);
      const back = readTokenizerJson(json);
      expect(writeTokenizerJson(back)).toBe(json);
      expect(ids(back)).toEqual(ids(t));
      expect(ids(readTokenizerJson(new TextEncoder().encode(json)))).toEqual(ids(t));
    }
    const parsed = JSON.parse(writeTokenizerJson(bpe));
    expect(parsed.model.type).toBe('BPE');
    expect(parsed.post_processor).toEqual({ type: 'RobertaProcessing', sep: ['</s>', 2], cls: ['<s>', 0], trim_offsets: true, add_prefix_space: false });
    expect(parsed.added_tokens[4]).toEqual({ id: 4, content: '<mask>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
    // The vocabulary is written in id order, digits included (a plain object would put "0"… first).
    const text = writeTokenizerJson(wordPiece);
    expect(text).toContain('"vocab": {\n      "[PAD]": 0,\n      "[UNK]": 1,');
    expect(text.indexOf('"[MASK]": 4')).toBeLessThan(text.indexOf('"1": '));
    expect(Object.keys(parsed.model.vocab).length).toBe(bpe.vocabSize);
  });

  test('truncation and padding settings survive the file', () => {
    const t = readTokenizerJson(writeTokenizerJson(wordPiece));
    t.truncation = { maxLength: 8, strategy: 'only_first', direction: 'left' };
    t.padding = { length: 10, padToMultipleOf: 4, direction: 'left' };
    const back = readTokenizerJson(writeTokenizerJson(t));
    expect(back.truncation).toEqual(t.truncation);
    expect(back.padding).toMatchObject({ length: 10, padToMultipleOf: 4, direction: 'left', padId: 0, padToken: '[PAD]' });
    expect(back.encodeBatch(texts).map((e) => e.ids)).toEqual(t.encodeBatch(texts).map((e) => e.ids));
  });

  test('vocab.txt (BERT): same ids', () => {
    const txt = writeVocabTxt(wordPiece);
    expect(txt.split('\n').slice(0, 5)).toEqual(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']);
    const back = readVocabTxt(txt);
    expect(ids(back)).toEqual(ids(wordPiece));
    expect(writeVocabTxt(back)).toBe(txt);
  });

  test('vocab.json + merges.txt (GPT-2/RoBERTa): same ids', () => {
    const merges = writeMergesTxt(bpe);
    expect(merges.startsWith('#version: 0.2\n')).toBe(true);
    const back = readVocabAndMerges(writeVocabJson(bpe), merges);
    expect(ids(back)).toEqual(ids(bpe));
    expect(writeMergesTxt(back)).toBe(merges);
    expect(() => writeMergesTxt(wordPiece)).toThrow(/not a BPE tokenizer/);
  });
});

describe('malformed files are clear errors', () => {
  const good = JSON.parse(writeTokenizerJson(wordPiece));
  const goodBpe = JSON.parse(writeTokenizerJson(bpe));
  /** A copy of `base` with `edit` applied. */
  // biome-ignore lint/suspicious/noExplicitAny: the edits reach into arbitrary JSON
  const broken = (base: object, edit: (j: any) => void) => {
    const j = structuredClone(base);
    edit(j);
    return JSON.stringify(j);
  };
  test.each<[string, string | Uint8Array, RegExp]>([
    ['not JSON', '{"model": ', /^readTokenizerJson: not valid JSON/],
    ['bad UTF-8', Uint8Array.of(0x7b, 0xff, 0x7d), /^readTokenizerJson: the file is not valid UTF-8$/],
    ['an array', '[]', /the top level must be an object, got an array of length 0/],
    ['no model', broken(good, (j) => delete j.model), /the top level is missing the field "model"/],
    ['model type', broken(good, (j) => (j.model.type = 'Unigram')), /model\.type "Unigram" is not supported/],
    ['vocab array', broken(good, (j) => (j.model.vocab = [1, 2])), /model\.vocab must be an object mapping tokens to ids, got an array/],
    ['negative id', broken(good, (j) => (j.model.vocab.the = -3)), /the id of token "the" must be an integer in \[0, 2097151\], got -3/],
    ['huge id', broken(good, (j) => (j.model.vocab.the = 1e15)), /the id of token "the" must be an integer in \[0, 2097151\], got 1000000000000000/],
    ['string id', broken(good, (j) => (j.model.vocab.the = '7')), /the id of token "the" must be an integer .*got "7"/],
    ['fractional id', broken(good, (j) => (j.model.vocab.the = 2.5)), /got 2\.5/],
    ['shared id', broken(good, (j) => (j.model.vocab.the = 0)), /id 0 is given to both "\[PAD\]" and "the"/],
    ['sparse ids', broken(good, (j) => (j.model.vocab.the = 2_000_000)), /the largest id is 2000000 but there are only \d+ tokens/],
    ['unk missing', broken(good, (j) => (j.model.unk_token = '<nope>')), /unk_token "<nope>" is not in the vocabulary/],
    ['merges missing', broken(goodBpe, (j) => delete j.model.merges), /model is missing the field "merges"/],
    ['merges type', broken(goodBpe, (j) => (j.model.merges = 'a b')), /model\.merges must be an array, got "a b"/],
    ['merge shape', broken(goodBpe, (j) => (j.model.merges[0] = ['Ġ'])), /model\.merges\[0\] must be "a b" or \["a", "b"\], got an array of length 1/],
    ['merge string', broken(goodBpe, (j) => (j.model.merges[1] = 'Ġt')), /model\.merges\[1\] must be two tokens separated by one space/],
    [
      'merge unknown',
      broken(goodBpe, (j) => (j.model.merges[0] = ['Ġ', 'no-such-token'])),
      /merge 0 \("Ġ" "no-such-token"\) uses "no-such-token", which is not in the vocabulary/,
    ],
    ['dropout', broken(goodBpe, (j) => (j.model.dropout = 0.1)), /model\.dropout = 0\.1 is not supported/],
    ['added not array', broken(good, (j) => (j.added_tokens = {})), /added_tokens must be an array, got a object/],
    ['added id type', broken(good, (j) => (j.added_tokens[0].id = null)), /added_tokens\[0\]\.id must be an integer in \[0, 2097151\], got null/],
    ['added id clash', broken(good, (j) => (j.added_tokens[0].id = 7)), /added token "\[PAD\]" has id 7, but the vocabulary gives it id 0/],
    ['added content', broken(good, (j) => delete j.added_tokens[1].content), /added_tokens\[1\] is missing the field "content"/],
    ['added flag', broken(good, (j) => (j.added_tokens[1].special = 'yes')), /added_tokens\[1\]\.special must be true or false, got "yes"/],
    ['normalizer', broken(good, (j) => (j.normalizer = { type: 'NFKC' })), /normalizer\.type "NFKC" is not supported/],
    ['normalizer field', broken(good, (j) => (j.normalizer.lowercase = 1)), /normalizer\.lowercase must be true or false, got 1/],
    ['pre-tokenizer', broken(good, (j) => (j.pre_tokenizer = { type: 'Metaspace' })), /pre_tokenizer\.type "Metaspace" is not supported/],
    ['template id', broken(good, (j) => (j.post_processor.cls = ['[CLS]', 3])), /post_processor uses "\[CLS\]" with id 3, but the vocabulary gives it 2/],
    ['template shape', broken(good, (j) => (j.post_processor.sep = '[SEP]')), /post_processor\.sep must be \[token, id\], got "\[SEP\]"/],
    [
      'model and pre-tokenizer',
      broken(good, (j) => (j.pre_tokenizer = { type: 'ByteLevel' })),
      /a WordPiece model with the ByteLevel pre-tokenizer is not supported/,
    ],
    ['decoder', broken(good, (j) => (j.decoder = { type: 'Metaspace' })), /decoder\.type "Metaspace" is not supported/],
    ['truncation', broken(good, (j) => (j.truncation = { max_length: -4 })), /truncation\.max_length must be an integer in \[0, 1000000000\], got -4/],
    ['truncation stride', broken(good, (j) => (j.truncation = { max_length: 8, stride: 2 })), /truncation\.stride must be an integer in \[0, 0\], got 2/],
    ['padding', broken(good, (j) => (j.padding = { strategy: 'Longest' })), /padding\.strategy must be "BatchLongest" or \{"Fixed": n\}, got "Longest"/],
  ])('%s', (_name, file, message) => {
    const read = () => readTokenizerJson(file);
    expect(read).toThrow(TokenizerError);
    expect(read).toThrow(message);
  });

  test.each<[string, () => unknown, RegExp]>([
    ['vocab.txt empty line', () => readVocabTxt('[PAD]\n\n[UNK]\n'), /^readVocabTxt: line 2 is empty$/],
    ['vocab.txt duplicate', () => readVocabTxt('[UNK]\na\na\n'), /^readVocabTxt: line 3: token "a" already appears on line 2$/],
    ['vocab.txt no unk', () => readVocabTxt('a\nb\n'), /unk_token "\[UNK\]" is not in the vocabulary/],
    ['vocab.txt type', () => readVocabTxt(12 as unknown as string), /expected the file as a string or a Uint8Array, got 12/],
    ['vocab.json not JSON', () => readVocabAndMerges('{', ''), /^readVocabAndMerges: vocab\.json is not valid JSON/],
    ['vocab.json array', () => readVocabAndMerges('[1]', ''), /vocab\.json must be an object mapping tokens to ids, got an array/],
    ['vocab.json id', () => readVocabAndMerges('{"a": -1}', ''), /the id of token "a" must be an integer/],
    [
      'merges.txt line',
      () => readVocabAndMerges('{"a": 0, "b": 1, "ab": 2}', '#version: 0.2\na b c\n'),
      /merges\.txt line 2 must be two tokens separated by one space, got "a b c"/,
    ],
    ['merges.txt token', () => readVocabAndMerges('{"a": 0, "b": 1}', 'a b\n'), /merge 0 \("a" "b"\) uses "ab", which is not in the vocabulary/],
  ])('%s', (_name, read, message) => {
    expect(read).toThrow(TokenizerError);
    expect(read).toThrow(message);
  });
});
