// BERT's normaliser, with the alignment from normalised text back to the original, so tokens can
// report offsets into what the user passed in. Follows the Rust `tokenizers` BertNormalizer, one
// code point at a time: (1) clean: drop U+0000, U+FFFD and control/format/unassigned/private/
// surrogate characters (\p{C}) except \t \n \r, turn every White_Space character into ' ';
// (2) put spaces around CJK ideographs; (3) strip accents: NFD, then drop non-spacing marks (Mn);
// (4) lowercase (per code point, so a final Σ becomes σ as in Rust, not ς).
import { CONTROL, WHITESPACE, charClass, codePointAt, isChineseChar } from './unicode.js';

/** BertNormalizer's options, with tokenizer.json's names in the comments. */
export interface BertNormalizerOptions {
  /** `clean_text`: drop control characters, turn whitespace into spaces (default true). */
  cleanText?: boolean;
  /** `handle_chinese_chars`: spaces around CJK ideographs (default true). */
  handleChineseChars?: boolean;
  /** `strip_accents`: NFD and drop non-spacing marks; null follows `lowercase` (default null). */
  stripAccents?: boolean | null;
  /** `lowercase` (default true: uncased BERT). */
  lowercase?: boolean;
}

/** Normalised text and where each of its UTF-16 units came from in the original. */
export interface Normalized {
  text: string;
  /** For normalised unit k, the original span [starts[k], ends[k]); null when the alignment is the identity shifted by `offset`. */
  starts: Int32Array | null;
  ends: Int32Array | null;
  /** Where the normalised section began in the original text. */
  offset: number;
}

/** The BERT normaliser (clean text, CJK spacing, accent stripping, lowercasing). */
export class BertNormalizer {
  readonly cleanText: boolean;
  readonly handleChineseChars: boolean;
  readonly stripAccents: boolean | null;
  readonly lowercase: boolean;
  private readonly ascii: string[];
  private readonly cache = new Map<number, string>();

  constructor(options: BertNormalizerOptions = {}) {
    this.cleanText = options.cleanText ?? true;
    this.handleChineseChars = options.handleChineseChars ?? true;
    this.stripAccents = options.stripAccents ?? null;
    this.lowercase = options.lowercase ?? true;
    this.ascii = Array.from({ length: 128 }, (_, c) => this.mapCodePoint(c));
  }

  /** What one code point becomes (possibly nothing, possibly several characters). */
  private mapCodePoint(cp: number): string {
    const flags = charClass(cp);
    const isTabOrNewline = cp === 9 || cp === 10 || cp === 13;
    if (this.cleanText) {
      if (cp === 0 || cp === 0xfffd || ((flags & CONTROL) !== 0 && !isTabOrNewline)) return '';
      if (isTabOrNewline || (flags & WHITESPACE) !== 0) return ' ';
    }
    let s = cp >= 0xd800 && cp <= 0xdfff ? String.fromCharCode(cp) : String.fromCodePoint(cp);
    if (this.handleChineseChars && isChineseChar(cp)) return ` ${s} `;
    if (this.stripAccents ?? this.lowercase) s = s.normalize('NFD').replace(/\p{Mn}/gu, '');
    if (this.lowercase) s = s.toLowerCase();
    return s;
  }

  private map(cp: number): string {
    if (cp < 128) return this.ascii[cp]!;
    let s = this.cache.get(cp);
    if (s === undefined) {
      s = this.mapCodePoint(cp);
      this.cache.set(cp, s);
    }
    return s;
  }

  /** Normalises text[start, end) and keeps the alignment to the original. */
  normalize(text: string, start = 0, end = text.length): Normalized {
    let out = '';
    let starts: number[] | null = null;
    let ends: number[] | null = null;
    for (let i = start; i < end; ) {
      const cp = codePointAt(text, i, end);
      const width = cp > 0xffff ? 2 : 1;
      const piece = this.map(cp);
      if (starts === null && piece.length !== width) {
        // First change of length: from here on the alignment is explicit.
        starts = [];
        ends = [];
        for (let k = 0; k < out.length; k++) {
          starts.push(start + k);
          ends.push(start + k + 1);
        }
      }
      if (starts !== null) {
        for (let k = 0; k < piece.length; k++) {
          starts.push(i);
          ends!.push(i + width);
        }
      }
      out += piece;
      i += width;
    }
    return {
      text: out,
      starts: starts && Int32Array.from(starts),
      ends: ends && Int32Array.from(ends!),
      offset: start,
    };
  }

  /** Just the normalised string (no alignment), for training. */
  normalizeString(text: string): string {
    let out = '';
    for (let i = 0; i < text.length; ) {
      const cp = text.codePointAt(i)!;
      out += this.map(cp);
      i += cp > 0xffff ? 2 : 1;
    }
    return out;
  }
}

/** Maps a normalised span [start, end) back to the original text. */
export function originalSpan(n: Normalized, start: number, end: number): [number, number] {
  if (n.starts === null) return [n.offset + start, n.offset + end];
  if (end <= start) {
    const at = start < n.starts.length ? n.starts[start]! : n.ends!.length > 0 ? n.ends![n.ends!.length - 1]! : n.offset;
    return [at, at];
  }
  return [n.starts[start]!, n.ends![end - 1]!];
}
