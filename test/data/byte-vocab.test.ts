// ByteVocabulary: ids, UTF-8 byte counts computed from code points, round trips of random Unicode
// (ASCII, Latin, CJK, emoji, a leading BOM), U+FFFD for lone surrogates and invalid bytes, specials.
import { describe, expect, test } from 'vitest';
import { ByteVocabulary, ShapeError } from '../../src/index.js';
import { Rng } from '../harness/cases.js';

const vocab = new ByteVocabulary();

/** UTF-8 length of a code point, from the encoding's ranges. */
function utf8Length(codePoint: number): number {
  return codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4;
}

// Code point ranges to draw from: ASCII, Latin-1 and Greek, CJK, Hangul, emoji (astral), and U+FEFF.
const RANGES: [number, number][] = [
  [0x20, 0x7e],
  [0xa0, 0x3ff],
  [0x4e00, 0x9fff],
  [0xac00, 0xd7a3],
  [0x1f300, 0x1faff],
  [0xfeff, 0xfeff],
];

function randomText(rng: Rng, length: number): { text: string; bytes: number } {
  let text = '';
  let bytes = 0;
  for (let i = 0; i < length; i++) {
    const [lo, hi] = RANGES[Math.floor(rng.next() * RANGES.length)]!;
    const codePoint = lo + Math.floor(rng.next() * (hi - lo + 1));
    text += String.fromCodePoint(codePoint);
    bytes += utf8Length(codePoint);
  }
  return { text, bytes };
}

describe('ByteVocabulary', () => {
  test('ids: bytes 0..255, [PAD] 256, [MASK] 257, [CLS] 258, [SEP] 259, size 260', () => {
    expect([vocab.byteCount, vocab.padId, vocab.maskId, vocab.clsId, vocab.sepId, vocab.size]).toEqual([256, 256, 257, 258, 259, 260]);
    expect(vocab.specialIds).toEqual([256, 257, 258, 259]);
    expect(vocab.decode(vocab.specialIds)).toBe('[PAD][MASK][CLS][SEP]');
  });

  test('encode gives the UTF-8 bytes', () => {
    expect(Array.from(vocab.encode('Kant'))).toEqual([75, 97, 110, 116]);
    expect(Array.from(vocab.encode('é—'))).toEqual([0xc3, 0xa9, 0xe2, 0x80, 0x94]);
    expect(Array.from(vocab.encode('😀'))).toEqual([0xf0, 0x9f, 0x98, 0x80]);
    expect(vocab.encode('')).toEqual(new Int32Array(0));
    expect(vocab.encode('a')).toBeInstanceOf(Int32Array);
    expect(vocab.encode(new Uint8Array([0, 200, 255]))).toEqual(Int32Array.from([0, 200, 255]));
  });

  test('well-formed random Unicode (CJK, emoji, BOM) round-trips exactly, with the byte count its code points give', () => {
    const rng = new Rng(2024);
    for (let trial = 0; trial < 200; trial++) {
      const { text, bytes } = randomText(rng, 1 + Math.floor(rng.next() * 40));
      const ids = vocab.encode(text);
      expect(ids.length).toBe(bytes);
      expect(vocab.decode(ids)).toBe(text);
    }
    expect(vocab.decode(vocab.encode('\ufeffstarts with a BOM'))).toBe('\ufeffstarts with a BOM');
  });

  test('lone surrogates are not well-formed: they encode as U+FFFD and come back as U+FFFD', () => {
    expect(Array.from(vocab.encode('a\ud800b'))).toEqual([0x61, 0xef, 0xbf, 0xbd, 0x62]);
    expect(vocab.decode(vocab.encode('a\ud800b\udc00'))).toBe('a\ufffdb\ufffd');
  });

  test('invalid UTF-8 decodes to U+FFFD; specials decode as their names and split a character they interrupt', () => {
    expect(vocab.decode([0xff, 65])).toBe('\ufffdA');
    expect(vocab.decode([0xe2, 0x82])).toBe('\ufffd');
    expect(vocab.decode([72, 105, 257, 259, 256])).toBe('Hi[MASK][SEP][PAD]');
    expect(vocab.decode([0xc3, 257, 0xa9])).toBe('\ufffd[MASK]\ufffd');
    expect(vocab.decode([258, 0xc3, 0xa9, 259])).toBe('[CLS]é[SEP]');
    expect(vocab.decode(new Int32Array(0))).toBe('');
  });

  test('arguments are checked', () => {
    expect(() => vocab.decode([65, 260])).toThrow(new ShapeError('ByteVocabulary.decode: ids[1] = 260 is not an id in [0, 260)'));
    expect(() => vocab.decode([-1])).toThrow(/^ByteVocabulary.decode: ids\[0\] = -1 is not an id/);
    expect(() => vocab.decode([1.5])).toThrow(ShapeError);
    expect(() => vocab.decode(null as unknown as number[])).toThrow(/^ByteVocabulary.decode: ids must be an array of ids, got null$/);
    expect(() => vocab.encode(42 as unknown as string)).toThrow(/^ByteVocabulary.encode: text must be a string or Uint8Array, got number 42$/);
  });
});
