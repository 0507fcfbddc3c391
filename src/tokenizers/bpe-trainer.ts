// Learning BPE merges from word counts, with the semantics of the Rust `tokenizers` BpeTrainer so
// that the same corpus gives the same vocabulary and merges:
//  - the vocabulary starts with the special tokens, then the alphabet (every character seen, plus
//    the initial alphabet, cut to the `limitAlphabet` most frequent), sorted by code point;
//  - pair counts over the word-count table, a max-heap of pairs ordered by count, then by the
//    smaller (left id, right id); an entry whose count is stale when it reaches the top is pushed
//    back with its current count (lazy invalidation); merging a pair updates the counts of the
//    neighbouring pairs in the words that hold it, and only pairs that gained are queued again;
//  - stops at `vocabSize` tokens, or early when the best pair's count is below `minFrequency`.
// With a `continuingSubwordPrefix` ("##"), every character after a word's first is a separate
// symbol "##c", and merging "##a" onto "x" gives "xa": WordPiece training, as Hugging Face does it.
import { TokenizerError, describeValue } from './errors.js';
import { Vocab } from './vocab.js';

const PAIR = 2 ** 21;

/** BpeTrainer's options (Hugging Face's names in snake_case in the comments). */
export interface BpeTrainerOptions {
  /** `vocab_size`: the most tokens, special tokens and alphabet included (default 30000). */
  vocabSize?: number;
  /** `min_frequency`: a pair seen fewer times is never merged; training stops at the first such (default 0). */
  minFrequency?: number;
  /** `special_tokens`: the first ids, in this order (default none). */
  specialTokens?: readonly string[];
  /** `limit_alphabet`: keep only this many of the most frequent characters (default: all). */
  limitAlphabet?: number | null;
  /** `initial_alphabet`: characters always in the alphabet, seen or not (default none). */
  initialAlphabet?: readonly string[];
  /** `continuing_subword_prefix` (WordPiece training: "##"). */
  continuingSubwordPrefix?: string | null;
  /** `end_of_word_suffix`, added to each word's last symbol. */
  endOfWordSuffix?: string | null;
  /** `max_token_length`: no merge makes a token of this many characters or more (default: no limit). */
  maxTokenLength?: number | null;
}

/** What training learned: the vocabulary and the merges in rank order. */
export interface BpeTrainingResult {
  vocab: Vocab;
  merges: [string, string][];
}

interface QueueEntry {
  a: number;
  b: number;
  count: number;
  /** Indices of the words that held the pair when the entry was made. */
  words: number[];
}

// Max-heap order: higher count first, then the smaller pair.
function before(x: QueueEntry, y: QueueEntry): boolean {
  if (x.count !== y.count) return x.count > y.count;
  return x.a !== y.a ? x.a < y.a : x.b < y.b;
}

class PairQueue {
  private readonly items: QueueEntry[] = [];
  get size(): number {
    return this.items.length;
  }
  push(entry: QueueEntry): void {
    const items = this.items;
    let i = items.length;
    items.push(entry);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(entry, items[parent]!)) break;
      items[i] = items[parent]!;
      i = parent;
    }
    items[i] = entry;
  }
  pop(): QueueEntry {
    const items = this.items;
    const top = items[0]!;
    const last = items.pop()!;
    if (items.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= items.length) break;
        const r = l + 1;
        const c = r < items.length && before(items[r]!, items[l]!) ? r : l;
        if (!before(items[c]!, last)) break;
        items[i] = items[c]!;
        i = c;
      }
      items[i] = last;
    }
    return top;
  }
}

function checkCount(name: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new TokenizerError(`trainBpe: ${name} must be an integer ≥ ${min}, got ${describeValue(value)}`);
  }
  return value;
}

/** Characters (code points) of a string. */
function charsOf(word: string): string[] {
  return Array.from(word);
}

/** Learns BPE merges from `wordCounts` (word → how often it occurs); see the file comment for the algorithm. */
export function trainBpe(wordCounts: ReadonlyMap<string, number>, options: BpeTrainerOptions = {}): BpeTrainingResult {
  const vocabSize = checkCount('vocabSize', options.vocabSize ?? 30000, 1);
  const minFrequency = checkCount('minFrequency', options.minFrequency ?? 0, 0);
  const limitAlphabet = options.limitAlphabet == null ? null : checkCount('limitAlphabet', options.limitAlphabet, 0);
  const maxTokenLength = options.maxTokenLength == null ? Infinity : checkCount('maxTokenLength', options.maxTokenLength, 1);
  const prefix = options.continuingSubwordPrefix ?? null;
  const suffix = options.endOfWordSuffix ?? null;
  const vocab = new Vocab();

  // 1. Special tokens.
  for (const token of options.specialTokens ?? []) {
    if (typeof token !== 'string' || token.length === 0)
      throw new TokenizerError(`trainBpe: special tokens must be non-empty strings, got ${describeValue(token)}`);
    if (!vocab.tokenToId.has(token)) vocab.push(token);
  }

  // 2. The alphabet: characters by total count; the initial alphabet counts as infinitely frequent.
  const alphabet = new Map<number, number>();
  for (const [word, count] of wordCounts) {
    for (const c of word) {
      const cp = c.codePointAt(0)!;
      alphabet.set(cp, (alphabet.get(cp) ?? 0) + count);
    }
  }
  for (const c of options.initialAlphabet ?? []) {
    if (typeof c !== 'string' || [...c].length !== 1)
      throw new TokenizerError(`trainBpe: initialAlphabet entries must be single characters, got ${describeValue(c)}`);
    alphabet.set(c.codePointAt(0)!, Infinity);
  }
  let kept = [...alphabet.entries()];
  if (limitAlphabet !== null && kept.length > limitAlphabet) {
    // Drop the rarest; among equally rare, the higher code points go first (Hugging Face leaves ties to an unstable sort).
    kept.sort((x, y) => x[1] - y[1] || y[0] - x[0]);
    kept = kept.slice(kept.length - limitAlphabet);
  }
  kept.sort((x, y) => x[0] - y[0]);
  for (const [cp] of kept) {
    const s = String.fromCodePoint(cp);
    if (!vocab.tokenToId.has(s)) vocab.push(s);
  }

  // 3. Words as symbol ids (characters outside the kept alphabet are left out).
  const words: number[][] = [];
  const lengths: number[][] = [];
  const counts: number[] = [];
  for (const [word, count] of wordCounts) {
    const chars = charsOf(word);
    const symbols: number[] = [];
    chars.forEach((c, index) => {
      if (!vocab.tokenToId.has(c)) return;
      let s = c;
      if (index > 0 && prefix !== null) s = prefix + s;
      if (index === chars.length - 1 && suffix !== null) s += suffix;
      symbols.push(vocab.tokenToId.get(s) ?? vocab.push(s));
    });
    words.push(symbols);
    lengths.push(symbols.map(() => 1));
    counts.push(count);
  }

  // 4. Pair counts, and which words hold each pair.
  const pairCounts = new Map<number, number>();
  let where = new Map<number, number[]>();
  words.forEach((symbols, w) => {
    for (let i = 0; i + 1 < symbols.length; i++) {
      const key = symbols[i]! * PAIR + symbols[i + 1]!;
      pairCounts.set(key, (pairCounts.get(key) ?? 0) + counts[w]!);
      const list = where.get(key);
      if (list === undefined) where.set(key, [w]);
      else if (list[list.length - 1] !== w) list.push(w);
    }
  });
  const queue = new PairQueue();
  const enqueue = (map: Map<number, number[]>) => {
    for (const [key, held] of map) {
      const count = pairCounts.get(key)!;
      if (count > 0) queue.push({ a: Math.floor(key / PAIR), b: key % PAIR, count, words: held });
    }
  };
  enqueue(where);

  // 5. Merges.
  const merges: [number, number, number][] = [];
  while (vocab.size < vocabSize && queue.size > 0) {
    const top = queue.pop();
    const key = top.a * PAIR + top.b;
    const current = pairCounts.get(key)!;
    if (top.count !== current) {
      top.count = current;
      queue.push(top);
      continue;
    }
    if (top.count < 1 || minFrequency > top.count) break;
    const partA = vocab.idToToken[top.a]!;
    let partB = vocab.idToToken[top.b]!;
    if (prefix !== null && partB.startsWith(prefix)) partB = partB.slice(prefix.length);
    const merged = partA + partB;
    const mergedId = vocab.tokenToId.get(merged) ?? vocab.push(merged);
    merges.push([top.a, top.b, mergedId]);

    where = new Map();
    const change = (w: number, a: number, b: number, delta: number) => {
      const k = a * PAIR + b;
      pairCounts.set(k, (pairCounts.get(k) ?? 0) + delta * counts[w]!);
      if (delta > 0) {
        const list = where.get(k);
        if (list === undefined) where.set(k, [w]);
        else if (list[list.length - 1] !== w) list.push(w);
      }
    };
    for (const w of top.words) {
      const symbols = words[w]!;
      const lens = lengths[w]!;
      for (let i = 0; i < symbols.length; i++) {
        if (symbols[i] !== top.a || i + 1 >= symbols.length || symbols[i + 1] !== top.b) continue;
        const length = lens[i]! + lens[i + 1]!;
        if (i > 0) {
          change(w, symbols[i - 1]!, top.a, -1);
          if (lens[i - 1]! + length < maxTokenLength) change(w, symbols[i - 1]!, mergedId, 1);
        }
        symbols.splice(i, 2, mergedId);
        lens.splice(i, 2, length);
        if (i + 1 < symbols.length) {
          change(w, top.b, symbols[i + 1]!, -1);
          if (lens[i + 1]! + length < maxTokenLength) change(w, mergedId, symbols[i + 1]!, 1);
        }
      }
    }
    enqueue(where);
  }

  // A pair merged twice (possible when a merge rebuilds a token that already existed) keeps only
  // its last rank, as Hugging Face's saved files do.
  const lastRank = new Map<number, number>();
  merges.forEach(([a, b], rank) => lastRank.set(a * PAIR + b, rank));
  const result: [string, string][] = [];
  merges.forEach(([a, b], rank) => {
    if (lastRank.get(a * PAIR + b) === rank) result.push([vocab.idToToken[a]!, vocab.idToToken[b]!]);
  });
  return { vocab, merges: result };
}
