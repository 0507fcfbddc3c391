// Datasets of token ids from text through any shaderformer Tokenizer: the special ids MLM masking needs
// (Hugging Face's all_special_ids, mask and pad), and KantaiBERT's line-by-line dataset (Hugging
// Face's LineByLineTextDataset: every non-blank line encoded with its special tokens, cut to block_size).
import { ShapeError } from '../errors.js';
import type { Tokenizer } from '../tokenizers/tokenizer.js';
import { checkInteger, describe } from './check.js';

/** The ids of a tokenizer that MLM batches need. */
export interface TokenizerSpecials {
  /** The mask token's id (`[MASK]` or `<mask>`). */
  maskId: number;
  /** The padding token's id (`[PAD]` or `<pad>`). */
  padId: number;
  /** Every special added token's id (Hugging Face's `all_special_ids`): never selected for masking. */
  specialIds: number[];
  /** The number of ids (`len(tokenizer)`). */
  vocabSize: number;
  /** = vocabSize: MLM's random replacements are drawn from the whole vocabulary, as Hugging Face's `randint(len(tokenizer))`. */
  randomTokenRange: number;
}

/** Checks that `tokenizer` has what the data functions call. */
export function checkTokenizer(op: string, tokenizer: unknown): Tokenizer {
  const t = tokenizer as Tokenizer | null;
  if (t === null || typeof t !== 'object' || typeof t.encode !== 'function' || typeof t.tokenToId !== 'function' || !Array.isArray(t.addedTokens))
    throw new ShapeError(`${op}: tokenizer must be a Tokenizer, got ${describe(tokenizer)}`);
  return t;
}

/**
 * The mask and pad ids, the special ids and the vocabulary size of a tokenizer, shaped to spread into
 * the MLM batchers' options (`{ ...tokenizerSpecials(t), batchSize, seqLength, seed }`). The mask and pad tokens
 * are found by name (`[MASK]`/`<mask>`, `[PAD]`/`<pad>`) unless `maskToken`/`padToken` name them.
 */
export function tokenizerSpecials(tokenizer: Tokenizer, options: { maskToken?: string; padToken?: string } = {}): TokenizerSpecials {
  const op = 'tokenizerSpecials';
  checkTokenizer(op, tokenizer);
  if (options === null || typeof options !== 'object') throw new ShapeError(`${op}: options must be an object, got ${describe(options)}`);
  const find = (field: string, given: string | undefined, names: string[]): number => {
    if (given !== undefined && typeof given !== 'string') throw new ShapeError(`${op}: ${field} must be a string, got ${describe(given)}`);
    for (const name of given === undefined ? names : [given]) {
      const id = tokenizer.tokenToId(name);
      if (id !== undefined) return id;
    }
    throw new ShapeError(
      `${op}: the tokenizer has no ${given === undefined ? names.join(' or ') : JSON.stringify(given)} token; name it with options.${field}`,
    );
  };
  return {
    maskId: find('maskToken', options.maskToken, ['[MASK]', '<mask>']),
    padId: find('padToken', options.padToken, ['[PAD]', '<pad>']),
    specialIds: tokenizer.addedTokens.filter((token) => token.special).map((token) => token.id),
    vocabSize: tokenizer.vocabSize,
    randomTokenRange: tokenizer.vocabSize,
  };
}

// Python's str.splitlines() boundaries: \n, \r (and \r\n), \v, \f, the file/group/record separators
// 0x1c–0x1e, NEL 0x85, and U+2028/U+2029.
const isPyLineBreak = (c: number) => c === 10 || c === 13 || c === 11 || c === 12 || (c >= 0x1c && c <= 0x1e) || c === 0x85 || c === 0x2028 || c === 0x2029;

/** A text's lines split as Python's `str.splitlines()` does (no empty last line for a final break). */
export function splitLines(text: string): string[] {
  const lines: string[] = [];
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (!isPyLineBreak(c)) continue;
    lines.push(text.slice(start, i));
    if (c === 13 && text.charCodeAt(i + 1) === 10) i++;
    start = i + 1;
  }
  if (start < text.length) lines.push(text.slice(start));
  return lines;
}

/**
 * KantaiBERT's dataset (Hugging Face's LineByLineTextDataset): each line that is neither empty nor all
 * whitespace, encoded with the tokenizer's special tokens (`<s> … </s>`, `[CLS] … [SEP]`) and truncated
 * to `blockSize` ids, specials included. `lines` is a list of lines or a text split as Python's splitlines().
 */
export function lineByLineDataset(lines: string | readonly string[], tokenizer: Tokenizer, options: { blockSize: number }): Int32Array[] {
  const op = 'lineByLineDataset';
  const list = typeof lines === 'string' ? splitLines(lines) : lines;
  if (!Array.isArray(list)) throw new ShapeError(`${op}: lines must be a string or an array of strings, got ${describe(lines)}`);
  checkTokenizer(op, tokenizer);
  if (options === null || typeof options !== 'object') throw new ShapeError(`${op}: options { blockSize } are required, got ${describe(options)}`);
  const blockSize = checkInteger(op, 'blockSize', options.blockSize, 1, 2 ** 31 - 1);
  const examples: Int32Array[] = [];
  list.forEach((line, i) => {
    if (typeof line !== 'string') throw new ShapeError(`${op}: lines[${i}] must be a string, got ${describe(line)}`);
    if (line.trim() === '') return;
    const { ids } = tokenizer.encode(line, null, { addSpecialTokens: true, truncation: { maxLength: blockSize } });
    examples.push(Int32Array.from(ids));
  });
  return examples;
}
