// The BPE model: a word's initial symbols (bytes, or characters) are merged pair by pair, always
// the pair whose merge was learned first (lowest rank), leftmost among equals, until no learned
// merge applies: the Rust `tokenizers` BPE, without dropout.
import { utf8Bytes } from './byte-level.js';
import { TokenizerError, describeValue } from './errors.js';
import type { Vocab } from './vocab.js';

const PAIR = 2 ** 21;

/** The BPE model's options, with tokenizer.json's names in the comments. */
export interface BpeModelOptions {
  /** `unk_token`: stands for a character outside the vocabulary; null drops such characters (byte-level BPE never needs it). */
  unkToken?: string | null;
}

/** A BPE model: vocabulary, ranked merges, and a cache of words already split. */
export class BpeModel {
  readonly vocab: Vocab;
  /** The merges in rank order, as token pairs. */
  readonly merges: readonly [string, string][];
  readonly unkToken: string | null;
  private readonly unkId: number;
  // pair key (a·2^21 + b) → rank; rank → id of the merged token.
  private readonly rankOf = new Map<number, number>();
  private readonly mergedId: Int32Array;
  // Byte-level: the id of each byte's alphabet character (-1 when missing).
  private readonly byteIds = new Int32Array(256).fill(-1);
  private readonly cache = new Map<string, Int32Array>();
  private static readonly CACHE_LIMIT = 100_000;

  /** Builds the model; every merge's parts and result must be in the vocabulary. */
  constructor(vocab: Vocab, merges: readonly [string, string][], options: BpeModelOptions = {}, where = 'BpeModel') {
    // With no tokens every character is unknown, so every text would encode to nothing (Hugging Face's
    // Rust library loads such a file and returns no ids); refuse it instead.
    if (vocab.size === 0) throw new TokenizerError(`${where}: the vocabulary is empty; a BPE model needs at least its alphabet`);
    this.vocab = vocab;
    this.merges = merges;
    this.unkToken = options.unkToken ?? null;
    this.unkId = this.unkToken === null ? -1 : (vocab.tokenToId.get(this.unkToken) ?? -1);
    if (this.unkToken !== null && this.unkId < 0) {
      throw new TokenizerError(`${where}: unk_token ${describeValue(this.unkToken)} is not in the vocabulary`);
    }
    this.mergedId = new Int32Array(merges.length);
    merges.forEach(([a, b], rank) => {
      const ia = vocab.tokenToId.get(a);
      const ib = vocab.tokenToId.get(b);
      const merged = vocab.tokenToId.get(a + b);
      if (ia === undefined || ib === undefined || merged === undefined) {
        const missing = ia === undefined ? a : ib === undefined ? b : a + b;
        throw new TokenizerError(
          `${where}: merge ${rank} (${describeValue(a)} ${describeValue(b)}) uses ${describeValue(missing)}, which is not in the vocabulary`,
        );
      }
      const key = ia * PAIR + ib;
      // A pair listed twice keeps its last rank, as Hugging Face's readers do.
      this.rankOf.set(key, rank);
      this.mergedId[rank] = merged;
    });
  }

  /** Sets the byte-level alphabet (the character standing for each byte), so words can be given as bytes. */
  useByteAlphabet(byteToChar: readonly string[]): void {
    for (let b = 0; b < 256; b++) this.byteIds[b] = this.vocab.tokenToId.get(byteToChar[b]!) ?? this.unkId;
  }

  /**
   * The tokens of a word whose first symbols are its UTF-8 bytes (byte-level BPE), as
   * [id0, bytes0, id1, bytes1, …].
   */
  tokenizeBytes(word: string): Int32Array {
    let out = this.cache.get(word);
    if (out !== undefined) return out;
    const bytes: number[] = [];
    utf8Bytes(word, 0, word.length, bytes);
    const symbols: number[] = [];
    const lengths: number[] = [];
    let skipped = 0;
    for (const b of bytes) {
      const id = this.byteIds[b]!;
      if (id >= 0) {
        symbols.push(id);
        lengths.push(1 + skipped);
        skipped = 0;
      } else if (lengths.length > 0) {
        lengths[lengths.length - 1]! += 1;
      } else {
        skipped++;
      }
    }
    out = this.merge(symbols, lengths);
    this.remember(word, out);
    return out;
  }

  /**
   * The token ids of a word given as characters, each character a first symbol (unknown ones
   * become unk_token, or are dropped without one), with each token's length in UTF-16 units
   * interleaved after its id: [id0, len0, id1, len1, …].
   */
  tokenizeChars(word: string): Int32Array {
    let out = this.cache.get(word);
    if (out !== undefined) return out;
    const symbols: number[] = [];
    const lengths: number[] = [];
    let skipped = 0;
    for (let i = 0; i < word.length; ) {
      const cp = word.codePointAt(i)!;
      const width = cp > 0xffff ? 2 : 1;
      const id = this.vocab.tokenToId.get(word.slice(i, i + width)) ?? this.unkId;
      if (id >= 0) {
        symbols.push(id);
        lengths.push(width + skipped);
        skipped = 0;
      } else if (lengths.length > 0) {
        lengths[lengths.length - 1]! += width;
      } else {
        skipped += width;
      }
      i += width;
    }
    out = this.merge(symbols, lengths);
    this.remember(word, out);
    return out;
  }

  private remember(key: string, ids: Int32Array): void {
    if (this.cache.size >= BpeModel.CACHE_LIMIT) this.cache.clear();
    this.cache.set(key, ids);
  }

  /** Clears the word cache. */
  clearCache(): void {
    this.cache.clear();
  }

  /**
   * Merges `symbols` (ids) in rank order, leftmost first: a min-heap of (rank, position) over a
   * linked list; an entry whose pair has changed since it was queued is skipped. Returns
   * [id, length, id, length, …] (lengths summed over merged symbols).
   */
  private merge(symbols: number[], lengths: number[]): Int32Array {
    const n = symbols.length;
    const next = new Int32Array(n);
    const prev = new Int32Array(n);
    const alive = new Uint8Array(n).fill(1);
    for (let i = 0; i < n; i++) {
      next[i] = i + 1;
      prev[i] = i - 1;
    }
    // Heap of rank·n + position: lowest rank first, then leftmost.
    const heap: number[] = [];
    const push = (rank: number, pos: number) => {
      let i = heap.length;
      const value = rank * n + pos;
      heap.push(value);
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (heap[parent]! <= value) break;
        heap[i] = heap[parent]!;
        i = parent;
      }
      heap[i] = value;
    };
    const pop = (): number => {
      const top = heap[0]!;
      const last = heap.pop()!;
      if (heap.length > 0) {
        let i = 0;
        const size = heap.length;
        for (;;) {
          const l = 2 * i + 1;
          if (l >= size) break;
          const r = l + 1;
          const c = r < size && heap[r]! < heap[l]! ? r : l;
          if (heap[c]! >= last) break;
          heap[i] = heap[c]!;
          i = c;
        }
        heap[i] = last;
      }
      return top;
    };
    const rankAt = (i: number): number => {
      const j = next[i]!;
      if (j >= n) return -1;
      return this.rankOf.get(symbols[i]! * PAIR + symbols[j]!) ?? -1;
    };
    for (let i = 0; i + 1 < n; i++) {
      const rank = rankAt(i);
      if (rank >= 0) push(rank, i);
    }
    while (heap.length > 0) {
      const top = pop();
      const pos = top % n;
      const rank = (top - pos) / n;
      if (!alive[pos]) continue;
      const right = next[pos]!;
      if (right >= n) continue;
      // Stale entry: the pair here now merges into something else (or nothing).
      const current = this.rankOf.get(symbols[pos]! * PAIR + symbols[right]!);
      if (current === undefined || this.mergedId[current] !== this.mergedId[rank]) continue;
      symbols[pos] = this.mergedId[rank]!;
      lengths[pos]! += lengths[right]!;
      alive[right] = 0;
      next[pos] = next[right]!;
      if (next[pos]! < n) prev[next[pos]!] = pos;
      const before = prev[pos]!;
      if (before >= 0) {
        const r = rankAt(before);
        if (r >= 0) push(r, before);
      }
      const r = rankAt(pos);
      if (r >= 0) push(r, pos);
    }
    let count = 0;
    for (let i = 0; i < n; i = next[i]!) count++;
    const out = new Int32Array(2 * count);
    let k = 0;
    for (let i = 0; i < n; i = next[i]!) {
      out[k++] = symbols[i]!;
      out[k++] = lengths[i]!;
    }
    return out;
  }
}
