// The Tokenizer: added (special) tokens → normaliser → pre-tokeniser → model → template, with
// offsets into the original text at every step; batch encoding with truncation and padding; decoding.
import { BYTE_TO_CHAR, byteOfChar } from './byte-level.js';
import { BpeModel } from './bpe.js';
import { TokenizerError, describeValue } from './errors.js';
import { type BertNormalizer, type Normalized, originalSpan } from './normalizers.js';
import { type PreTokenizerSpec, preTokenize } from './pre-tokenizers.js';
import { type PostProcessor, type TemplatePiece, addedCount } from './templates.js';
import { MAX_TOKEN_ID, type Vocab } from './vocab.js';
import { WordPieceModel } from './wordpiece.js';

/** A token outside the model's merges or pieces, matched in the text before anything else (special tokens). */
export interface AddedToken {
  id: number;
  content: string;
  /** Special tokens are skipped by `decode` (by default) and marked in `specialTokensMask`. */
  special: boolean;
  /** Match only as a whole word. */
  singleWord: boolean;
  /** Swallow the whitespace on its left / right. */
  lstrip: boolean;
  rstrip: boolean;
  /** Match in the normalised text rather than in the original. */
  normalized: boolean;
}

/** Decoders a tokenizer.json may name that shaderformer implements. */
export type DecoderSpec = { type: 'ByteLevel' } | { type: 'WordPiece'; prefix: string; cleanup: boolean };

/** Truncation (tokenizer.json `truncation`): keep at most `maxLength` tokens, special tokens included. */
export interface TruncationOptions {
  maxLength: number;
  /** Which sequence of a pair loses tokens (default 'longest_first'). */
  strategy?: 'longest_first' | 'only_first' | 'only_second';
  /** Cut tokens from the end (default 'right') or the start. */
  direction?: 'right' | 'left';
}

/** Padding (tokenizer.json `padding`): to the longest of the batch, or to a fixed length. */
export interface PaddingOptions {
  /** 'longest' (default) or a fixed length. */
  length?: 'longest' | number;
  /** Round the padded length up to a multiple of this. */
  padToMultipleOf?: number;
  /** Pad after the tokens (default 'right') or before. */
  direction?: 'right' | 'left';
  padId?: number;
  padTypeId?: number;
  padToken?: string;
}

/** Options of `encode` and `encodeBatch`. */
export interface EncodeOptions {
  /** Add the template's special tokens ([CLS] … [SEP], <s> … </s>); default true. */
  addSpecialTokens?: boolean;
  /** Overrides the tokenizer's truncation; null turns it off. */
  truncation?: TruncationOptions | null;
}

/** Options of `encodeBatch`. */
export interface EncodeBatchOptions extends EncodeOptions {
  /** Overrides the tokenizer's padding; null turns it off. */
  padding?: PaddingOptions | null;
}

/** Options of `decode`. */
export interface DecodeOptions {
  /** Leave out special tokens (default true). */
  skipSpecialTokens?: boolean;
}

/** One encoded sequence (or pair): parallel arrays, one entry per token. */
export interface Encoding {
  ids: number[];
  tokens: string[];
  /** 0 for the first sequence, 1 for the second (BERT's segment ids). */
  typeIds: number[];
  /** 1 for real tokens, 0 for padding. */
  attentionMask: number[];
  /** 1 for tokens the template or padding added, 0 for tokens of the text. */
  specialTokensMask: number[];
  /** [start, end) in UTF-16 units of the text the token came from (the pair's own text for B); [0, 0] for added tokens. */
  offsets: [number, number][];
  /** 0 or 1: which text the token came from; -1 for template and padding tokens. */
  sequenceIds: number[];
}

/** The model a tokenizer runs: byte-level or character BPE, or WordPiece. */
export type TokenizerModel = BpeModel | WordPieceModel;

/** Everything a Tokenizer is made of (what tokenizer.json describes). */
export interface TokenizerParts {
  model: TokenizerModel;
  normalizer?: BertNormalizer | null;
  preTokenizer?: PreTokenizerSpec | null;
  postProcessor?: PostProcessor | null;
  decoder?: DecoderSpec | null;
  addedTokens?: AddedToken[];
  truncation?: TruncationOptions | null;
  padding?: PaddingOptions | null;
}

// A sequence's tokens before the template: ids and flat [start, end) offsets.
interface Pieces {
  ids: number[];
  offsets: number[];
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const isSpace = (c: number) => c === 32 || c === 9 || c === 10 || c === 13 || c === 11 || c === 12;

function isWordChar(s: string, i: number): boolean {
  return i >= 0 && i < s.length && /[\p{L}\p{N}_]/u.test(s[i]!);
}

/** A tokenizer: encode text to ids (with offsets, masks and type ids), in batches with padding and truncation, and decode ids to text. */
export class Tokenizer {
  readonly model: TokenizerModel;
  readonly normalizer: BertNormalizer | null;
  readonly preTokenizer: PreTokenizerSpec | null;
  readonly postProcessor: PostProcessor | null;
  readonly decoder: DecoderSpec | null;
  readonly addedTokens: readonly AddedToken[];
  /** Truncation applied by `encode` and `encodeBatch` unless their options say otherwise. */
  truncation: TruncationOptions | null;
  /** Padding applied by `encodeBatch` unless its options say otherwise. */
  padding: PaddingOptions | null;
  private readonly idToToken: (string | undefined)[];
  private readonly addedById = new Map<number, AddedToken>();
  private readonly addedByContent = new Map<string, AddedToken>();
  private readonly addedByNormalized = new Map<string, AddedToken>();
  private readonly trimOffsets: boolean;
  private readonly rawAdded: RegExp | null;
  private readonly normalizedAdded: RegExp | null;

  constructor(parts: TokenizerParts) {
    if (!(parts.model instanceof BpeModel) && !(parts.model instanceof WordPieceModel)) {
      throw new TokenizerError(`Tokenizer: model must be a BpeModel or a WordPieceModel, got ${describeValue(parts.model)}`);
    }
    this.model = parts.model;
    this.normalizer = parts.normalizer ?? null;
    this.preTokenizer = parts.preTokenizer ?? null;
    if (this.model instanceof WordPieceModel && this.preTokenizer?.type === 'ByteLevel') {
      throw new TokenizerError('Tokenizer: a WordPiece model with the ByteLevel pre-tokenizer is not supported (byte-level goes with BPE)');
    }
    this.postProcessor = parts.postProcessor ?? null;
    this.decoder = parts.decoder ?? null;
    this.addedTokens = checkAddedTokens(parts.addedTokens ?? [], this.model.vocab, 'Tokenizer', 'addedTokens');
    this.truncation = parts.truncation ?? null;
    this.padding = parts.padding ?? null;
    if (this.model instanceof BpeModel && this.preTokenizer?.type === 'ByteLevel') this.model.useByteAlphabet(BYTE_TO_CHAR);
    this.trimOffsets = this.postProcessor?.trimOffsets === true && this.preTokenizer?.type === 'ByteLevel';
    this.idToToken = [...this.model.vocab.idToToken];
    for (const token of this.addedTokens) {
      this.idToToken[token.id] = token.content;
      this.addedById.set(token.id, token);
      this.addedByContent.set(token.content, token);
    }
    // Longest first, so that at one position the longest added token wins.
    const pattern = (contents: string[]) =>
      contents.length === 0
        ? null
        : new RegExp(
            [...contents]
              .sort((a, b) => b.length - a.length)
              .map(escapeRegExp)
              .join('|'),
            'g',
          );
    const raw: string[] = [];
    for (const token of this.addedTokens) {
      if (token.normalized && this.normalizer !== null) {
        // Matched in normalised text, so by its normalised form ("[MASK]" → "[mask]" when uncased).
        const content = this.normalizer.normalizeString(token.content);
        if (content.length > 0 && !this.addedByNormalized.has(content)) this.addedByNormalized.set(content, token);
      } else {
        raw.push(token.content);
      }
    }
    this.rawAdded = pattern(raw);
    this.normalizedAdded = pattern([...this.addedByNormalized.keys()]);
  }

  /** Number of ids (one past the largest id, added tokens included). */
  get vocabSize(): number {
    return this.idToToken.length;
  }

  /** The id of a token, or undefined. */
  tokenToId(token: string): number | undefined {
    return this.addedByContent.get(token)?.id ?? this.model.vocab.tokenToId.get(token);
  }

  /** The token of an id, or undefined. */
  idToTokenString(id: number): string | undefined {
    return this.idToToken[id];
  }

  /** Every token with its id (added tokens included), in id order. */
  getVocab(): Map<string, number> {
    const vocab = new Map<string, number>();
    this.idToToken.forEach((token, id) => {
      if (token !== undefined) vocab.set(token, id);
    });
    return vocab;
  }

  /** Encodes one text, or a pair, into ids, tokens, offsets, type ids and masks. */
  encode(text: string, pair?: string | null, options: EncodeOptions = {}): Encoding {
    if (typeof text !== 'string') throw new TokenizerError(`Tokenizer.encode: text must be a string, got ${describeValue(text)}`);
    if (pair !== undefined && pair !== null && typeof pair !== 'string') {
      throw new TokenizerError(`Tokenizer.encode: pair must be a string, null or undefined, got ${describeValue(pair)}`);
    }
    const addSpecial = options.addSpecialTokens ?? true;
    const truncation = options.truncation === undefined ? this.truncation : options.truncation;
    if (truncation) checkTruncation(truncation, 'Tokenizer.encode');
    const first = this.encodeSequence(text);
    const second = pair === undefined || pair === null ? null : this.encodeSequence(pair);
    if (truncation) this.truncate(first, second, truncation, addSpecial);
    return this.applyTemplate(first, second, addSpecial);
  }

  /** Encodes many texts or [text, pair] pairs, then pads them (to the longest, or to a fixed length) when padding is set. */
  encodeBatch(inputs: readonly (string | readonly [string, string])[], options: EncodeBatchOptions = {}): Encoding[] {
    if (!Array.isArray(inputs))
      throw new TokenizerError(`Tokenizer.encodeBatch: inputs must be an array of strings or [text, pair] arrays, got ${describeValue(inputs)}`);
    const encodings = inputs.map((input, i) => {
      if (typeof input === 'string') return this.encode(input, null, options);
      if (Array.isArray(input) && input.length === 2 && typeof input[0] === 'string' && typeof input[1] === 'string')
        return this.encode(input[0], input[1], options);
      throw new TokenizerError(`Tokenizer.encodeBatch: inputs[${i}] must be a string or a [text, pair] array of two strings, got ${describeValue(input)}`);
    });
    const padding = options.padding === undefined ? this.padding : options.padding;
    if (padding) this.pad(encodings, padding);
    return encodings;
  }

  /** Turns ids back into text: special tokens skipped (by default), byte-level bytes reassembled, WordPiece "##" joined. */
  decode(ids: ArrayLike<number>, options: DecodeOptions = {}): string {
    if (ids === null || typeof ids !== 'object' || typeof ids.length !== 'number') {
      throw new TokenizerError(`Tokenizer.decode: ids must be an array of token ids, got ${describeValue(ids)}`);
    }
    const skip = options.skipSpecialTokens ?? true;
    const tokens: string[] = [];
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      const token = Number.isInteger(id) && id >= 0 ? this.idToToken[id] : undefined;
      if (token === undefined)
        throw new TokenizerError(
          `Tokenizer.decode: ids[${i}] = ${describeValue(id)} is not a token id (the vocabulary has ids 0..${this.idToToken.length - 1})`,
        );
      if (skip && this.addedById.get(id)?.special) continue;
      tokens.push(token);
    }
    const decoder = this.decoder;
    if (decoder === null) return tokens.join(' ');
    if (decoder.type === 'ByteLevel') {
      const bytes: number[] = [];
      const encoder = new TextEncoder();
      for (const token of tokens) {
        for (let k = 0; k < token.length; k++) {
          const b = byteOfChar(token.charCodeAt(k));
          if (b >= 0) bytes.push(b);
          else {
            // Not a byte-level character (an added token's text): its own UTF-8.
            const cp = token.codePointAt(k)!;
            for (const x of encoder.encode(String.fromCodePoint(cp))) bytes.push(x);
            if (cp > 0xffff) k++;
          }
        }
      }
      return new TextDecoder('utf-8', { fatal: false, ignoreBOM: true }).decode(Uint8Array.from(bytes));
    }
    let out = '';
    tokens.forEach((token, i) => {
      let piece = token;
      if (i > 0) piece = token.startsWith(decoder.prefix) ? token.slice(decoder.prefix.length) : ` ${token}`;
      if (decoder.cleanup) piece = cleanup(piece);
      out += piece;
    });
    return out;
  }

  /** Decodes each of several id lists. */
  decodeBatch(batch: readonly ArrayLike<number>[], options: DecodeOptions = {}): string[] {
    return batch.map((ids) => this.decode(ids, options));
  }

  // --- encoding one sequence ---------------------------------------------------------------

  private encodeSequence(text: string): Pieces {
    const out: Pieces = { ids: [], offsets: [] };
    this.splitAdded(this.rawAdded, text, 0, text.length, out, (start, end) => {
      if (this.normalizer === null) this.encodeSection(text, start, end, null, out);
      else {
        const normalized = this.normalizer.normalize(text, start, end);
        this.splitAdded(
          this.normalizedAdded,
          normalized.text,
          0,
          normalized.text.length,
          out,
          (s, e) => this.encodeSection(normalized.text, s, e, normalized, out),
          normalized,
        );
      }
    });
    return out;
  }

  /** Finds added tokens in text[start, end) and hands the stretches between them to `section`. */
  private splitAdded(
    pattern: RegExp | null,
    text: string,
    start: number,
    end: number,
    out: Pieces,
    section: (start: number, end: number) => void,
    normalized?: Normalized,
  ): void {
    if (pattern === null) {
      section(start, end);
      return;
    }
    let from = start;
    pattern.lastIndex = start;
    for (;;) {
      const match = pattern.exec(text);
      if (match === null || match.index >= end) break;
      const token = (normalized ? this.addedByNormalized : this.addedByContent).get(match[0])!;
      let matchStart = match.index;
      let matchEnd = match.index + match[0].length;
      if (matchEnd > end || (token.singleWord && (isWordChar(text, matchStart - 1) || isWordChar(text, matchEnd)))) {
        pattern.lastIndex = match.index + 1;
        continue;
      }
      if (token.lstrip) while (matchStart > from && isSpace(text.charCodeAt(matchStart - 1))) matchStart--;
      if (token.rstrip) while (matchEnd < end && isSpace(text.charCodeAt(matchEnd))) matchEnd++;
      if (matchStart > from) section(from, matchStart);
      const [s, e] = normalized ? originalSpan(normalized, match.index, match.index + match[0].length) : [match.index, match.index + match[0].length];
      out.ids.push(token.id);
      out.offsets.push(s, e);
      from = matchEnd;
      pattern.lastIndex = matchEnd;
    }
    if (from < end) section(from, end);
  }

  /** Pre-tokenises and tokenises text[start, end), a stretch with no added token in it. */
  private encodeSection(text: string, start: number, end: number, normalized: Normalized | null, out: Pieces): void {
    const spec = this.preTokenizer;
    let source = text;
    // With a virtual space in front, positions in `source` are one past those in `text` from `prefixedFrom` on.
    let prefixedFrom = -1;
    if (spec?.type === 'ByteLevel' && spec.addPrefixSpace && start < end && text.charCodeAt(start) !== 32) {
      source = ` ${text.slice(start, end)}`;
      prefixedFrom = start;
      start = 0;
      end = source.length;
    }
    const words: number[] = [];
    preTokenize(spec, source, start, end, words);
    const model = this.model;
    const byteLevel = model instanceof BpeModel && spec?.type === 'ByteLevel';
    for (let w = 0; w < words.length; w += 2) {
      const ws = words[w]!;
      const we = words[w + 1]!;
      const word = source.slice(ws, we);
      const pieces = model instanceof WordPieceModel ? model.tokenizeWord(word) : byteLevel ? model.tokenizeBytes(word) : model.tokenizeChars(word);
      if (byteLevel && !isAsciiLength(pieces, word.length)) {
        this.pushByteOffsets(text, word, ws, pieces, prefixedFrom, normalized, out);
        continue;
      }
      let at = ws;
      for (let k = 0; k < pieces.length; k += 2) {
        const s = at;
        at += pieces[k + 1]!;
        out.ids.push(pieces[k]!);
        this.pushSpan(text, s, at, prefixedFrom, normalized, out);
      }
    }
  }

  /** Offsets of byte-level tokens of a word with non-ASCII characters: a token covers every character any of its bytes belong to. */
  private pushByteOffsets(
    text: string,
    word: string,
    wordStart: number,
    pieces: Int32Array,
    prefixedFrom: number,
    normalized: Normalized | null,
    out: Pieces,
  ): void {
    // For each byte: the first UTF-16 unit of its character, and the unit after the character.
    const charAtByte: number[] = [];
    const charEnd: number[] = [];
    for (let u = 0; u < word.length; ) {
      const c = word.charCodeAt(u);
      let width = 1;
      let bytes: number;
      if (c < 0x80) bytes = 1;
      else if (c < 0x800) bytes = 2;
      else if (c >= 0xd800 && c <= 0xdbff && u + 1 < word.length && word.charCodeAt(u + 1) >= 0xdc00 && word.charCodeAt(u + 1) <= 0xdfff) {
        bytes = 4;
        width = 2;
      } else bytes = 3;
      for (let b = 0; b < bytes; b++) {
        charAtByte.push(u);
        charEnd.push(u + width);
      }
      u += width;
    }
    let at = 0;
    for (let k = 0; k < pieces.length; k += 2) {
      const first = at;
      at += pieces[k + 1]!;
      out.ids.push(pieces[k]!);
      this.pushSpan(text, wordStart + charAtByte[first]!, wordStart + charEnd[at - 1]!, prefixedFrom, normalized, out);
    }
  }

  /** Records a token's [start, end) in `text` (the section's string, with the virtual space when `prefixedFrom` ≥ 0), mapped to the original. */
  private pushSpan(text: string, start: number, end: number, prefixedFrom: number, normalized: Normalized | null, out: Pieces): void {
    if (prefixedFrom >= 0) {
      // The virtual space belongs to no character of the text.
      start = Math.max(start - 1, 0) + prefixedFrom;
      end = Math.max(end - 1, 0) + prefixedFrom;
    }
    if (normalized !== null) [start, end] = originalSpan(normalized, start, end);
    else if (this.trimOffsets) {
      // RoBERTa's trim_offsets: the spaces a byte-level token starts or ends with are not its source.
      while (start < end && text.charCodeAt(start) === 32) start++;
      while (end > start && text.charCodeAt(end - 1) === 32) end--;
    }
    out.offsets.push(start, end);
  }

  // --- truncation, template, padding -----------------------------------------------------

  private truncate(first: Pieces, second: Pieces | null, options: TruncationOptions, addSpecial: boolean): void {
    const budget = options.maxLength - (addSpecial ? addedCount(this.postProcessor, second !== null) : 0);
    if (budget < 0)
      throw new TokenizerError(
        `Tokenizer.encode: truncation maxLength ${options.maxLength} leaves no room for the ${addedCount(this.postProcessor, second !== null)} special tokens`,
      );
    const left = options.direction === 'left';
    const cut = (p: Pieces, keep: number) => {
      if (p.ids.length <= keep) return;
      if (left) {
        p.ids.splice(0, p.ids.length - keep);
        p.offsets.splice(0, p.offsets.length - 2 * keep);
      } else {
        p.ids.length = keep;
        p.offsets.length = 2 * keep;
      }
    };
    const strategy = options.strategy ?? 'longest_first';
    if (second === null) {
      if (strategy === 'only_second') throw new TokenizerError(`Tokenizer.encode: truncation strategy 'only_second' needs a pair`);
      cut(first, budget);
      return;
    }
    const n1 = first.ids.length;
    const n2 = second.ids.length;
    if (n1 + n2 <= budget) return;
    if (strategy === 'only_first' || strategy === 'only_second') {
      const [target, other] = strategy === 'only_first' ? [first, n2] : [second, n1];
      if (other >= budget)
        throw new TokenizerError(
          `Tokenizer.encode: cannot truncate with '${strategy}': the other sequence alone has ${other} tokens, maxLength leaves ${budget}`,
        );
      cut(target, budget - other);
      return;
    }
    // longest_first: the shorter keeps what it can, the longer takes the rest; when both are long, half each.
    const shorter = Math.min(n1, n2);
    let keepShort = shorter;
    let keepLong = shorter > budget ? shorter : Math.max(shorter, budget - shorter);
    if (keepShort + keepLong > budget) {
      keepShort = Math.floor(budget / 2);
      keepLong = keepShort + (budget % 2);
    }
    if (n1 > n2) {
      cut(first, keepLong);
      cut(second, keepShort);
    } else {
      cut(first, keepShort);
      cut(second, keepLong);
    }
  }

  private applyTemplate(first: Pieces, second: Pieces | null, addSpecial: boolean): Encoding {
    const processor = this.postProcessor;
    const pieces: TemplatePiece[] =
      processor === null || processor.type === 'ByteLevel'
        ? second === null
          ? [{ sequence: 0, typeId: 0 }]
          : [
              { sequence: 0, typeId: 0 },
              { sequence: 1, typeId: 1 },
            ]
        : second === null
          ? processor.single
          : processor.pair;
    const enc: Encoding = { ids: [], tokens: [], typeIds: [], attentionMask: [], specialTokensMask: [], offsets: [], sequenceIds: [] };
    for (const piece of pieces) {
      if ('special' in piece) {
        if (!addSpecial) continue;
        enc.ids.push(piece.id);
        enc.tokens.push(piece.special);
        enc.typeIds.push(piece.typeId);
        enc.attentionMask.push(1);
        enc.specialTokensMask.push(1);
        enc.offsets.push([0, 0]);
        enc.sequenceIds.push(-1);
        continue;
      }
      const source = piece.sequence === 0 ? first : second;
      if (source === null) continue;
      for (let i = 0; i < source.ids.length; i++) {
        const id = source.ids[i]!;
        enc.ids.push(id);
        enc.tokens.push(this.idToToken[id]!);
        enc.typeIds.push(piece.typeId);
        enc.attentionMask.push(1);
        enc.specialTokensMask.push(0);
        enc.offsets.push([source.offsets[2 * i]!, source.offsets[2 * i + 1]!]);
        enc.sequenceIds.push(piece.sequence);
      }
    }
    return enc;
  }

  private pad(encodings: Encoding[], options: PaddingOptions): void {
    const longest = Math.max(0, ...encodings.map((e) => e.ids.length));
    let length = options.length === undefined || options.length === 'longest' ? longest : options.length;
    if (!Number.isInteger(length) || length < 0)
      throw new TokenizerError(`Tokenizer.encodeBatch: padding length must be 'longest' or an integer ≥ 0, got ${describeValue(options.length)}`);
    const multiple = options.padToMultipleOf;
    if (multiple !== undefined) {
      if (!Number.isInteger(multiple) || multiple < 1)
        throw new TokenizerError(`Tokenizer.encodeBatch: padToMultipleOf must be an integer ≥ 1, got ${describeValue(multiple)}`);
      length = Math.ceil(length / multiple) * multiple;
    }
    const padToken = options.padToken ?? this.defaultPadToken();
    const padId = options.padId ?? this.tokenToId(padToken);
    if (padId === undefined)
      throw new TokenizerError(`Tokenizer.encodeBatch: the pad token ${describeValue(padToken)} is not in the vocabulary; set padding.padId`);
    if (!Number.isInteger(padId) || this.idToToken[padId] === undefined)
      throw new TokenizerError(`Tokenizer.encodeBatch: padding.padId ${describeValue(padId)} is not the id of any token (ids are below ${this.vocabSize})`);
    const padTypeId = options.padTypeId ?? 0;
    const left = options.direction === 'left';
    for (const enc of encodings) {
      const n = length - enc.ids.length;
      if (n <= 0) continue;
      const fill = <T>(array: T[], value: () => T) => {
        const extra = Array.from({ length: n }, value);
        if (left) array.unshift(...extra);
        else array.push(...extra);
      };
      fill(enc.ids, () => padId);
      fill(enc.tokens, () => padToken);
      fill(enc.typeIds, () => padTypeId);
      fill(enc.attentionMask, () => 0);
      fill(enc.specialTokensMask, () => 1);
      fill(enc.offsets, () => [0, 0] as [number, number]);
      fill(enc.sequenceIds, () => -1);
    }
  }

  private defaultPadToken(): string {
    for (const candidate of ['[PAD]', '<pad>']) if (this.tokenToId(candidate) !== undefined) return candidate;
    return '[PAD]';
  }
}

/**
 * Checks added tokens against the model's vocabulary and returns them; `where` and `field` name the
 * caller and the list in errors ("Tokenizer", "addedTokens"; "readTokenizerJson", "added_tokens").
 *
 * Which ids an added token may have: one whose text is already in the vocabulary (BERT's [MASK],
 * RoBERTa's <mask>, a word added that the vocabulary holds) must have the vocabulary's id, or the
 * same text would encode to one id and decode from another. The others are new rows of every
 * embedding built from `vocabSize`: Hugging Face gives them the next free ids, in order, from the
 * vocabulary's size on, so N of them end below V + N, V being one past the vocabulary's largest
 * id; every file its libraries write has that layout. Any order and holes within [0, V + N) are
 * accepted (a hand-edited file), nothing past it: an id of 2,000,000 would make a table, and an
 * embedding, of 2,000,001 rows that no token owns (8 GB in f32 at width 1,024). Hugging Face's Rust
 * reader does not refuse such an id either, but ignores it: it warns and renumbers the token to V,
 * silently changing the id a model was trained with.
 */
export function checkAddedTokens(tokens: unknown, vocab: Vocab, where: string, field: string): AddedToken[] {
  if (!Array.isArray(tokens)) throw new TokenizerError(`${where}: ${field} must be an array of added tokens, got ${describeValue(tokens)}`);
  const fresh = tokens.filter((t) => !vocab.tokenToId.has(t?.content)).length;
  const bound = vocab.idLimit + fresh;
  const byId = new Map<number, string>();
  const seen = new Set<string>();
  tokens.forEach((token: AddedToken, i) => {
    const path = `${where}: ${field}[${i}]`;
    if (token === null || typeof token !== 'object') throw new TokenizerError(`${path} must be an added token object, got ${describeValue(token)}`);
    const { id, content } = token;
    if (typeof content !== 'string' || content.length === 0)
      throw new TokenizerError(`${path}.content must be a non-empty string, got ${describeValue(content)}`);
    const name = `added token ${describeValue(content)}`;
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id > MAX_TOKEN_ID)
      throw new TokenizerError(`${path}: the id of ${name} must be an integer in [0, ${MAX_TOKEN_ID}], got ${describeValue(id)}`);
    for (const flag of ['special', 'singleWord', 'lstrip', 'rstrip', 'normalized'] as const) {
      if (typeof token[flag] !== 'boolean') throw new TokenizerError(`${path}.${flag} must be true or false, got ${describeValue(token[flag])}`);
    }
    if (seen.has(content)) throw new TokenizerError(`${path}: ${name} appears twice`);
    seen.add(content);
    const vocabId = vocab.tokenToId.get(content);
    if (vocabId !== undefined && vocabId !== id) throw new TokenizerError(`${path}: ${name} has id ${id}, but the vocabulary gives it id ${vocabId}`);
    const inVocab = vocab.idToToken[id];
    if (inVocab !== undefined && inVocab !== content)
      throw new TokenizerError(`${path}: ${name} has id ${id}, which the vocabulary gives to ${describeValue(inVocab)}`);
    if (id >= bound) {
      throw new TokenizerError(
        `${path}: ${name} has id ${id}, past the ids added tokens may take: the ${fresh} added token(s) not in the vocabulary take ids from ${vocab.idLimit} (one past its largest id) on, so every id must be below ${bound}`,
      );
    }
    const holder = byId.get(id);
    if (holder !== undefined) throw new TokenizerError(`${path}: ${name} has id ${id}, which added token ${describeValue(holder)} has too`);
    byId.set(id, content);
  });
  return tokens;
}

// A byte-level word is all ASCII exactly when its UTF-8 length equals its UTF-16 length.
function isAsciiLength(pieces: Int32Array, units: number): boolean {
  let bytes = 0;
  for (let k = 1; k < pieces.length; k += 2) bytes += pieces[k]!;
  return bytes === units;
}

function checkTruncation(options: TruncationOptions, where: string): void {
  if (!Number.isInteger(options.maxLength) || options.maxLength < 0) {
    throw new TokenizerError(`${where}: truncation maxLength must be an integer ≥ 0, got ${describeValue(options.maxLength)}`);
  }
  if (options.strategy !== undefined && !['longest_first', 'only_first', 'only_second'].includes(options.strategy)) {
    throw new TokenizerError(`${where}: truncation strategy must be 'longest_first', 'only_first' or 'only_second', got ${describeValue(options.strategy)}`);
  }
  if (options.direction !== undefined && options.direction !== 'left' && options.direction !== 'right') {
    throw new TokenizerError(`${where}: truncation direction must be 'left' or 'right', got ${describeValue(options.direction)}`);
  }
}

/** WordPiece's clean-up of a decoded token: no space before . ? ! , and inside English contractions. */
function cleanup(s: string): string {
  return s
    .replaceAll(' .', '.')
    .replaceAll(' ?', '?')
    .replaceAll(' !', '!')
    .replaceAll(' ,', ',')
    .replaceAll(" ' ", "'")
    .replaceAll(" n't", "n't")
    .replaceAll(" 'm", "'m")
    .replaceAll(' do not', " don't")
    .replaceAll(" 's", "'s")
    .replaceAll(" 've", "'ve")
    .replaceAll(" 're", "'re");
}
