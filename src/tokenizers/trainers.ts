// Training whole tokenizers from text: count the words the tokenizer's own normaliser and
// pre-tokeniser produce, learn the vocabulary (bpe-trainer.ts), and assemble the pipeline.
// Byte-level BPE is KantaiBERT's (Hugging Face's ByteLevelBPETokenizer); WordPiece is BERT's
// (BertWordPieceTokenizer: the BPE trainer with the "##" prefix, keeping only the vocabulary).
import { BYTE_TO_CHAR, byteLevelAlphabet, splitGpt2, toByteLevel } from './byte-level.js';
import { BpeModel } from './bpe.js';
import { trainBpe } from './bpe-trainer.js';
import { TokenizerError, describeValue } from './errors.js';
import { BertNormalizer } from './normalizers.js';
import { splitBert } from './pre-tokenizers.js';
import { bertTemplate, robertaTemplate } from './templates.js';
import { type AddedToken, Tokenizer } from './tokenizer.js';
import { WordPieceModel } from './wordpiece.js';

/** Options of `trainByteLevelBpe` (Hugging Face's names in the comments). */
export interface ByteLevelBpeTrainOptions {
  /** `vocab_size` (default 30000; KantaiBERT: 52000). */
  vocabSize?: number;
  /** `min_frequency` (default 2): training stops when no pair occurs this often, so a small corpus gives a smaller vocabulary. */
  minFrequency?: number;
  /** `special_tokens`, ids 0, 1, … (default RoBERTa's `<s> <pad> </s> <unk> <mask>`). */
  specialTokens?: readonly string[];
  /** `add_prefix_space` (default false): a virtual space before text without one; offsets never cover it (docs/tokenizers.md says where Rust's differ). */
  addPrefixSpace?: boolean;
  /** `max_token_length` (default none). */
  maxTokenLength?: number | null;
  /**
   * Special tokens that absorb the spaces before them (default none, as the trainer writes them). RoBERTa's
   * tokenizer defines `<mask>` so: "human <mask>." then ends "Ġhuman", `<mask>`, not "Ġhuman", "Ġ", `<mask>`.
   */
  lstripTokens?: readonly string[];
}

/** Options of `trainWordPiece` (Hugging Face's names in the comments). */
export interface WordPieceTrainOptions {
  /** `vocab_size` (default 30000; BERT: 30522). */
  vocabSize?: number;
  /** `min_frequency` (default 2). */
  minFrequency?: number;
  /** `special_tokens` (default `[PAD] [UNK] [CLS] [SEP] [MASK]`). */
  specialTokens?: readonly string[];
  /** `limit_alphabet` (default 1000). */
  limitAlphabet?: number | null;
  /** `wordpieces_prefix` (default "##"). */
  continuingSubwordPrefix?: string;
  /** Uncased BERT (default true): lowercase and strip accents. */
  lowercase?: boolean;
  /** null (default) follows `lowercase`. */
  stripAccents?: boolean | null;
  cleanText?: boolean;
  handleChineseChars?: boolean;
  /** Default "[UNK]"; must be one of the special tokens. */
  unkToken?: string;
}

function forEachText(texts: Iterable<string>, where: string, visit: (text: string) => void): void {
  if (texts === null || typeof texts !== 'object' || typeof (texts as Iterable<string>)[Symbol.iterator] !== 'function') {
    throw new TokenizerError(`${where}: texts must be an iterable of strings (an array of lines, a generator), got ${describeValue(texts)}`);
  }
  let index = 0;
  for (const text of texts) {
    if (typeof text !== 'string') throw new TokenizerError(`${where}: text ${index} must be a string, got ${describeValue(text)}`);
    visit(text);
    index++;
  }
}

function specialTokens(names: readonly string[], lstrip: readonly string[] = []): AddedToken[] {
  return names.map((content, id) => ({ id, content, special: true, singleWord: false, lstrip: lstrip.includes(content), rstrip: false, normalized: false }));
}

/**
 * Trains a byte-level BPE tokenizer (GPT-2/RoBERTa) on `texts`, each a sequence (a line, a
 * paragraph; keep the newline to learn newline tokens, as Hugging Face's training from files does).
 */
export function trainByteLevelBpe(texts: Iterable<string>, options: ByteLevelBpeTrainOptions = {}): Tokenizer {
  const where = 'trainByteLevelBpe';
  const addPrefixSpace = options.addPrefixSpace ?? false;
  const specials = options.specialTokens ?? ['<s>', '<pad>', '</s>', '<unk>', '<mask>'];
  // Count the pieces as text first; each distinct piece is turned into bytes once.
  const pieces = new Map<string, number>();
  const bounds: number[] = [];
  forEachText(texts, where, (text) => {
    const source = addPrefixSpace && text.length > 0 && !text.startsWith(' ') ? ` ${text}` : text;
    bounds.length = 0;
    splitGpt2(source, 0, source.length, bounds);
    for (let i = 0; i < bounds.length; i += 2) {
      const piece = source.slice(bounds[i], bounds[i + 1]);
      pieces.set(piece, (pieces.get(piece) ?? 0) + 1);
    }
  });
  const words = new Map<string, number>();
  for (const [piece, count] of pieces) {
    const word = toByteLevel(piece);
    words.set(word, (words.get(word) ?? 0) + count);
  }
  const { vocab, merges } = trainBpe(words, {
    vocabSize: options.vocabSize ?? 30000,
    minFrequency: options.minFrequency ?? 2,
    specialTokens: specials,
    initialAlphabet: byteLevelAlphabet(),
    maxTokenLength: options.maxTokenLength ?? null,
  });
  const model = new BpeModel(vocab, merges, {}, where);
  model.useByteAlphabet(BYTE_TO_CHAR);
  const cls = vocab.tokenToId.get('<s>');
  const sep = vocab.tokenToId.get('</s>');
  return new Tokenizer({
    model,
    preTokenizer: { type: 'ByteLevel', addPrefixSpace, trimOffsets: true, useRegex: true },
    postProcessor: cls !== undefined && sep !== undefined ? robertaTemplate(['<s>', cls], ['</s>', sep], { addPrefixSpace }) : null,
    decoder: { type: 'ByteLevel' },
    addedTokens: specialTokens(specials, options.lstripTokens),
  });
}

/** Trains a WordPiece tokenizer (BERT, uncased by default) on `texts`. */
export function trainWordPiece(texts: Iterable<string>, options: WordPieceTrainOptions = {}): Tokenizer {
  const where = 'trainWordPiece';
  const specials = options.specialTokens ?? ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];
  const unkToken = options.unkToken ?? '[UNK]';
  if (!specials.includes(unkToken))
    throw new TokenizerError(`${where}: unkToken ${describeValue(unkToken)} must be one of the special tokens (${specials.join(' ')})`);
  const prefix = options.continuingSubwordPrefix ?? '##';
  if (typeof prefix !== 'string' || prefix.length === 0)
    throw new TokenizerError(`${where}: continuingSubwordPrefix must be a non-empty string, got ${describeValue(prefix)}`);
  const normalizer = new BertNormalizer({
    lowercase: options.lowercase ?? true,
    stripAccents: options.stripAccents ?? null,
    cleanText: options.cleanText ?? true,
    handleChineseChars: options.handleChineseChars ?? true,
  });
  const words = new Map<string, number>();
  const bounds: number[] = [];
  forEachText(texts, where, (text) => {
    const normalized = normalizer.normalizeString(text);
    bounds.length = 0;
    splitBert(normalized, 0, normalized.length, bounds);
    for (let i = 0; i < bounds.length; i += 2) {
      const word = normalized.slice(bounds[i], bounds[i + 1]);
      words.set(word, (words.get(word) ?? 0) + 1);
    }
  });
  const { vocab } = trainBpe(words, {
    vocabSize: options.vocabSize ?? 30000,
    minFrequency: options.minFrequency ?? 2,
    specialTokens: specials,
    limitAlphabet: options.limitAlphabet === undefined ? 1000 : options.limitAlphabet,
    continuingSubwordPrefix: prefix,
  });
  const model = new WordPieceModel(vocab, { unkToken, continuingSubwordPrefix: prefix }, where);
  const cls = vocab.tokenToId.get('[CLS]');
  const sep = vocab.tokenToId.get('[SEP]');
  return new Tokenizer({
    model,
    normalizer,
    preTokenizer: { type: 'BertPreTokenizer' },
    postProcessor: cls !== undefined && sep !== undefined ? bertTemplate(['[CLS]', cls], ['[SEP]', sep]) : null,
    decoder: { type: 'WordPiece', prefix, cleanup: true },
    addedTokens: specialTokens(specials),
  });
}
