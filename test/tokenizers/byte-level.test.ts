// Byte-level BPE: the byte alphabet, the GPT-2 pre-tokeniser against the pattern run by RegExp on
// random Unicode, decode(encode(s)) === s for random Unicode (lone surrogates: U+FFFD, the stated
// rule), and offsets that point at each token's source.
import { beforeAll, describe, expect, test } from 'vitest';
import { BYTE_TO_CHAR, type Tokenizer, splitGpt2, toByteLevel, trainByteLevelBpe } from '../../src/index.js';
import { Rng } from '../harness/cases.js';

// GPT-2's pattern, with \s spelled \p{White_Space} (Oniguruma's \s, which the Rust library uses;
// JavaScript's \s differs on U+0085 and U+FEFF).
const GPT2 = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\p{White_Space}\p{L}\p{N}]+|\p{White_Space}+(?!\P{White_Space})|\p{White_Space}+/gu;

// Characters the random strings are made of, by kind.
const POOLS: string[][] = [
  [...'abcXYZ'],
  ['é', 'ß', 'ж', 'Ω', 'ñ'],
  [...'0123', '٣', '²', 'Ⅻ'],
  [' ', ' ', ' ', '\t', '\n', '\r', '\u00a0', '\u3000', '\u2028', '\u0085', '\ufeff', '\u000b'],
  [...'.,!?-\'"()[]<>$%&*+/\\@#^_`{|}~'],
  ["'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "'S"],
  ['\u0301', '\u0308', '\u0327', 'e\u0301'],
  ['中', '文', '字', '한', '글', 'の', 'カ'],
  ['😀', '👍🏽', '👨‍👩‍👧', '🇫🇷', '𝔘', '𠀀'],
  ['\u0000', '\u0001', '\u001f', '\u007f', '\u200b', '\u200d'],
  ['\ud800', '\udfff', '\udbff', '\udc00', '\ufffd'],
];

function randomString(rng: Rng, length: number, pools = POOLS): string {
  let s = '';
  for (let i = 0; i < length; i++) {
    const pool = pools[Math.floor(rng.next() * pools.length)]!;
    s += pool[Math.floor(rng.next() * pool.length)]!;
  }
  return s;
}

/** The stated rule for lone surrogates: each becomes U+FFFD (as TextEncoder encodes them). */
function wellFormed(s: string): string {
  return s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}

describe('the byte-level alphabet', () => {
  test('256 distinct printable characters; printable Latin-1 bytes stand for themselves, space is Ġ, newline Ċ', () => {
    expect(new Set(BYTE_TO_CHAR).size).toBe(256);
    expect(BYTE_TO_CHAR[0x41]).toBe('A');
    expect(BYTE_TO_CHAR[0xe9]).toBe('é');
    expect(BYTE_TO_CHAR[0x20]).toBe('Ġ');
    expect(BYTE_TO_CHAR[0x0a]).toBe('Ċ');
    expect(BYTE_TO_CHAR[0x00]).toBe('Ā');
    for (const c of BYTE_TO_CHAR) expect(c).toMatch(/^[^\p{White_Space}\p{C}]$/u);
    expect(toByteLevel(' héllo')).toBe('ĠhÃ©llo');
    expect(toByteLevel('\ud800')).toBe(toByteLevel('\ufffd'));
  });
});

describe('GPT-2 pre-tokenisation', () => {
  const split = (s: string) => {
    const bounds: number[] = [];
    splitGpt2(s, 0, s.length, bounds);
    return Array.from({ length: bounds.length / 2 }, (_, i) => s.slice(bounds[2 * i], bounds[2 * i + 1]));
  };
  test('hand-worked: contractions, a space joins the run after it, whitespace runs leave their last space', () => {
    expect(split("Hello world's 2024   end!!\n\nok")).toEqual(['Hello', ' world', "'s", ' 2024', '  ', ' end', '!!', '\n', '\n', 'ok']);
    expect(split("I'll they're  'x")).toEqual(['I', "'ll", ' they', "'re", ' ', " '", 'x']);
    expect(split('a  \n b\t')).toEqual(['a', '  \n', ' b', '\t']);
  });
  test('the same pieces as the pattern run by RegExp, on 3,000 random Unicode strings', () => {
    const rng = new Rng(20260501);
    for (let n = 0; n < 3000; n++) {
      const s = randomString(rng, 1 + Math.floor(rng.next() * 40));
      expect(split(s), JSON.stringify(s)).toEqual(s.match(GPT2) ?? []);
    }
  });
});

describe('byte-level BPE round trips and offsets', () => {
  let tokenizer: Tokenizer;
  beforeAll(() => {
    const rng = new Rng(7);
    const corpus = Array.from({ length: 300 }, () => randomString(rng, 60, POOLS.slice(0, 8)));
    for (let i = 0; i < 20; i++) corpus.push('the theory of pure reason and the critique of practical reason', "it's the reason's own doing");
    tokenizer = trainByteLevelBpe(corpus, { vocabSize: 600, minFrequency: 2 });
  });

  test('the trained tokenizer merged pairs (so round trips go through multi-byte tokens)', () => {
    expect(tokenizer.vocabSize).toBeGreaterThan(300);
    expect(tokenizer.encode(' reason', null, { addSpecialTokens: false }).ids.length).toBeLessThan(4);
  });

  test('decode(encode(s)) === s for 2,000 random strings; lone surrogates come back as U+FFFD', () => {
    const rng = new Rng(99);
    let withSurrogates = 0;
    for (let n = 0; n < 2000; n++) {
      const s = randomString(rng, Math.floor(rng.next() * 50));
      const expected = wellFormed(s);
      if (expected !== s) withSurrogates++;
      expect(tokenizer.decode(tokenizer.encode(s).ids), JSON.stringify(s)).toBe(expected);
      expect(tokenizer.decode(tokenizer.encode(s, null, { addSpecialTokens: false }).ids, { skipSpecialTokens: false })).toBe(expected);
    }
    expect(withSurrogates).toBeGreaterThan(100);
    expect(tokenizer.decode(tokenizer.encode('a\ud800b').ids)).toBe('a\ufffdb');
    expect(tokenizer.decode(tokenizer.encode('😀\udc00').ids)).toBe('😀\ufffd');
  });

  test('special-token text in the input is the special token, and round trips when not skipped', () => {
    const s = 'before <mask> after</s>';
    const enc = tokenizer.encode(s, null, { addSpecialTokens: false });
    expect(enc.tokens).toContain('<mask>');
    expect(enc.offsets[enc.tokens.indexOf('<mask>')]).toEqual([7, 13]);
    expect(tokenizer.decode(enc.ids, { skipSpecialTokens: false })).toBe(s);
    expect(tokenizer.decode(enc.ids)).toBe('before  after');
  });

  test('lstripTokens: <mask> absorbs the spaces before it (RobertaTokenizer), which are then not a token of their own', () => {
    const corpus = Array.from({ length: 20 }, () => 'the theory of pure reason and the critique of practical reason');
    const plain = trainByteLevelBpe(corpus, { vocabSize: 400 });
    const lstrip = trainByteLevelBpe(corpus, { vocabSize: 400, lstripTokens: ['<mask>'] });
    const s = 'of pure  <mask> of reason';
    const tokenBeforeMask = (t: Tokenizer) => {
      const enc = t.encode(s, null, { addSpecialTokens: false });
      const at = enc.tokens.indexOf('<mask>');
      return enc.tokens[at - 1];
    };
    expect(tokenBeforeMask(plain)).toMatch(/^Ġ+$/);
    expect(tokenBeforeMask(lstrip)).toBe('Ġpure');
    expect(lstrip.encode('pure reason', null, { addSpecialTokens: false }).ids).toEqual(plain.encode('pure reason', null, { addSpecialTokens: false }).ids);
  });

  test("offsets: each token's source text is its bytes (whole characters), spaces trimmed as RoBERTa does", () => {
    const rng = new Rng(5);
    let checked = 0;
    let split = 0;
    for (let n = 0; n < 500; n++) {
      const s = randomString(rng, 30, POOLS.slice(0, 10));
      const enc = tokenizer.encode(s, null, { addSpecialTokens: false });
      let previousEnd = 0;
      enc.tokens.forEach((token, i) => {
        const [start, end] = enc.offsets[i]!;
        expect(start).toBeGreaterThanOrEqual(0);
        expect(end).toBeLessThanOrEqual(s.length);
        expect(start).toBeGreaterThanOrEqual(previousEnd - 2); // a split character is shared by its tokens
        previousEnd = end;
        const source = toByteLevel(s.slice(start, end));
        const trimmed = token.replace(/^Ġ+/, '').replace(/Ġ+$/, '');
        if (trimmed === token || trimmed.length > 0) {
          if (source === trimmed) checked++;
          else {
            // A token holding part of a character's bytes points at the whole character.
            expect(source, `${JSON.stringify(s)} token ${i} ${JSON.stringify(token)}`).toContain(trimmed);
            split++;
          }
        }
      });
    }
    expect(checked).toBeGreaterThan(3000);
    expect(split).toBeGreaterThan(10);
  });
});
