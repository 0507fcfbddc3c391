// Character classes the normalizers and pre-tokenizers need, by code point, following the Rust
// `tokenizers` crate: Unicode White_Space (Rust's char::is_whitespace and Oniguruma's \s),
// letters \p{L}, numbers \p{N}, punctuation \p{P} plus ASCII punctuation (BERT), "other" \p{C}
// (BERT's control characters), non-spacing marks \p{Mn}. Each code point is classified once, on
// first sight, with the engine's Unicode tables, and remembered in a flat table.

export const WHITESPACE = 1;
export const LETTER = 2;
export const NUMBER = 4;
export const PUNCTUATION = 8;
export const CONTROL = 16;
const KNOWN = 128;

const whitespaceRe = /^\p{White_Space}$/u;
const letterRe = /^\p{L}$/u;
const numberRe = /^\p{N}$/u;
const punctuationRe = /^\p{P}$/u;
const otherRe = /^\p{C}$/u;

// 0x110000 code points, one byte each (1.1 MB), filled lazily.
let table: Uint8Array | undefined;

function classify(cp: number): number {
  // Lone surrogates are "other" and nothing else (they never reach the regexes as pairs).
  if (cp >= 0xd800 && cp <= 0xdfff) return CONTROL;
  const s = String.fromCodePoint(cp);
  let flags = 0;
  if (whitespaceRe.test(s)) flags |= WHITESPACE;
  if (letterRe.test(s)) flags |= LETTER;
  if (numberRe.test(s)) flags |= NUMBER;
  // BERT counts every ASCII symbol as punctuation ($ + < = > ^ ` | ~ are Sm/Sc/Sk, not P).
  if (punctuationRe.test(s) || (cp < 128 && ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126)))) {
    flags |= PUNCTUATION;
  }
  if (otherRe.test(s)) flags |= CONTROL;
  return flags;
}

/** The class bits (WHITESPACE | LETTER | NUMBER | PUNCTUATION | CONTROL) of a code point. */
export function charClass(cp: number): number {
  table ??= new Uint8Array(0x110000);
  const known = table[cp]!;
  if (known & KNOWN) return known & ~KNOWN;
  const flags = classify(cp);
  table[cp] = flags | KNOWN;
  return flags;
}

/** BERT's "Chinese character": the CJK Unified Ideographs blocks and their extensions and compatibility blocks. */
export function isChineseChar(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) ||
    (cp >= 0x2b740 && cp <= 0x2b81f) ||
    (cp >= 0x2b920 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0x2f800 && cp <= 0x2fa1f)
  );
}

/** The code point at UTF-16 index `i` of `s` (a pair must end before `end`); a lone surrogate comes back as itself (0xD800–0xDFFF). */
export function codePointAt(s: string, i: number, end = s.length): number {
  const c = s.charCodeAt(i);
  if (c >= 0xd800 && c <= 0xdbff && i + 1 < end) {
    const d = s.charCodeAt(i + 1);
    if (d >= 0xdc00 && d <= 0xdfff) return ((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000;
  }
  return c;
}

/** True when every UTF-16 unit of `s` is below 128. */
export function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 128) return false;
  return true;
}
