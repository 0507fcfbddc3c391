// Hugging Face's tokenizer files, read and written: tokenizer.json (the whole pipeline), vocab.txt
// (BERT's WordPiece vocabulary, one token a line), vocab.json + merges.txt (GPT-2/RoBERTa's BPE).
// Every file is untrusted: each field is checked for presence, type and range before use, and a bad
// file is a TokenizerError that names the field and what it holds.
import { BYTE_TO_CHAR } from './byte-level.js';
import { BpeModel } from './bpe.js';
import { TokenizerError, describeValue } from './errors.js';
import { BertNormalizer } from './normalizers.js';
import type { PreTokenizerSpec } from './pre-tokenizers.js';
import { type PostProcessor, type TemplatePiece, bertTemplate, robertaTemplate } from './templates.js';
import { type AddedToken, type DecoderSpec, type PaddingOptions, Tokenizer, type TruncationOptions, checkAddedTokens } from './tokenizer.js';
import { MAX_TOKEN_ID, Vocab } from './vocab.js';
import { WordPieceModel } from './wordpiece.js';

/** A file's contents: text, UTF-8 bytes, or (tokenizer.json only) the parsed object. */
export type FileInput = string | Uint8Array;

const READ = 'readTokenizerJson';

type Json = Record<string, unknown>;

function text(input: unknown, where: string): string {
  if (typeof input === 'string') return input;
  if (input instanceof Uint8Array) {
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(input);
    } catch {
      throw new TokenizerError(`${where}: the file is not valid UTF-8`);
    }
  }
  throw new TokenizerError(`${where}: expected the file as a string or a Uint8Array, got ${describeValue(input)}`);
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function object(value: unknown, path: string): Json {
  if (!isObject(value)) throw new TokenizerError(`${READ}: ${path} must be an object, got ${describeValue(value)}`);
  return value;
}

function has(obj: Json, key: string): boolean {
  return Object.hasOwn(obj, key);
}

function required(obj: Json, key: string, path: string): unknown {
  if (!has(obj, key)) throw new TokenizerError(`${READ}: ${path} is missing the field "${key}"`);
  return obj[key];
}

function str(value: unknown, path: string): string {
  if (typeof value !== 'string') throw new TokenizerError(`${READ}: ${path} must be a string, got ${describeValue(value)}`);
  return value;
}

function bool(value: unknown, path: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new TokenizerError(`${READ}: ${path} must be true or false, got ${describeValue(value)}`);
  return value;
}

function int(value: unknown, path: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new TokenizerError(`${READ}: ${path} must be an integer in [${min}, ${max}], got ${describeValue(value)}`);
  }
  return value;
}

function tokenId(value: unknown, path: string): number {
  return int(value, path, 0, MAX_TOKEN_ID);
}

function optionalString(value: unknown, path: string): string | null {
  return value === undefined || value === null ? null : str(value, path);
}

function onlyNull(obj: Json, key: string, path: string, allowed: unknown[] = [null]): void {
  if (has(obj, key) && !allowed.includes(obj[key])) {
    throw new TokenizerError(
      `${READ}: ${path}.${key} = ${describeValue(obj[key])} is not supported (shaderformer reads ${allowed.map((a) => JSON.stringify(a)).join(' or ')})`,
    );
  }
}

function readVocabObject(value: unknown, path: string): Vocab {
  if (!isObject(value)) throw new TokenizerError(`${READ}: ${path} must be an object mapping tokens to ids, got ${describeValue(value)}`);
  return Vocab.fromEntries(Object.entries(value), `${READ}: ${path}`);
}

function readMerges(value: unknown, path: string): [string, string][] {
  if (!Array.isArray(value)) throw new TokenizerError(`${READ}: ${path} must be an array, got ${describeValue(value)}`);
  return value.map((merge, i) => {
    if (typeof merge === 'string') {
      const space = merge.indexOf(' ');
      if (space <= 0 || space === merge.length - 1 || merge.indexOf(' ', space + 1) >= 0) {
        throw new TokenizerError(`${READ}: ${path}[${i}] must be two tokens separated by one space, got ${describeValue(merge)}`);
      }
      return [merge.slice(0, space), merge.slice(space + 1)];
    }
    if (Array.isArray(merge) && merge.length === 2 && typeof merge[0] === 'string' && typeof merge[1] === 'string') return [merge[0], merge[1]];
    throw new TokenizerError(`${READ}: ${path}[${i}] must be "a b" or ["a", "b"], got ${describeValue(merge)}`);
  });
}

function readModel(value: unknown, byteLevel: boolean): BpeModel | WordPieceModel {
  const model = object(value, 'model');
  const type = has(model, 'type') ? str(model.type, 'model.type') : has(model, 'merges') ? 'BPE' : 'WordPiece';
  const vocab = readVocabObject(required(model, 'vocab', 'model'), 'model.vocab');
  if (type === 'BPE') {
    onlyNull(model, 'dropout', 'model');
    onlyNull(model, 'continuing_subword_prefix', 'model', [null, '']);
    onlyNull(model, 'end_of_word_suffix', 'model', [null, '']);
    onlyNull(model, 'fuse_unk', 'model', [false]);
    onlyNull(model, 'byte_fallback', 'model', [false]);
    onlyNull(model, 'ignore_merges', 'model', [false]);
    const merges = readMerges(required(model, 'merges', 'model'), 'model.merges');
    const bpe = new BpeModel(vocab, merges, { unkToken: optionalString(model.unk_token, 'model.unk_token') }, `${READ}: model`);
    if (byteLevel) bpe.useByteAlphabet(BYTE_TO_CHAR);
    return bpe;
  }
  if (type === 'WordPiece') {
    return new WordPieceModel(
      vocab,
      {
        unkToken: has(model, 'unk_token') ? str(model.unk_token, 'model.unk_token') : undefined,
        continuingSubwordPrefix: has(model, 'continuing_subword_prefix') ? str(model.continuing_subword_prefix, 'model.continuing_subword_prefix') : undefined,
        maxInputCharsPerWord: has(model, 'max_input_chars_per_word')
          ? int(model.max_input_chars_per_word, 'model.max_input_chars_per_word', 0, 1e9)
          : undefined,
      },
      `${READ}: model`,
    );
  }
  throw new TokenizerError(`${READ}: model.type ${describeValue(type)} is not supported (shaderformer reads "BPE" and "WordPiece")`);
}

function readNormalizer(value: unknown): BertNormalizer | null {
  if (value === null || value === undefined) return null;
  const n = object(value, 'normalizer');
  const type = str(required(n, 'type', 'normalizer'), 'normalizer.type');
  if (type !== 'BertNormalizer')
    throw new TokenizerError(`${READ}: normalizer.type ${describeValue(type)} is not supported (shaderformer reads "BertNormalizer" or null)`);
  return new BertNormalizer({
    cleanText: bool(n.clean_text, 'normalizer.clean_text', true),
    handleChineseChars: bool(n.handle_chinese_chars, 'normalizer.handle_chinese_chars', true),
    stripAccents: n.strip_accents === null || n.strip_accents === undefined ? null : bool(n.strip_accents, 'normalizer.strip_accents', false),
    lowercase: bool(n.lowercase, 'normalizer.lowercase', true),
  });
}

function readPreTokenizer(value: unknown): PreTokenizerSpec | null {
  if (value === null || value === undefined) return null;
  const p = object(value, 'pre_tokenizer');
  const type = str(required(p, 'type', 'pre_tokenizer'), 'pre_tokenizer.type');
  if (type === 'BertPreTokenizer') return { type };
  if (type === 'ByteLevel') {
    return {
      type,
      addPrefixSpace: bool(p.add_prefix_space, 'pre_tokenizer.add_prefix_space', true),
      trimOffsets: bool(p.trim_offsets, 'pre_tokenizer.trim_offsets', true),
      useRegex: bool(p.use_regex, 'pre_tokenizer.use_regex', true),
    };
  }
  throw new TokenizerError(`${READ}: pre_tokenizer.type ${describeValue(type)} is not supported (shaderformer reads "BertPreTokenizer", "ByteLevel" or null)`);
}

function readPair(value: unknown, path: string): [string, number] {
  if (!Array.isArray(value) || value.length !== 2) throw new TokenizerError(`${READ}: ${path} must be [token, id], got ${describeValue(value)}`);
  return [str(value[0], `${path}[0]`), tokenId(value[1], `${path}[1]`)];
}

function readTemplate(value: unknown, path: string, specials: Record<string, { id: string; ids: number[]; tokens: string[] }>): TemplatePiece[] {
  if (!Array.isArray(value)) throw new TokenizerError(`${READ}: ${path} must be an array, got ${describeValue(value)}`);
  const pieces: TemplatePiece[] = [];
  value.forEach((item, i) => {
    const o = object(item, `${path}[${i}]`);
    if (has(o, 'SpecialToken')) {
      const s = object(o.SpecialToken, `${path}[${i}].SpecialToken`);
      const name = str(required(s, 'id', `${path}[${i}].SpecialToken`), `${path}[${i}].SpecialToken.id`);
      const typeId = int(s.type_id ?? 0, `${path}[${i}].SpecialToken.type_id`, 0, 255);
      const special = specials[name];
      if (special === undefined || !has(specials, name))
        throw new TokenizerError(`${READ}: ${path}[${i}] names the special token ${describeValue(name)}, which post_processor.special_tokens does not define`);
      special.ids.forEach((id, k) => pieces.push({ special: special.tokens[k]!, id, typeId }));
    } else if (has(o, 'Sequence')) {
      const s = object(o.Sequence, `${path}[${i}].Sequence`);
      const id = str(required(s, 'id', `${path}[${i}].Sequence`), `${path}[${i}].Sequence.id`);
      if (id !== 'A' && id !== 'B') throw new TokenizerError(`${READ}: ${path}[${i}].Sequence.id must be "A" or "B", got ${describeValue(id)}`);
      pieces.push({ sequence: id === 'A' ? 0 : 1, typeId: int(s.type_id ?? 0, `${path}[${i}].Sequence.type_id`, 0, 255) });
    } else {
      throw new TokenizerError(`${READ}: ${path}[${i}] must hold "SpecialToken" or "Sequence"`);
    }
  });
  return pieces;
}

function readPostProcessor(value: unknown): PostProcessor | null {
  if (value === null || value === undefined) return null;
  const p = object(value, 'post_processor');
  const type = str(required(p, 'type', 'post_processor'), 'post_processor.type');
  if (type === 'BertProcessing') {
    return bertTemplate(
      readPair(required(p, 'cls', 'post_processor'), 'post_processor.cls'),
      readPair(required(p, 'sep', 'post_processor'), 'post_processor.sep'),
    );
  }
  if (type === 'RobertaProcessing') {
    return robertaTemplate(
      readPair(required(p, 'cls', 'post_processor'), 'post_processor.cls'),
      readPair(required(p, 'sep', 'post_processor'), 'post_processor.sep'),
      {
        trimOffsets: bool(p.trim_offsets, 'post_processor.trim_offsets', true),
        addPrefixSpace: bool(p.add_prefix_space, 'post_processor.add_prefix_space', true),
      },
    );
  }
  if (type === 'ByteLevel') {
    return {
      type,
      single: [{ sequence: 0, typeId: 0 }],
      pair: [
        { sequence: 0, typeId: 0 },
        { sequence: 1, typeId: 1 },
      ],
      trimOffsets: bool(p.trim_offsets, 'post_processor.trim_offsets', true),
      addPrefixSpace: bool(p.add_prefix_space, 'post_processor.add_prefix_space', true),
    };
  }
  if (type === 'TemplateProcessing') {
    const rawSpecials = object(p.special_tokens ?? {}, 'post_processor.special_tokens');
    const specials: Record<string, { id: string; ids: number[]; tokens: string[] }> = Object.create(null);
    for (const [name, entry] of Object.entries(rawSpecials)) {
      const path = `post_processor.special_tokens[${JSON.stringify(name)}]`;
      const e = object(entry, path);
      const ids = required(e, 'ids', path);
      const tokens = required(e, 'tokens', path);
      if (!Array.isArray(ids) || !Array.isArray(tokens) || ids.length !== tokens.length || ids.length === 0) {
        throw new TokenizerError(`${READ}: ${path} must have "ids" and "tokens" arrays of the same non-zero length`);
      }
      specials[name] = { id: name, ids: ids.map((id, k) => tokenId(id, `${path}.ids[${k}]`)), tokens: tokens.map((t, k) => str(t, `${path}.tokens[${k}]`)) };
    }
    return {
      type,
      single: readTemplate(required(p, 'single', 'post_processor'), 'post_processor.single', specials),
      pair: readTemplate(required(p, 'pair', 'post_processor'), 'post_processor.pair', specials),
      trimOffsets: false,
      addPrefixSpace: false,
      specialTokens: { ...specials },
    };
  }
  throw new TokenizerError(
    `${READ}: post_processor.type ${describeValue(type)} is not supported (shaderformer reads "BertProcessing", "RobertaProcessing", "TemplateProcessing", "ByteLevel" or null)`,
  );
}

function readDecoder(value: unknown): DecoderSpec | null {
  if (value === null || value === undefined) return null;
  const d = object(value, 'decoder');
  const type = str(required(d, 'type', 'decoder'), 'decoder.type');
  if (type === 'ByteLevel') return { type };
  if (type === 'WordPiece')
    return { type, prefix: has(d, 'prefix') ? str(d.prefix, 'decoder.prefix') : '##', cleanup: bool(d.cleanup, 'decoder.cleanup', true) };
  throw new TokenizerError(`${READ}: decoder.type ${describeValue(type)} is not supported (shaderformer reads "ByteLevel", "WordPiece" or null)`);
}

function readAddedTokens(value: unknown): AddedToken[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new TokenizerError(`${READ}: added_tokens must be an array, got ${describeValue(value)}`);
  return value.map((item, i) => {
    const path = `added_tokens[${i}]`;
    const t = object(item, path);
    const content = str(required(t, 'content', path), `${path}.content`);
    if (content.length === 0) throw new TokenizerError(`${READ}: ${path}.content must not be empty`);
    const special = bool(t.special, `${path}.special`, false);
    return {
      id: tokenId(required(t, 'id', path), `${path}.id`),
      content,
      special,
      singleWord: bool(t.single_word, `${path}.single_word`, false),
      lstrip: bool(t.lstrip, `${path}.lstrip`, false),
      rstrip: bool(t.rstrip, `${path}.rstrip`, false),
      normalized: bool(t.normalized, `${path}.normalized`, !special),
    };
  });
}

function readTruncation(value: unknown): TruncationOptions | null {
  if (value === null || value === undefined) return null;
  const t = object(value, 'truncation');
  const strategies: Record<string, TruncationOptions['strategy']> = { LongestFirst: 'longest_first', OnlyFirst: 'only_first', OnlySecond: 'only_second' };
  const strategy = str(t.strategy ?? 'LongestFirst', 'truncation.strategy');
  if (!(strategy in strategies))
    throw new TokenizerError(`${READ}: truncation.strategy must be "LongestFirst", "OnlyFirst" or "OnlySecond", got ${describeValue(strategy)}`);
  const direction = str(t.direction ?? 'Right', 'truncation.direction');
  if (direction !== 'Right' && direction !== 'Left')
    throw new TokenizerError(`${READ}: truncation.direction must be "Right" or "Left", got ${describeValue(direction)}`);
  int(t.stride ?? 0, 'truncation.stride', 0, 0);
  return {
    maxLength: int(required(t, 'max_length', 'truncation'), 'truncation.max_length', 0, 1e9),
    strategy: strategies[strategy],
    direction: direction === 'Left' ? 'left' : 'right',
  };
}

function readPadding(value: unknown): PaddingOptions | null {
  if (value === null || value === undefined) return null;
  const p = object(value, 'padding');
  const strategy = p.strategy ?? 'BatchLongest';
  let length: PaddingOptions['length'];
  if (strategy === 'BatchLongest') length = 'longest';
  else if (isObject(strategy) && has(strategy, 'Fixed')) length = int(strategy.Fixed, 'padding.strategy.Fixed', 0, 1e9);
  else throw new TokenizerError(`${READ}: padding.strategy must be "BatchLongest" or {"Fixed": n}, got ${describeValue(strategy)}`);
  const direction = str(p.direction ?? 'Right', 'padding.direction');
  if (direction !== 'Right' && direction !== 'Left')
    throw new TokenizerError(`${READ}: padding.direction must be "Right" or "Left", got ${describeValue(direction)}`);
  return {
    length,
    direction: direction === 'Left' ? 'left' : 'right',
    padToMultipleOf:
      p.pad_to_multiple_of === null || p.pad_to_multiple_of === undefined ? undefined : int(p.pad_to_multiple_of, 'padding.pad_to_multiple_of', 1, 1e9),
    padId: tokenId(p.pad_id ?? 0, 'padding.pad_id'),
    padTypeId: int(p.pad_type_id ?? 0, 'padding.pad_type_id', 0, 255),
    padToken: str(p.pad_token ?? '[PAD]', 'padding.pad_token'),
  };
}

/** Reads a Hugging Face tokenizer.json (text, UTF-8 bytes or the parsed object), checking every field. */
export function readTokenizerJson(input: FileInput | object): Tokenizer {
  let root: unknown = input;
  if (typeof input === 'string' || input instanceof Uint8Array) {
    const source = text(input, READ);
    try {
      root = JSON.parse(source);
    } catch (error) {
      throw new TokenizerError(`${READ}: not valid JSON (${error instanceof Error ? error.message : String(error)})`);
    }
  }
  const json = object(root, 'the top level');
  const preTokenizer = readPreTokenizer(json.pre_tokenizer);
  const model = readModel(required(json, 'model', 'the top level'), preTokenizer?.type === 'ByteLevel');
  const padding = readPadding(json.padding);
  const tokenizer = new Tokenizer({
    model,
    normalizer: readNormalizer(json.normalizer),
    preTokenizer,
    postProcessor: readPostProcessor(json.post_processor),
    decoder: readDecoder(json.decoder),
    addedTokens: checkAddedTokens(readAddedTokens(json.added_tokens), model.vocab, READ, 'added_tokens'),
    truncation: readTruncation(json.truncation),
    padding,
  });
  // Padding would otherwise fill batches with an id no token (and no embedding row) has.
  if (padding !== null && tokenizer.idToTokenString(padding.padId!) === undefined) {
    throw new TokenizerError(
      `${READ}: padding.pad_id ${padding.padId} is not the id of any token (the vocabulary, added tokens included, has ids below ${tokenizer.vocabSize})`,
    );
  }
  // Template tokens must be real tokens with the ids the template says.
  const processor = tokenizer.postProcessor;
  for (const piece of processor ? [...processor.single, ...processor.pair] : []) {
    if ('special' in piece && tokenizer.tokenToId(piece.special) !== piece.id) {
      throw new TokenizerError(
        `${READ}: post_processor uses ${describeValue(piece.special)} with id ${piece.id}, but the vocabulary gives it ${describeValue(tokenizer.tokenToId(piece.special))}`,
      );
    }
  }
  return tokenizer;
}

// --- writing ---------------------------------------------------------------------------------

function vocabText(entries: [string, number][], indent: string): string {
  if (entries.length === 0) return '{}';
  return `{\n${entries.map(([token, id]) => `${indent}  ${JSON.stringify(token)}: ${id}`).join(',\n')}\n${indent}}`;
}

function postProcessorJson(p: PostProcessor | null): unknown {
  if (p === null) return null;
  const specialAt = (pieces: TemplatePiece[], index: number): [string, number] => {
    const piece = pieces.filter((x) => 'special' in x)[index] as { special: string; id: number };
    return [piece.special, piece.id];
  };
  switch (p.type) {
    case 'BertProcessing':
      return { type: p.type, sep: specialAt(p.single, 1), cls: specialAt(p.single, 0) };
    case 'RobertaProcessing':
      return { type: p.type, sep: specialAt(p.single, 1), cls: specialAt(p.single, 0), trim_offsets: p.trimOffsets, add_prefix_space: p.addPrefixSpace };
    case 'ByteLevel':
      return { type: p.type, add_prefix_space: p.addPrefixSpace, trim_offsets: p.trimOffsets, use_regex: true };
    case 'TemplateProcessing': {
      const template = (pieces: TemplatePiece[]) =>
        pieces.map((x) =>
          'special' in x ? { SpecialToken: { id: x.special, type_id: x.typeId } } : { Sequence: { id: x.sequence === 0 ? 'A' : 'B', type_id: x.typeId } },
        );
      const specials: Record<string, unknown> = {};
      for (const x of [...p.single, ...p.pair]) if ('special' in x) specials[x.special] = { id: x.special, ids: [x.id], tokens: [x.special] };
      return { type: p.type, single: template(p.single), pair: template(p.pair), special_tokens: p.specialTokens ?? specials };
    }
  }
}

/** Writes a tokenizer as Hugging Face's tokenizer.json (the vocabulary in id order). */
export function writeTokenizerJson(tokenizer: Tokenizer): string {
  const model = tokenizer.model;
  const vocabEntries = model.vocab.entries();
  const modelJson: Json =
    model instanceof BpeModel
      ? {
          type: 'BPE',
          dropout: null,
          unk_token: model.unkToken,
          continuing_subword_prefix: null,
          end_of_word_suffix: null,
          fuse_unk: false,
          byte_fallback: false,
          ignore_merges: false,
          vocab: '\u0000VOCAB\u0000',
          merges: '\u0000MERGES\u0000',
        }
      : {
          type: 'WordPiece',
          unk_token: model.unkToken,
          continuing_subword_prefix: model.continuingSubwordPrefix,
          max_input_chars_per_word: model.maxInputCharsPerWord,
          vocab: '\u0000VOCAB\u0000',
        };
  const n = tokenizer.normalizer;
  const pre = tokenizer.preTokenizer;
  const t = tokenizer.truncation;
  const pad = tokenizer.padding;
  const root = {
    version: '1.0',
    truncation: t && {
      direction: t.direction === 'left' ? 'Left' : 'Right',
      max_length: t.maxLength,
      strategy: { longest_first: 'LongestFirst', only_first: 'OnlyFirst', only_second: 'OnlySecond' }[t.strategy ?? 'longest_first'],
      stride: 0,
    },
    padding: pad && {
      strategy: pad.length === undefined || pad.length === 'longest' ? 'BatchLongest' : { Fixed: pad.length },
      direction: pad.direction === 'left' ? 'Left' : 'Right',
      pad_to_multiple_of: pad.padToMultipleOf ?? null,
      pad_id: pad.padId ?? tokenizer.tokenToId(pad.padToken ?? '[PAD]') ?? 0,
      pad_type_id: pad.padTypeId ?? 0,
      pad_token: pad.padToken ?? '[PAD]',
    },
    added_tokens: tokenizer.addedTokens.map((a) => ({
      id: a.id,
      content: a.content,
      single_word: a.singleWord,
      lstrip: a.lstrip,
      rstrip: a.rstrip,
      normalized: a.normalized,
      special: a.special,
    })),
    normalizer: n && {
      type: 'BertNormalizer',
      clean_text: n.cleanText,
      handle_chinese_chars: n.handleChineseChars,
      strip_accents: n.stripAccents,
      lowercase: n.lowercase,
    },
    pre_tokenizer:
      pre &&
      (pre.type === 'ByteLevel'
        ? { type: 'ByteLevel', add_prefix_space: pre.addPrefixSpace, trim_offsets: pre.trimOffsets, use_regex: pre.useRegex }
        : { type: pre.type }),
    post_processor: postProcessorJson(tokenizer.postProcessor),
    decoder:
      tokenizer.decoder &&
      (tokenizer.decoder.type === 'ByteLevel'
        ? { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true }
        : { type: 'WordPiece', prefix: tokenizer.decoder.prefix, cleanup: tokenizer.decoder.cleanup }),
    model: modelJson,
  };
  let out = JSON.stringify(root, null, 2);
  out = out.replace('"\\u0000VOCAB\\u0000"', () => vocabText(vocabEntries, '    '));
  if (model instanceof BpeModel) {
    const merges = model.merges.length === 0 ? '[]' : `[\n${model.merges.map((m) => `      ${JSON.stringify(m)}`).join(',\n')}\n    ]`;
    out = out.replace('"\\u0000MERGES\\u0000"', () => merges);
  }
  return `${out}\n`;
}

// --- vocab.txt, vocab.json + merges.txt ------------------------------------------------------

/** Options for a BERT tokenizer built from vocab.txt. */
export interface VocabTxtOptions {
  /** Uncased BERT (default true): lowercase and strip accents. */
  lowercase?: boolean;
  unkToken?: string;
}

const BERT_SPECIALS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];
const ROBERTA_SPECIALS = ['<s>', '<pad>', '</s>', '<unk>', '<mask>'];

function specialAddedTokens(vocab: Vocab, names: string[]): AddedToken[] {
  return names
    .filter((name) => vocab.tokenToId.has(name))
    .map((name) => ({ id: vocab.tokenToId.get(name)!, content: name, special: true, singleWord: false, lstrip: false, rstrip: false, normalized: false }));
}

/** Reads BERT's vocab.txt (one token a line, id = line number) into a WordPiece tokenizer with BERT's normaliser, pre-tokeniser and template. */
export function readVocabTxt(input: FileInput, options: VocabTxtOptions = {}): Tokenizer {
  const where = 'readVocabTxt';
  const lines = text(input, where).split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  if (lines.length === 0) throw new TokenizerError(`${where}: vocab.txt is empty; it must list the vocabulary, one token a line`);
  const vocab = new Vocab();
  lines.forEach((line, i) => {
    const token = line.replace(/\s+$/u, '');
    if (token.length === 0) throw new TokenizerError(`${where}: line ${i + 1} is empty`);
    if (vocab.tokenToId.has(token))
      throw new TokenizerError(`${where}: line ${i + 1}: token ${describeValue(token)} already appears on line ${vocab.tokenToId.get(token)! + 1}`);
    vocab.add(token, i, where);
  });
  const model = new WordPieceModel(vocab, { unkToken: options.unkToken ?? '[UNK]' }, where);
  const cls = vocab.tokenToId.get('[CLS]');
  const sep = vocab.tokenToId.get('[SEP]');
  return new Tokenizer({
    model,
    normalizer: new BertNormalizer({ lowercase: options.lowercase ?? true }),
    preTokenizer: { type: 'BertPreTokenizer' },
    postProcessor: cls !== undefined && sep !== undefined ? bertTemplate(['[CLS]', cls], ['[SEP]', sep]) : null,
    decoder: { type: 'WordPiece', prefix: model.continuingSubwordPrefix, cleanup: true },
    addedTokens: specialAddedTokens(vocab, BERT_SPECIALS),
  });
}

/** Writes a WordPiece tokenizer's vocabulary as vocab.txt (ids must run 0..n-1 without a hole). */
export function writeVocabTxt(tokenizer: Tokenizer): string {
  const ids = tokenizer.model.vocab.idToToken;
  const lines: string[] = [];
  for (let id = 0; id < ids.length; id++) {
    const token = ids[id];
    if (token === undefined) throw new TokenizerError(`writeVocabTxt: id ${id} has no token, so the vocabulary cannot be written one token a line`);
    if (/[\n\r]/.test(token) || /\s$/u.test(token))
      throw new TokenizerError(
        `writeVocabTxt: token ${describeValue(token)} (id ${id}) holds a line break or ends in whitespace, which vocab.txt cannot represent`,
      );
    lines.push(token);
  }
  return `${lines.join('\n')}\n`;
}

/** Options for a byte-level BPE tokenizer built from vocab.json + merges.txt. */
export interface VocabMergesOptions {
  /** Put a virtual space in front of text that does not start with one (GPT-2 style); default false. Offsets never cover it (unlike Rust's after an added token: docs/tokenizers.md). */
  addPrefixSpace?: boolean;
}

/** Reads GPT-2/RoBERTa's vocab.json + merges.txt into a byte-level BPE tokenizer (RoBERTa's template when <s> and </s> are in the vocabulary). */
export function readVocabAndMerges(vocabJson: FileInput, mergesTxt: FileInput, options: VocabMergesOptions = {}): Tokenizer {
  const where = 'readVocabAndMerges';
  let parsed: unknown;
  try {
    parsed = JSON.parse(text(vocabJson, `${where}: vocab.json`));
  } catch (error) {
    if (error instanceof TokenizerError) throw error;
    throw new TokenizerError(`${where}: vocab.json is not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (!isObject(parsed)) throw new TokenizerError(`${where}: vocab.json must be an object mapping tokens to ids, got ${describeValue(parsed)}`);
  const vocab = Vocab.fromEntries(Object.entries(parsed), `${where}: vocab.json`);
  if (vocab.size === 0) throw new TokenizerError(`${where}: vocab.json is empty ({}); a BPE vocabulary needs at least its alphabet`);
  const merges: [string, string][] = [];
  text(mergesTxt, `${where}: merges.txt`)
    .split('\n')
    .forEach((raw, i) => {
      const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
      if (line === '' || (i === 0 && line.startsWith('#version'))) return;
      const parts = line.split(' ');
      if (parts.length !== 2 || parts[0] === '' || parts[1] === '') {
        throw new TokenizerError(`${where}: merges.txt line ${i + 1} must be two tokens separated by one space, got ${describeValue(line)}`);
      }
      merges.push([parts[0]!, parts[1]!]);
    });
  const model = new BpeModel(vocab, merges, {}, `${where}: merges.txt`);
  const cls = vocab.tokenToId.get('<s>');
  const sep = vocab.tokenToId.get('</s>');
  const addPrefixSpace = options.addPrefixSpace ?? false;
  return new Tokenizer({
    model,
    preTokenizer: { type: 'ByteLevel', addPrefixSpace, trimOffsets: true, useRegex: true },
    postProcessor: cls !== undefined && sep !== undefined ? robertaTemplate(['<s>', cls], ['</s>', sep], { addPrefixSpace }) : null,
    decoder: { type: 'ByteLevel' },
    // GPT-2's <|endoftext|> is special too: never split by BPE, as GPT2Tokenizer adds it.
    addedTokens: specialAddedTokens(vocab, [...ROBERTA_SPECIALS, '<|endoftext|>']),
  });
}

/** Writes a BPE tokenizer's vocabulary as vocab.json (tokens in id order). */
export function writeVocabJson(tokenizer: Tokenizer): string {
  return `${vocabText(tokenizer.model.vocab.entries(), '')}\n`;
}

/** Writes a BPE tokenizer's merges as merges.txt ("#version: 0.2", then one "a b" pair a line). */
export function writeMergesTxt(tokenizer: Tokenizer): string {
  const model = tokenizer.model;
  if (!(model instanceof BpeModel)) throw new TokenizerError('writeMergesTxt: the tokenizer is not a BPE tokenizer');
  for (const [a, b] of model.merges) {
    if (/[ \n\r]/.test(a + b))
      throw new TokenizerError(`writeMergesTxt: merge ${describeValue(a)} ${describeValue(b)} holds a space or line break, which merges.txt cannot represent`);
  }
  return `#version: 0.2\n${model.merges.map(([a, b]) => `${a} ${b}\n`).join('')}`;
}
