// GLUE data: the CoLA TSV files (headerless: source, label, original-label marker, sentence), and
// sequence-classification batches of any labelled texts (tokenized, padded or cut to maxLength) over
// shuffled epochs, as the BERT-on-CoLA fine-tuning reads them.
import { DatasetError, ShapeError } from '../errors.js';
import type { Tokenizer } from '../tokenizers/tokenizer.js';
import { checkInteger, describe } from './check.js';
import { type EpochBatchStream, type EpochOptions, epochPlan, epochStream } from './epochs.js';
import { checkTokenizer, tokenizerSpecials } from './text-datasets.js';

/** A text (or pair) with its class (or regression target). */
export interface LabelledText {
  text: string;
  /** The second text of a pair task (encoded as the tokenizer's pair). */
  textPair?: string;
  label: number;
}

/** One CoLA row: `label` 1 = acceptable, 0 = unacceptable. */
export interface ColaExample extends LabelledText {
  /** The source code of the sentence (`gj04`, `clc95`, …). */
  source: string;
  label: 0 | 1;
  /** The original authors' judgement marker (`*` for unacceptable, often empty). */
  originalLabel: string;
  /** 1-based line in the file. */
  line: number;
}

/** GLUE tasks `readGlueTsv` reads. */
export type GlueTask = 'cola';

/**
 * The rows of a GLUE TSV file. CoLA (`in_domain_train.tsv`, `out_of_domain_dev.tsv`, …): no header,
 * four tab-separated columns: source, label (0 or 1), original-label marker, sentence. Empty lines at
 * the end are ignored; any other malformed row is a DatasetError naming its line.
 */
export function readGlueTsv(text: string, options: { task: GlueTask }): ColaExample[] {
  const op = 'readGlueTsv';
  if (typeof text !== 'string') throw new ShapeError(`${op}: text must be a string, got ${describe(text)}`);
  if (options === null || typeof options !== 'object') throw new ShapeError(`${op}: options { task } are required, got ${describe(options)}`);
  if (options.task !== 'cola') throw new ShapeError(`${op}: task must be 'cola' (the tasks read so far), got ${describe(options.task)}`);
  const lines = text.split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines.map((row, i) => {
    const line = i + 1;
    const columns = row.split('\t');
    const shown = row.length > 80 ? `${row.slice(0, 80)}…` : row;
    if (columns.length !== 4)
      throw new DatasetError(
        `${op}: line ${line}: CoLA rows have 4 tab-separated columns (source, label, original label, sentence), got ${columns.length}: ${JSON.stringify(shown)}`,
      );
    const [source, label, originalLabel, sentence] = columns as [string, string, string, string];
    if (label !== '0' && label !== '1') throw new DatasetError(`${op}: line ${line}: the label (column 2) must be 0 or 1, got ${JSON.stringify(label)}`);
    if (sentence.trim() === '') throw new DatasetError(`${op}: line ${line}: the sentence (column 4) is empty`);
    return { source, label: label === '1' ? 1 : 0, originalLabel, text: sentence, line };
  });
}

/** Options of `classificationBatches`. */
export interface ClassificationBatchesOptions extends EpochOptions {
  /** Ids per row, special tokens included: longer texts are truncated, shorter ones padded. */
  maxLength: number;
  /** The padding id; default the tokenizer's `[PAD]`/`<pad>`. */
  padId?: number;
  /** 'int' (class indices, Int32Array, default) or 'float' (regression targets, Float32Array). */
  labelType?: 'int' | 'float';
}

/** One classification batch: token arrays [B, T] row-major, labels [B]. */
export interface ClassificationBatch {
  inputIds: Int32Array;
  /** 1 for a real token, 0 for padding. */
  attentionMask: Int32Array;
  /** The tokenizer's segment ids (1 over a pair's second text for BERT), 0 over padding. */
  tokenTypeIds: Int32Array;
  labels: Int32Array | Float32Array;
  /** The examples' indices, one a row. */
  indices: number[];
  batchSize: number;
  seqLength: number;
}

/**
 * Sequence-classification batches: each example encoded once with the tokenizer's special tokens,
 * truncated and right-padded to maxLength; every epoch the examples are shuffled (seeded; `shuffle:
 * false` keeps their order, for evaluation) and cut into batches (`lastBatch` keeps or drops a short
 * final one). Ends after `epochs`; `getState()`/`setState()` save and restore the position.
 */
export function classificationBatches(
  examples: readonly LabelledText[],
  tokenizer: Tokenizer,
  options: ClassificationBatchesOptions,
): EpochBatchStream<ClassificationBatch> {
  const op = 'classificationBatches';
  if (!Array.isArray(examples) || examples.length === 0)
    throw new ShapeError(`${op}: examples must be a non-empty array of { text, label }, got ${describe(examples)}`);
  checkTokenizer(op, tokenizer);
  if (options === null || typeof options !== 'object') throw new ShapeError(`${op}: options must be an object, got ${describe(options)}`);
  const { batchSize, seed, shuffle, epochs, lastBatch, state, maxLength, labelType = 'int' } = options;
  const plan = epochPlan(op, examples.length, { batchSize, seed, shuffle, epochs, lastBatch });
  const T = checkInteger(op, 'maxLength', maxLength, 1, 2 ** 31 - 1);
  if (batchSize * T > 2 ** 31 - 1) throw new ShapeError(`${op}: batchSize × maxLength = ${batchSize * T} is too large`);
  if (labelType !== 'int' && labelType !== 'float') throw new ShapeError(`${op}: labelType must be 'int' or 'float', got ${describe(labelType)}`);
  const padId = options.padId === undefined ? tokenizerSpecials(tokenizer).padId : checkInteger(op, 'padId', options.padId, 0, 2 ** 31 - 1);
  const encoded = examples.map((example, i) => {
    if (example === null || typeof example !== 'object' || typeof example.text !== 'string')
      throw new ShapeError(`${op}: examples[${i}] must be { text, label }, got ${describe(example)}`);
    if (example.textPair !== undefined && typeof example.textPair !== 'string')
      throw new ShapeError(`${op}: examples[${i}].textPair must be a string, got ${describe(example.textPair)}`);
    const { label } = example;
    if (labelType === 'int') checkInteger(op, `examples[${i}].label`, label, 0, 2 ** 31 - 1);
    else if (typeof label !== 'number' || !Number.isFinite(label))
      throw new ShapeError(`${op}: examples[${i}].label must be a finite number, got ${describe(label)}`);
    const { ids, typeIds } = tokenizer.encode(example.text, example.textPair ?? null, { addSpecialTokens: true, truncation: { maxLength: T } });
    return { ids, typeIds, label };
  });
  return epochStream(op, op, plan, { batchSize, seqLength: T, examples: examples.length }, state, (indices) => {
    const B = indices.length;
    const inputIds = new Int32Array(B * T).fill(padId);
    const attentionMask = new Int32Array(B * T);
    const tokenTypeIds = new Int32Array(B * T);
    const labels = labelType === 'int' ? new Int32Array(B) : new Float32Array(B);
    indices.forEach((index, row) => {
      const { ids, typeIds, label } = encoded[index]!;
      inputIds.set(ids, row * T);
      tokenTypeIds.set(typeIds, row * T);
      attentionMask.fill(1, row * T, row * T + ids.length);
      labels[row] = label;
    });
    return { inputIds, attentionMask, tokenTypeIds, labels, indices: Array.from(indices), batchSize: B, seqLength: T };
  });
}
