// The simplest vocabulary: one token a UTF-8 byte, plus BERT's four special tokens. No training and
// no unknown token, so tests and demos can run a model on any text.
import { ShapeError } from '../errors.js';
import { describe } from './check.js';

/** A byte-level vocabulary: ids 0..255 are UTF-8 bytes, then [PAD] 256, [MASK] 257, [CLS] 258, [SEP] 259. */
export class ByteVocabulary {
  /** Ids below this are bytes (the range to draw MLM's random replacements from). */
  readonly byteCount = 256;
  /** Padding: `[PAD]`. */
  readonly padId = 256;
  /** The MLM mask: `[MASK]`. */
  readonly maskId = 257;
  /** Start of a sequence: `[CLS]`. */
  readonly clsId = 258;
  /** End of a segment: `[SEP]`. */
  readonly sepId = 259;
  /** Number of ids: 260. */
  readonly size = 260;
  /** The special ids, for `maskTokens`' `specialIds`. */
  readonly specialIds: readonly number[] = [256, 257, 258, 259];
  /** The names of the special ids, in id order from 256. */
  readonly specialTokens: readonly string[] = ['[PAD]', '[MASK]', '[CLS]', '[SEP]'];

  readonly #encoder = new TextEncoder();
  // ignoreBOM keeps a leading U+FEFF, so decode(encode(s)) === s for every well-formed s.
  readonly #decoder = new TextDecoder('utf-8', { ignoreBOM: true });

  /** The ids of a string's UTF-8 bytes (a lone surrogate encodes as U+FFFD), or of raw bytes as they are. */
  encode(text: string | Uint8Array): Int32Array {
    if (text instanceof Uint8Array) return Int32Array.from(text);
    if (typeof text !== 'string') throw new ShapeError(`ByteVocabulary.encode: text must be a string or Uint8Array, got ${describe(text)}`);
    return Int32Array.from(this.#encoder.encode(text));
  }

  /** The text of `ids`: byte runs decoded as UTF-8 (invalid bytes become U+FFFD), specials as their names. */
  decode(ids: ArrayLike<number>): string {
    if (ids === null || typeof ids !== 'object' || typeof ids.length !== 'number')
      throw new ShapeError(`ByteVocabulary.decode: ids must be an array of ids, got ${describe(ids)}`);
    let text = '';
    let bytes: number[] = [];
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      if (!Number.isInteger(id) || id < 0 || id >= this.size)
        throw new ShapeError(`ByteVocabulary.decode: ids[${i}] = ${String(id)} is not an id in [0, ${this.size})`);
      if (id < this.byteCount) {
        bytes.push(id);
        continue;
      }
      // Each byte run is decoded on its own: a special between two halves of a character splits it.
      text += this.#decoder.decode(Uint8Array.from(bytes)) + this.specialTokens[id - this.byteCount]!;
      bytes = [];
    }
    return text + this.#decoder.decode(Uint8Array.from(bytes));
  }
}
