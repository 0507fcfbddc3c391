// Hugging Face model folders in and out: `fromPretrained` reads config.json, the safetensors weights
// (one file or shards) and the tokenizer files; `savePretrained` writes a folder that Python
// `transformers` loads with the same logits. The model-specific parts (config fields, parameter-name
// conventions, tied weights) come from a `PretrainedFormat` each model class declares; this file
// knows no model.
import { ArgumentError, PretrainedError, ShaderformerError, describeValue, formatShape } from '../errors.js';
import { ParameterStore } from '../graph/parameters.js';
import {
  type FolderSource,
  type FolderWriter,
  type ModelFolder,
  directoryHandleWriter,
  nodeDirectoryWriter,
  openModelFolder,
  zipWriter,
} from '../io/folder.js';
import { scanJson } from '../io/json-scan.js';
import { SafetensorsFile } from '../io/safetensors.js';
import { SAFETENSORS_INDEX_FILE, ShardedSafetensors } from '../io/sharded.js';
import { type TensorToWrite, writeSafetensors } from '../io/writer.js';
import type { Module } from '../nn/module.js';
import type { Backend } from '../tensor/tensor.js';
import {
  BpeModel,
  type Tokenizer,
  WordPieceModel,
  readTokenizerJson,
  readVocabAndMerges,
  readVocabTxt,
  writeMergesTxt,
  writeTokenizerJson,
  writeVocabJson,
  writeVocabTxt,
} from '../tokenizers/index.js';

/** The type a config.json field must have; `…|null` also takes null (Python's None: the field's default), 'object' a JSON object. */
export type ConfigFieldKind = 'integer' | 'number' | 'string' | 'boolean' | 'object' | 'integer|null' | 'number|null' | 'string|null';

/** How a model class maps to a Hugging Face folder: its config fields, names and tied weights. */
export interface PretrainedFormat<M extends Module = Module, C = Record<string, unknown>> {
  /** `architectures[0]` in config.json (Hugging Face's class name), e.g. 'BertForMaskedLM'. */
  readonly architecture: string;
  /** `model_type` in config.json, e.g. 'bert'. */
  readonly modelType: string;
  /** Hugging Face's `base_model_prefix` ('bert'): the base model's weights sit under it in a model with a head. */
  readonly basePrefix: string;
  /** True for the bare base model: Hugging Face saves its weights without the prefix (ours carry it). */
  readonly isBaseModel: boolean;
  /** The config.json fields the model reads, with their types; other fields are ignored. */
  readonly fields: Readonly<Record<string, ConfigFieldKind>>;
  /** Fields whose value, when present, must be one of these (e.g. position_embedding_type: 'absolute'). */
  readonly supported?: Readonly<Record<string, readonly unknown[]>>;
  /** Checkpoint names stored tied to a parameter of ours: ignored on load (compared), not written. */
  readonly tied: Readonly<Record<string, string>>;
  /** Other checkpoint names of one of our parameters (used when ours is absent from the file). */
  readonly aliases: Readonly<Record<string, string>>;
  /** The config field holding the longest sequence, written as the tokenizer's model_max_length (default 'max_position_embeddings'). */
  readonly positionsField?: string;
  /** Builds the model (the config is checked there). */
  create(config: C): M;
  /** The model's resolved config. */
  configOf(model: M): Readonly<Record<string, unknown>>;
  /** config.json as transformers writes it, for this config and the tokenizer's pad id. */
  configJson(config: Readonly<Record<string, unknown>>, architecture: string, padTokenId: number): Record<string, unknown>;
}

/** Options of `fromPretrained`. */
export interface FromPretrainedOptions {
  /** Where the parameters go. */
  backend: Backend;
  /** Seed of the initialisers of missing parameters (default 0). */
  seed?: number;
  /** The fetch used for a URL source (default: the global one). */
  fetch?: typeof fetch;
  /** Load the tokenizer files when present (default true). */
  tokenizer?: boolean;
}

/** One loaded parameter: our name, the checkpoint name it came from and the file. */
export interface LoadedTensor {
  readonly name: string;
  readonly from: string;
  readonly file: string;
}

/** What `fromPretrained` did, like Hugging Face's loading info. */
export interface LoadReport {
  /** Our parameters the checkpoint lacks: initialised by their initialisers (model names). */
  missingKeys: string[];
  /** Checkpoint tensors the model has no place for: skipped (checkpoint names), e.g. the pooler and NSP head in a masked-LM model. */
  unexpectedKeys: string[];
  /** Checkpoint tensors tied to a parameter (e.g. `cls.predictions.decoder.weight`): not loaded, compared. */
  tiedKeys: string[];
  /** Every loaded parameter with its checkpoint name and file. */
  loaded: LoadedTensor[];
  /** Things worth knowing that are not errors (a tied weight that differs, untied embeddings in the config). */
  warnings: string[];
  /** The weight files read, in order. */
  files: string[];
  /** The file the tokenizer came from (or undefined when none was loaded). */
  tokenizerFile: string | undefined;
  /** Wall time of the whole load, in milliseconds. */
  milliseconds: number;
}

/** What `fromPretrained` returns. */
export interface Pretrained<M extends Module> {
  model: M;
  parameters: ParameterStore;
  /** The folder's tokenizer, when it has tokenizer.json, vocab.txt or vocab.json + merges.txt. */
  tokenizer?: Tokenizer;
  report: LoadReport;
}

const CONFIG_FILE = 'config.json';
const WEIGHTS_FILE = 'model.safetensors';
const TOKENIZER_CONFIG_FILE = 'tokenizer_config.json';
const SPECIAL_TOKENS_FILE = 'special_tokens_map.json';
/** A config.json is a few KB; a label map can make it larger, never megabytes. */
const MAX_CONFIG_BYTES = 4 << 20;
/** tokenizer.json of a 250k-token multilingual vocabulary is ~20 MB. */
const MAX_TOKENIZER_BYTES = 64 << 20;
/** config.json nests little: {id2label: {...}}, task_specific_params: {task: {...}}. */
const MAX_CONFIG_DEPTH = 8;
/** An index lists each tensor once (~100 bytes each): 16 MB is ten times the largest public model's. */
const MAX_INDEX_BYTES = 16 << 20;
/** Weight formats we cannot read, named in the error when a folder holds only those. */
const OTHER_WEIGHTS = ['pytorch_model.bin', 'pytorch_model.bin.index.json', 'tf_model.h5', 'flax_model.msgpack'];

/** Loads a model, its parameters and its tokenizer from a Hugging Face folder; see `FolderSource` for the sources. */
export async function loadPretrained<M extends Module, C>(
  format: PretrainedFormat<M, C>,
  source: FolderSource,
  options: FromPretrainedOptions,
): Promise<Pretrained<M>> {
  const op = `${format.architecture}.fromPretrained`;
  const started = performance.now();
  if (typeof options !== 'object' || options === null) throw new ArgumentError(`${op}: options { backend } are required, got ${describeValue(options)}`);
  if (typeof (options.backend as Partial<Backend> | undefined)?.tensor !== 'function') {
    throw new ArgumentError(`${op}: options.backend must be a Backend, got ${describeValue(options.backend)}`);
  }
  if (options.tokenizer !== undefined && typeof options.tokenizer !== 'boolean') {
    throw new ArgumentError(`${op}: options.tokenizer must be a boolean, got ${describeValue(options.tokenizer)}`);
  }
  const folder = await openModelFolder(source, options.fetch ? { fetch: options.fetch } : {});
  const json = await readJsonFile(op, folder, CONFIG_FILE, MAX_CONFIG_BYTES);
  if (json === undefined) throw new PretrainedError(`${op}: ${folder.name} has no ${CONFIG_FILE} (${folder.describeContents()})`);
  const { config, warnings } = readConfig(`${op}: ${folder.name}/${CONFIG_FILE}`, format, json);
  let model: M;
  try {
    model = format.create(config as C);
  } catch (error) {
    // The model's own checks (hidden_size a multiple of the heads, sizes ≥ 1, …) name the field.
    if (error instanceof ArgumentError) throw new PretrainedError(`${op}: ${folder.name}/${CONFIG_FILE}: ${error.message}`);
    throw error;
  }
  const weights = await openWeights(op, folder);
  try {
    const plan = planLoad(op, format, model, weights);
    // The values stream from the file(s) in file order, each to the backend as it comes. A tied copy
    // and its parameter are compared by a hash of their bits, so neither is kept.
    const hashes = new Map<string, number>();
    const compared = new Set(plan.tied.map((t) => t.target));
    const tiedKeys = new Set(plan.tied.map((t) => t.key));
    async function* values() {
      for await (const tensor of weights.tensors([...plan.sourceOf.keys(), ...tiedKeys])) {
        const name = plan.sourceOf.get(tensor.name);
        if (name === undefined || compared.has(name)) hashes.set(name ?? tensor.name, hashFloats(tensor.data));
        if (name !== undefined) yield { name, data: tensor.data as Float32Array };
      }
    }
    const { store } = await ParameterStore.load(options.backend, model.parameters(), values(), options.seed === undefined ? {} : { seed: options.seed });
    for (const { key, target } of plan.tied) {
      if (hashes.has(target) && hashes.get(target) !== hashes.get(key)) {
        warnings.push(`${key} differs from ${target}: the model ties them and uses ${target} (as transformers does when tie_word_embeddings is true)`);
      }
    }
    let tokenizer: Tokenizer | undefined;
    let tokenizerFile: string | undefined;
    if (options.tokenizer !== false) {
      try {
        ({ tokenizer, file: tokenizerFile } = (await loadTokenizer(op, folder)) ?? {});
      } catch (error) {
        store.dispose();
        throw error;
      }
    }
    const report: LoadReport = {
      missingKeys: plan.missing,
      unexpectedKeys: plan.unexpected,
      tiedKeys: [...tiedKeys],
      loaded: plan.loaded,
      warnings,
      files: weights.files,
      tokenizerFile,
      milliseconds: performance.now() - started,
    };
    return { model, parameters: store, ...(tokenizer ? { tokenizer } : {}), report };
  } finally {
    await weights.close();
  }
}

/** A cheap fingerprint of a tensor's bits (FNV-1a over 32-bit words): tells a tied copy that differs without keeping both in memory. */
function hashFloats(data: Float32Array | Int32Array): number {
  const words = new Uint32Array(data.buffer, data.byteOffset, data.length);
  let hash = 0x811c9dc5;
  for (let i = 0; i < words.length; i++) hash = Math.imul(hash ^ words[i]!, 0x01000193);
  return hash >>> 0;
}

async function readJsonFile(op: string, folder: ModelFolder, file: string, maxBytes: number): Promise<unknown> {
  let text: string | undefined;
  try {
    text = await folder.text(file, maxBytes);
  } catch (error) {
    if (error instanceof ShaderformerError) throw new PretrainedError(`${op}: ${folder.name}/${file}: ${error.message}`);
    throw error;
  }
  if (text === undefined) return undefined;
  const problem = scanJson(new TextEncoder().encode(text), MAX_CONFIG_DEPTH);
  if (problem?.kind === 'depth') throw new PretrainedError(`${op}: ${folder.name}/${file} nests ${problem.depth} deep (at most ${MAX_CONFIG_DEPTH} allowed)`);
  if (problem?.kind === 'duplicate')
    throw new PretrainedError(`${op}: ${folder.name}/${file}: field ${[...problem.path, problem.key].join('.')} appears twice`);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new PretrainedError(`${op}: ${folder.name}/${file} is not valid JSON (${(error as Error).message})`);
  }
}

/** config.json → the model's config: the format's fields, each type-checked; every other field is left out. */
export function readConfig(where: string, format: PretrainedFormat<Module, unknown>, json: unknown): { config: Record<string, unknown>; warnings: string[] } {
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw new PretrainedError(`${where}: must be a JSON object, got ${describeValue(json)}`);
  const raw = json as Record<string, unknown>;
  if (raw.model_type !== undefined && raw.model_type !== format.modelType) {
    throw new PretrainedError(`${where}: model_type is ${show(raw.model_type)}, but ${format.architecture} reads '${format.modelType}' folders`);
  }
  const config: Record<string, unknown> = {};
  for (const [field, kind] of Object.entries(format.fields)) {
    const value = raw[field];
    if (value === undefined || (value === null && kind.endsWith('|null'))) continue;
    const base = kind.replace('|null', '');
    const ok =
      base === 'integer'
        ? Number.isSafeInteger(value)
        : base === 'number'
          ? typeof value === 'number' && Number.isFinite(value)
          : base === 'object'
            ? typeof value === 'object' && value !== null && !Array.isArray(value)
            : typeof value === base;
    if (!ok) {
      const want = base === 'integer' ? 'an integer' : base === 'object' ? 'a JSON object' : `a ${base}`;
      throw new PretrainedError(`${where}: field ${field} must be ${want}${kind.endsWith('|null') ? ' or null' : ''}, got ${describeValue(value)}`);
    }
    config[field] = value;
  }
  for (const [field, allowed] of Object.entries(format.supported ?? {})) {
    const value = raw[field];
    if (value !== undefined && value !== null && !allowed.includes(value)) {
      throw new PretrainedError(`${where}: field ${field} is ${show(value)}; ${format.architecture} supports only ${allowed.map(show).join(', ')}`);
    }
  }
  const warnings: string[] = [];
  if (raw.tie_word_embeddings === false)
    warnings.push(`${CONFIG_FILE} sets tie_word_embeddings false; this model always ties the decoder to the word embeddings`);
  return { config, warnings };
}

/** A JSON value as it reads in the file, cut short for a message. */
function show(value: unknown): string {
  const json = JSON.stringify(value) ?? describeValue(value);
  return json.length > 80 ? `${json.slice(0, 80)}…` : json;
}

/** The weights of a folder, one file or shards, behind one interface. */
interface Weights {
  /** Checkpoint name → shape and file. */
  readonly entries: ReadonlyMap<string, { shape: readonly number[]; file: string }>;
  readonly files: string[];
  tensors(names: readonly string[]): AsyncIterable<{ name: string; data: Float32Array | Int32Array }>;
  close(): Promise<void>;
}

async function openWeights(op: string, folder: ModelFolder): Promise<Weights> {
  try {
    const single = await folder.open(WEIGHTS_FILE);
    if (single) {
      const file = await SafetensorsFile.open(single);
      return {
        entries: new Map([...file.entries].map(([name, e]) => [name, { shape: e.shape, file: WEIGHTS_FILE }])),
        files: [WEIGHTS_FILE],
        // One reused buffer: each tensor is hashed or copied to the backend before the next is read.
        tensors: (names) => file.tensors({ names, reuse: true }),
        close: () => file.close(),
      };
    }
    const indexSource = await folder.open(SAFETENSORS_INDEX_FILE);
    if (indexSource) {
      // As bytes: ShardedSafetensors.open takes a plain object for parsed JSON, which a ByteSource literal looks like.
      let index: Uint8Array;
      try {
        if (indexSource.size > MAX_INDEX_BYTES)
          throw new PretrainedError(`${op}: ${folder.name}/${SAFETENSORS_INDEX_FILE} has ${indexSource.size} bytes, more than the ${MAX_INDEX_BYTES} allowed`);
        index = await indexSource.read(0, indexSource.size);
      } finally {
        await indexSource.close();
      }
      const sharded = await ShardedSafetensors.open(
        index,
        async (shard) => {
          const opened = await folder.open(shard);
          if (!opened)
            throw new PretrainedError(`${op}: ${SAFETENSORS_INDEX_FILE} names the shard ${shard}, which ${folder.name} lacks (${folder.describeContents()})`);
          return opened;
        },
        { name: `${folder.name}/${SAFETENSORS_INDEX_FILE}` },
      );
      const entries = await sharded.entries();
      return {
        entries: new Map([...entries].map(([name, e]) => [name, { shape: e.shape, file: e.file }])),
        files: [...sharded.files],
        tensors: (names) => sharded.tensors({ names }),
        close: () => sharded.close(),
      };
    }
  } catch (error) {
    if (error instanceof PretrainedError || !(error instanceof ShaderformerError)) throw error;
    throw new PretrainedError(`${op}: ${folder.name}: ${error.message}`);
  }
  for (const other of OTHER_WEIGHTS) {
    if (await folder.has(other)) {
      throw new PretrainedError(
        `${op}: ${folder.name} has ${other} but no ${WEIGHTS_FILE}: only safetensors weights are supported (convert with transformers: model.save_pretrained(dir, safe_serialization=True))`,
      );
    }
  }
  throw new PretrainedError(`${op}: ${folder.name} has no ${WEIGHTS_FILE} or ${SAFETENSORS_INDEX_FILE} (${folder.describeContents()})`);
}

/** Which checkpoint tensor fills which parameter, what is missing, unexpected or tied; shapes checked before anything is read. */
function planLoad(op: string, format: PretrainedFormat<Module, unknown>, model: Module, weights: Weights) {
  const params = new Map(model.parameters().map((p) => [p.name, p]));
  const sourceOf = new Map<string, string>(); // checkpoint name → our name
  const taken = new Map<string, string>(); // our name → checkpoint name
  const unexpected: string[] = [];
  const tied: { key: string; target: string }[] = []; // copies of a parameter: read, compared, not loaded
  const aliased: { key: string; target: string }[] = [];
  for (const key of weights.entries.keys()) {
    const name = ourName(format, key);
    const tiedTo = format.tied[name];
    const alias = format.aliases[name];
    if (tiedTo !== undefined && params.has(tiedTo)) tied.push({ key, target: tiedTo });
    else if (alias !== undefined && params.has(alias)) aliased.push({ key, target: alias });
    else if (!params.has(name)) unexpected.push(key);
    else {
      if (taken.has(name)) throw new PretrainedError(`${op}: the checkpoint holds both ${taken.get(name)} and ${key}, which are both ${name}`);
      taken.set(name, key);
      sourceOf.set(key, name);
    }
  }
  // An alias (cls.predictions.decoder.bias) fills the parameter only when its own name is absent; otherwise it is a tied copy.
  for (const { key, target } of aliased) {
    if (taken.has(target)) tied.push({ key, target });
    else {
      taken.set(target, key);
      sourceOf.set(key, target);
    }
  }
  for (const [key, name] of sourceOf) {
    const want = params.get(name)!.shape;
    const entry = weights.entries.get(key)!;
    if (entry.shape.length !== want.length || entry.shape.some((d, i) => d !== want[i])) {
      throw new PretrainedError(
        `${op}: tensor ${key} (in ${entry.file}) has shape ${formatShape(entry.shape)}, but the model's ${name} has shape ${formatShape(want)}; check config.json`,
      );
    }
  }
  return {
    sourceOf,
    tied,
    missing: [...params.keys()].filter((n) => !taken.has(n)),
    unexpected,
    loaded: [...sourceOf].map(([from, name]) => ({ name, from, file: weights.entries.get(from)!.file })),
  };
}

/** A checkpoint name in our naming: TF-era LayerNorm gamma/beta renamed, the base prefix added where Hugging Face's bare base model leaves it out. */
function ourName(format: PretrainedFormat<Module, unknown>, key: string): string {
  const name = key.replace(/\.LayerNorm\.gamma$/, '.LayerNorm.weight').replace(/\.LayerNorm\.beta$/, '.LayerNorm.bias');
  // Our models carry the prefix on the base weights and none on the heads, as transformers names them in a model with a head.
  return name.startsWith(`${format.basePrefix}.`) || isHeadName(name) ? name : `${format.basePrefix}.${name}`;
}

/** Head weights sit outside the base prefix in every Hugging Face model with a head (`cls.*` for BERT, `lm_head.*`, `classifier.*`, `qa_outputs.*`). */
function isHeadName(name: string): boolean {
  return /^(cls|lm_head|classifier|qa_outputs|pooler_head)\./.test(name);
}

async function loadTokenizer(op: string, folder: ModelFolder): Promise<{ tokenizer: Tokenizer; file: string } | undefined> {
  const wrap = async <T>(file: string, read: () => Promise<T>): Promise<T> => {
    try {
      return await read();
    } catch (error) {
      if (error instanceof PretrainedError || !(error instanceof ShaderformerError)) throw error;
      throw new PretrainedError(`${op}: ${folder.name}/${file}: ${error.message}`);
    }
  };
  const tokenizerJson = await wrap('tokenizer.json', () => folder.text('tokenizer.json', MAX_TOKENIZER_BYTES));
  if (tokenizerJson !== undefined) return { tokenizer: await wrap('tokenizer.json', async () => readTokenizerJson(tokenizerJson)), file: 'tokenizer.json' };
  const settings = (await readJsonFile(op, folder, TOKENIZER_CONFIG_FILE, MAX_CONFIG_BYTES)) ?? {};
  if (typeof settings !== 'object' || settings === null || Array.isArray(settings)) {
    throw new PretrainedError(`${op}: ${folder.name}/${TOKENIZER_CONFIG_FILE} must be a JSON object, got ${describeValue(settings)}`);
  }
  const flag = (field: string): boolean | undefined => {
    const value = (settings as Record<string, unknown>)[field];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'boolean')
      throw new PretrainedError(`${op}: ${folder.name}/${TOKENIZER_CONFIG_FILE}: field ${field} must be a boolean, got ${describeValue(value)}`);
    return value;
  };
  const vocabTxt = await wrap('vocab.txt', () => folder.text('vocab.txt', MAX_TOKENIZER_BYTES));
  if (vocabTxt !== undefined) {
    const lowercase = flag('do_lower_case');
    return { tokenizer: await wrap('vocab.txt', async () => readVocabTxt(vocabTxt, lowercase === undefined ? {} : { lowercase })), file: 'vocab.txt' };
  }
  const vocabJson = await wrap('vocab.json', () => folder.text('vocab.json', MAX_TOKENIZER_BYTES));
  const merges = vocabJson === undefined ? undefined : await wrap('merges.txt', () => folder.text('merges.txt', MAX_TOKENIZER_BYTES));
  if (vocabJson !== undefined && merges !== undefined) {
    const addPrefixSpace = flag('add_prefix_space');
    return {
      tokenizer: await wrap('vocab.json', async () => readVocabAndMerges(vocabJson, merges, addPrefixSpace === undefined ? {} : { addPrefixSpace })),
      file: 'vocab.json',
    };
  }
  return undefined;
}

// --- saving ----------------------------------------------------------------------------------

/** Where `savePretrained` writes: a Node directory path, a `FileSystemDirectoryHandle` (OPFS or a picked folder), or any `FolderWriter`. */
export type SaveTarget = string | FileSystemDirectoryHandle | FolderWriter;

/** What `savePretrained` writes. */
export interface SavePretrainedOptions {
  /** A model class with a Hugging Face format (BertForMaskedLM, BertModel). */
  model: Module;
  /** Its parameters, read one tensor at a time. */
  parameters: ParameterStore;
  /** Also writes tokenizer.json, vocab.txt (WordPiece) or vocab.json + merges.txt (BPE), tokenizer_config.json and special_tokens_map.json. */
  tokenizer?: Tokenizer;
}

/**
 * Writes a Hugging Face folder (config.json, model.safetensors, the tokenizer files) that Python
 * `transformers` loads with `from_pretrained`; returns the file names written. Tensors go from the
 * backend to the file one at a time.
 */
export async function savePretrained(target: SaveTarget, options: SavePretrainedOptions): Promise<string[]> {
  const op = 'savePretrained';
  const writer = await openTarget(op, target);
  return writeFolder(op, writer, options);
}

/** The same folder as a zip Blob (entries stored uncompressed; the JS heap holds about one tensor at a time). */
export async function savePretrainedZip(options: SavePretrainedOptions): Promise<Blob> {
  const zip = zipWriter();
  await writeFolder('savePretrainedZip', zip, options);
  return zip.blob();
}

async function openTarget(op: string, target: SaveTarget): Promise<FolderWriter> {
  if (typeof target === 'string') return nodeDirectoryWriter(target);
  if (typeof (target as Partial<FileSystemDirectoryHandle> | null)?.getFileHandle === 'function')
    return directoryHandleWriter(target as FileSystemDirectoryHandle);
  if (typeof (target as Partial<FolderWriter> | null)?.file === 'function') return target as FolderWriter;
  throw new ArgumentError(`${op}: target must be a directory path (Node), a FileSystemDirectoryHandle or a FolderWriter, got ${describeValue(target)}`);
}

/** The format a model instance declares on its class (`static pretrained`). */
function formatOf(op: string, model: unknown): PretrainedFormat {
  const format = (model as { constructor?: { pretrained?: PretrainedFormat } } | null)?.constructor?.pretrained;
  if (!format || typeof format.configJson !== 'function') {
    throw new ArgumentError(`${op}: options.model must be a model with a Hugging Face format (BertForMaskedLM, BertModel), got ${describeValue(model)}`);
  }
  return format;
}

async function writeFolder(op: string, writer: FolderWriter, options: SavePretrainedOptions): Promise<string[]> {
  if (typeof options !== 'object' || options === null)
    throw new ArgumentError(`${op}: options { model, parameters } are required, got ${describeValue(options)}`);
  const format = formatOf(op, options.model);
  const { parameters, tokenizer } = options;
  if (!(parameters instanceof ParameterStore)) throw new ArgumentError(`${op}: options.parameters must be a ParameterStore, got ${describeValue(parameters)}`);
  if (tokenizer !== undefined && typeof (tokenizer as Partial<Tokenizer> | null)?.encode !== 'function') {
    throw new ArgumentError(`${op}: options.tokenizer must be a Tokenizer, got ${describeValue(tokenizer)}`);
  }
  const params = options.model.parameters();
  for (const p of params) parameters.tensor(p); // every parameter must be in the store (throws naming it)
  const written: string[] = [];
  const text = async (file: string, content: string) => {
    const sink = await writer.file(file);
    await sink.write(new TextEncoder().encode(content));
    await sink.close?.();
    written.push(file);
  };
  const pad = tokenizer ? specialTokens(tokenizer).pad_token : undefined;
  // Hugging Face's default pad id is 0; a tokenizer with a pad token gives its own.
  const config = format.configJson(format.configOf(options.model), format.architecture, pad === undefined ? 0 : tokenizer!.tokenToId(pad)!);
  await text(CONFIG_FILE, `${JSON.stringify(config, null, 2)}\n`);
  // Hugging Face names, sorted as transformers' files list them; a bare base model drops the prefix.
  const prefix = `${format.basePrefix}.`;
  const tensors: TensorToWrite[] = params
    .map((p) => ({
      name: format.isBaseModel && p.name.startsWith(prefix) ? p.name.slice(prefix.length) : p.name,
      shape: p.shape,
      dtype: 'F32' as const,
      data: () => parameters.get(p.name),
    }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  await writeSafetensors(await writer.file(WEIGHTS_FILE), tensors, { format: 'pt' });
  written.push(WEIGHTS_FILE);
  if (tokenizer) {
    const special = specialTokens(tokenizer);
    await text('tokenizer.json', writeTokenizerJson(tokenizer));
    if (tokenizer.model instanceof WordPieceModel) await text('vocab.txt', writeVocabTxt(tokenizer));
    else if (tokenizer.model instanceof BpeModel) {
      await text('vocab.json', writeVocabJson(tokenizer));
      await text('merges.txt', writeMergesTxt(tokenizer));
    }
    const maxLength = format.configOf(options.model)[format.positionsField ?? 'max_position_embeddings'];
    await text(
      TOKENIZER_CONFIG_FILE,
      `${JSON.stringify(tokenizerConfig(tokenizer, special, typeof maxLength === 'number' ? maxLength : undefined), null, 2)}\n`,
    );
    await text(SPECIAL_TOKENS_FILE, `${JSON.stringify(special, null, 2)}\n`);
  }
  return written;
}

/** The special tokens by role (`cls_token: '[CLS]'`…), BERT's, RoBERTa's or GPT-2's by the tokenizer's kind, those in its vocabulary. */
function specialTokens(tokenizer: Tokenizer): Record<string, string> {
  const bert = { cls_token: '[CLS]', mask_token: '[MASK]', pad_token: '[PAD]', sep_token: '[SEP]', unk_token: '[UNK]' };
  const roberta = { bos_token: '<s>', cls_token: '<s>', eos_token: '</s>', mask_token: '<mask>', pad_token: '<pad>', sep_token: '</s>', unk_token: '<unk>' };
  // GPT-2's one special token is every role it has (and it has no padding token).
  const gpt2 = { bos_token: '<|endoftext|>', eos_token: '<|endoftext|>', unk_token: '<|endoftext|>' };
  const byteLevel = tokenizer.tokenToId('<s>') === undefined && tokenizer.tokenToId('<|endoftext|>') !== undefined ? gpt2 : roberta;
  const out: Record<string, string> = {};
  for (const [role, token] of Object.entries(tokenizer.model instanceof WordPieceModel ? bert : byteLevel)) {
    if (tokenizer.tokenToId(token) !== undefined) out[role] = token;
  }
  return out;
}

/** tokenizer_config.json as transformers 5 writes it for a fast tokenizer backed by tokenizer.json. */
function tokenizerConfig(tokenizer: Tokenizer, special: Record<string, string>, maxLength: number | undefined): Record<string, unknown> {
  const wordPiece = tokenizer.model instanceof WordPieceModel;
  const config: Record<string, unknown> = {
    backend: 'tokenizers',
    ...special,
    ...(maxLength !== undefined ? { model_max_length: maxLength } : {}),
    tokenizer_class: wordPiece ? 'BertTokenizer' : 'PreTrainedTokenizerFast',
  };
  if (wordPiece) {
    config.do_lower_case = tokenizer.normalizer?.lowercase ?? false;
    config.strip_accents = tokenizer.normalizer?.stripAccents ?? null;
    config.tokenize_chinese_chars = tokenizer.normalizer?.handleChineseChars ?? true;
  }
  return Object.fromEntries(Object.entries(config).sort(([a], [b]) => (a < b ? -1 : 1)));
}
