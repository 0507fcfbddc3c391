// Pre-tokenisation: where words begin and end, before the model splits them into subwords.
import { splitGpt2 } from './byte-level.js';
import { PUNCTUATION, WHITESPACE, charClass, codePointAt } from './unicode.js';

/** The pre-tokenisers a tokenizer.json may name that shaderformer implements. */
export type PreTokenizerSpec =
  | { type: 'BertPreTokenizer' }
  /** GPT-2's: the pattern split (when `useRegex`), then every byte as a character of the byte-level alphabet. */
  | {
      type: 'ByteLevel';
      /**
       * `add_prefix_space`: a virtual space before text that does not start with one. Offsets never cover it, so a token's span is its
       * true text, also right after an added token, where Hugging Face's Rust library starts the span one character late (docs/tokenizers.md).
       */
      addPrefixSpace: boolean;
      trimOffsets: boolean;
      useRegex: boolean;
    };

// ASCII: 1 = whitespace, 2 = punctuation, 0 = part of a word.
const ASCII_BERT: Uint8Array = (() => {
  const table = new Uint8Array(128);
  for (let c = 0; c < 128; c++) {
    const f = charClass(c);
    table[c] = f & WHITESPACE ? 1 : f & PUNCTUATION ? 2 : 0;
  }
  return table;
})();

/**
 * BERT's pre-tokeniser on text[start, end): whitespace (Unicode White_Space) separates words and is
 * dropped; every punctuation character (\p{P} and ASCII symbols) is a word of its own. Pushes each
 * word's [start, end) onto `out`.
 */
export function splitBert(text: string, start: number, end: number, out: number[]): void {
  let wordStart = -1;
  for (let i = start; i < end; ) {
    const cp = codePointAt(text, i, end);
    const width = cp > 0xffff ? 2 : 1;
    let kind: number;
    if (cp < 128) kind = ASCII_BERT[cp]!;
    else {
      const f = charClass(cp);
      kind = f & WHITESPACE ? 1 : f & PUNCTUATION ? 2 : 0;
    }
    if (kind === 0) {
      if (wordStart < 0) wordStart = i;
    } else {
      if (wordStart >= 0) out.push(wordStart, i);
      wordStart = -1;
      if (kind === 2) out.push(i, i + width);
    }
    i += width;
  }
  if (wordStart >= 0) out.push(wordStart, end);
}

/** Word boundaries of text[start, end) under `spec`, as [start, end) pairs (for ByteLevel without its regex: the whole section). */
export function preTokenize(spec: PreTokenizerSpec | null, text: string, start: number, end: number, out: number[]): void {
  if (spec === null) {
    if (end > start) out.push(start, end);
  } else if (spec.type === 'BertPreTokenizer') {
    splitBert(text, start, end, out);
  } else if (spec.useRegex) {
    splitGpt2(text, start, end, out);
  } else if (end > start) {
    out.push(start, end);
  }
}
