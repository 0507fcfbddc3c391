// GPT-2's byte-level alphabet and pre-tokenisation. Every UTF-8 byte is shown as one printable
// character (the printable Latin-1 bytes as themselves, the other 68 as U+0100 onwards: a space is
// 'Ġ', a newline 'Ċ'), so a vocabulary of strings covers every possible input. Lone surrogates,
// which UTF-8 cannot hold, are encoded as U+FFFD (EF BF BD), as TextEncoder does.
import { LETTER, NUMBER, WHITESPACE, charClass, codePointAt } from './unicode.js';

/** BYTE_TO_CHAR[b] is the character GPT-2's byte-level alphabet shows for byte b. */
export const BYTE_TO_CHAR: readonly string[] = (() => {
  const chars: string[] = new Array(256);
  let next = 256;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
    chars[b] = String.fromCharCode(printable ? b : next++);
  }
  return chars;
})();

// Inverse of BYTE_TO_CHAR over the UTF-16 units U+0000..U+0143; -1 elsewhere.
const CHAR_TO_BYTE: Int16Array = (() => {
  const table = new Int16Array(0x144).fill(-1);
  BYTE_TO_CHAR.forEach((c, b) => (table[c.charCodeAt(0)] = b));
  return table;
})();

/** The byte a byte-level character stands for, or -1 when `unit` (a UTF-16 unit) is not one of the 256. */
export function byteOfChar(unit: number): number {
  return unit < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[unit]! : -1;
}

/** The 256 characters of the byte-level alphabet (the trainer's initial alphabet), in byte order. */
export function byteLevelAlphabet(): string[] {
  return [...BYTE_TO_CHAR];
}

/**
 * Appends the UTF-8 bytes of text[start, end) to `out` and returns how many it wrote. A lone
 * surrogate becomes U+FFFD's three bytes.
 */
export function utf8Bytes(text: string, start: number, end: number, out: number[]): number {
  const before = out.length;
  for (let i = start; i < end; i++) {
    let cp = text.charCodeAt(i);
    if (cp < 0x80) {
      out.push(cp);
      continue;
    }
    if (cp >= 0xd800 && cp <= 0xdfff) {
      const low = i + 1 < end ? text.charCodeAt(i + 1) : 0;
      if (cp <= 0xdbff && low >= 0xdc00 && low <= 0xdfff) {
        cp = ((cp - 0xd800) << 10) + (low - 0xdc00) + 0x10000;
        i++;
      } else {
        cp = 0xfffd;
      }
    }
    if (cp < 0x800) out.push(0xc0 | (cp >> 6), 0x80 | (cp & 63));
    else if (cp < 0x10000) out.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
    else out.push(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 63), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
  }
  return out.length - before;
}

/** The byte-level string of `text`: each UTF-8 byte as its alphabet character ("Ġhello" for " hello"). */
export function toByteLevel(text: string): string {
  const bytes: number[] = [];
  utf8Bytes(text, 0, text.length, bytes);
  let s = '';
  for (const b of bytes) s += BYTE_TO_CHAR[b];
  return s;
}

// Classes of the GPT-2 pattern's runs.
const RUN_LETTER = 1;
const RUN_NUMBER = 2;
const RUN_OTHER = 3;

// ASCII: precomputed run class (0 = whitespace).
const ASCII_RUN: Uint8Array = (() => {
  const table = new Uint8Array(128);
  for (let c = 0; c < 128; c++) {
    const f = charClass(c);
    table[c] = f & WHITESPACE ? 0 : f & LETTER ? RUN_LETTER : f & NUMBER ? RUN_NUMBER : RUN_OTHER;
  }
  return table;
})();

function runClass(cp: number): number {
  if (cp < 128) return ASCII_RUN[cp]!;
  const f = charClass(cp);
  return f & WHITESPACE ? 0 : f & LETTER ? RUN_LETTER : f & NUMBER ? RUN_NUMBER : RUN_OTHER;
}

/**
 * Splits text[start, end) as GPT-2's pattern does,
 * `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`, with the section's
 * end as the end of the string, and pushes each piece's [start, end) (UTF-16 indices) onto `out`.
 * Written as a scanner rather than a RegExp: one pass, no match objects.
 */
export function splitGpt2(text: string, start: number, end: number, out: number[]): void {
  let i = start;
  while (i < end) {
    let cp = codePointAt(text, i, end);
    // Contractions, case-sensitive, as the pattern is.
    if (cp === 39 && i + 1 < end) {
      const a = text.charCodeAt(i + 1);
      if (a === 115 || a === 116 || a === 109 || a === 100) {
        out.push(i, i + 2);
        i += 2;
        continue;
      }
      if (i + 2 < end) {
        const b = text.charCodeAt(i + 2);
        if ((a === 114 && b === 101) || (a === 118 && b === 101) || (a === 108 && b === 108)) {
          out.push(i, i + 3);
          i += 3;
          continue;
        }
      }
    }
    let j = i;
    let run = runClass(cp);
    // ' ?X+': a single space joins the run of letters, numbers or others that follows it.
    if (cp === 32 && i + 1 < end) {
      const next = codePointAt(text, i + 1, end);
      const nextRun = runClass(next);
      if (nextRun !== 0) {
        j = i + 1;
        cp = next;
        run = nextRun;
      }
    }
    if (run !== 0) {
      let k = j + (cp > 0xffff ? 2 : 1);
      while (k < end) {
        const c = codePointAt(text, k, end);
        if (runClass(c) !== run) break;
        k += c > 0xffff ? 2 : 1;
      }
      out.push(i, k);
      i = k;
      continue;
    }
    // Whitespace: the whole run at the end of the section; otherwise all but its last character
    // (\s+(?!\S)), which then starts the next piece; a single one before a non-space stands alone.
    let k = i + (cp > 0xffff ? 2 : 1);
    let last = i;
    while (k < end) {
      const c = codePointAt(text, k, end);
      if (runClass(c) !== 0) break;
      last = k;
      k += c > 0xffff ? 2 : 1;
    }
    if (k >= end || last === i) {
      out.push(i, k);
      i = k;
    } else {
      out.push(i, last);
      i = last;
    }
  }
}
