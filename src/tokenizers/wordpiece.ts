// The WordPiece model (BERT): each word is split greedily, longest match first, into pieces of the
// vocabulary, every piece after the first written with the continuing-subword prefix ("##"); a
// word with any part outside the vocabulary, or longer than max_input_chars_per_word code points,
// is a single unk_token.
import { TokenizerError, describeValue } from './errors.js';
import type { Vocab } from './vocab.js';

/** WordPiece's options, with tokenizer.json's names in the comments. */
export interface WordPieceOptions {
  /** `unk_token` (default "[UNK]"); must be in the vocabulary. */
  unkToken?: string;
  /** `continuing_subword_prefix` (default "##"). */
  continuingSubwordPrefix?: string;
  /** `max_input_chars_per_word` (default 100): longer words become unk_token. */
  maxInputCharsPerWord?: number;
}

/** A WordPiece model with a cache of words already split. */
export class WordPieceModel {
  readonly vocab: Vocab;
  readonly unkToken: string;
  readonly continuingSubwordPrefix: string;
  readonly maxInputCharsPerWord: number;
  private readonly unkId: number;
  // Longest vocabulary entry in UTF-16 units (prefix included): no longer candidate can match.
  private readonly longest: number;
  private readonly cache = new Map<string, Int32Array>();
  private static readonly CACHE_LIMIT = 100_000;

  constructor(vocab: Vocab, options: WordPieceOptions = {}, where = 'WordPieceModel') {
    this.vocab = vocab;
    this.unkToken = options.unkToken ?? '[UNK]';
    this.continuingSubwordPrefix = options.continuingSubwordPrefix ?? '##';
    this.maxInputCharsPerWord = options.maxInputCharsPerWord ?? 100;
    if (!Number.isInteger(this.maxInputCharsPerWord) || this.maxInputCharsPerWord < 0) {
      throw new TokenizerError(`${where}: max_input_chars_per_word must be an integer ≥ 0, got ${describeValue(this.maxInputCharsPerWord)}`);
    }
    if (vocab.size === 0) throw new TokenizerError(`${where}: the vocabulary is empty; a WordPiece model needs at least its unk_token`);
    const unk = vocab.tokenToId.get(this.unkToken);
    if (unk === undefined) throw new TokenizerError(`${where}: unk_token ${describeValue(this.unkToken)} is not in the vocabulary`);
    this.unkId = unk;
    let longest = 0;
    for (const token of vocab.tokenToId.keys()) longest = Math.max(longest, token.length);
    this.longest = longest;
  }

  /** The tokens of one word as [id0, length0, id1, length1, …], lengths in UTF-16 units of the word. */
  tokenizeWord(word: string): Int32Array {
    let out = this.cache.get(word);
    if (out !== undefined) return out;
    out = this.split(word);
    if (this.cache.size >= WordPieceModel.CACHE_LIMIT) this.cache.clear();
    this.cache.set(word, out);
    return out;
  }

  private split(word: string): Int32Array {
    const unk = Int32Array.of(this.unkId, word.length);
    let chars = 0;
    for (let i = 0; i < word.length; i++) {
      const c = word.charCodeAt(i);
      if (c < 0xdc00 || c > 0xdfff || i === 0 || word.charCodeAt(i - 1) < 0xd800 || word.charCodeAt(i - 1) > 0xdbff) chars++;
    }
    if (chars > this.maxInputCharsPerWord) return unk;
    const pieces: number[] = [];
    const prefix = this.continuingSubwordPrefix;
    let start = 0;
    while (start < word.length) {
      const room = start > 0 ? this.longest - prefix.length : this.longest;
      let end = Math.min(word.length, start + room);
      let found = -1;
      while (end > start) {
        // Never cut a surrogate pair.
        const last = word.charCodeAt(end - 1);
        if (end < word.length && last >= 0xd800 && last <= 0xdbff) {
          end--;
          continue;
        }
        const piece = start > 0 ? prefix + word.slice(start, end) : word.slice(start, end);
        const id = this.vocab.tokenToId.get(piece);
        if (id !== undefined) {
          found = id;
          break;
        }
        end--;
      }
      if (found < 0) return unk;
      pieces.push(found, end - start);
      start = end;
    }
    return Int32Array.from(pieces);
  }

  /** Clears the word cache. */
  clearCache(): void {
    this.cache.clear();
  }
}
