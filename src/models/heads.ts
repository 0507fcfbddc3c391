// What the BERT and RoBERTa heads share: input checks, the first token ([CLS] / <s>), the classifier
// config fields (num_labels, id2label, classifier_dropout, problem_type), the classification losses
// (cross-entropy, or MSE for regression) and the masked-LM labels in their full or gathered form.
import { ArgumentError, describeNumber, describeValue } from '../errors.js';
import { type Var, checkVar } from '../graph/graph.js';
import * as F from '../graph/ops.js';

/** Masked-LM labels, full or gathered: `labels` [B, T] i32, or `masked_positions` [P] i32 (flat indices into B·T) with `masked_labels` [P] i32. */
export interface MaskedLMLabels {
  /** [B, T] i32: the token to predict at each position, -100 where none. */
  labels?: Var<'i32', 2>;
  /** [P] i32: flat positions row·T + t of the rows the head runs on (the gathered form). */
  masked_positions?: Var<'i32', 1>;
  /** [P] i32: the token to predict at each gathered position, -100 in unused slots. */
  masked_labels?: Var<'i32', 1>;
}

/** Options a forward takes besides its inputs (Hugging Face's `output_hidden_states`, `output_attentions`). */
export interface ForwardOptions {
  /** Also return the hidden states: the embeddings' output, then each layer's (num_hidden_layers + 1 entries). */
  outputHiddenStates?: boolean;
  /** Also return each layer's attention probabilities [B, H, T, T] (after masking and softmax; padded keys 0). */
  outputAttentions?: boolean;
}

/** Throws unless `options` is an object whose output flags, when set, are booleans. */
export function checkForwardOptions(op: string, options: ForwardOptions): void {
  if (typeof options !== 'object' || options === null) throw new ArgumentError(`${op}: options must be an object, got ${describeValue(options)}`);
  for (const key of ['outputHiddenStates', 'outputAttentions'] as const) {
    const value = options[key];
    if (value !== undefined && typeof value !== 'boolean') throw new ArgumentError(`${op}: options.${key} must be a boolean, got ${describeValue(value)}`);
  }
}

/** Throws unless `inputs` holds input_ids and each of `required` as graph values, and every optional key present is one. */
export function checkModelInputs(op: string, inputs: object, optional: readonly string[], required: readonly string[] = []): void {
  if (typeof inputs !== 'object' || inputs === null) throw new ArgumentError(`${op}: inputs { input_ids, … } are required, got ${describeValue(inputs)}`);
  const record = inputs as Record<string, unknown>;
  checkVar(op, 'input_ids', record.input_ids);
  for (const key of required) checkVar(op, key, record[key]);
  for (const key of optional) if (record[key] !== undefined) checkVar(op, key, record[key]);
}

/** Which masked-LM label form `inputs` carries; throws on both, or on masked_labels without masked_positions. */
export function maskedLabelForm(op: string, inputs: MaskedLMLabels): 'full' | 'gathered' | 'none' {
  const { labels, masked_positions: positions, masked_labels: maskedLabels } = inputs;
  if (labels !== undefined && (positions !== undefined || maskedLabels !== undefined)) {
    throw new ArgumentError(`${op}: give labels [B, T] or masked_positions with masked_labels, not both`);
  }
  if (maskedLabels !== undefined && positions === undefined) throw new ArgumentError(`${op}: masked_labels needs masked_positions`);
  if (positions !== undefined && maskedLabels !== undefined && positions.shape[0] !== maskedLabels.shape[0]) {
    throw new ArgumentError(`${op}: masked_positions ${positions.describe()} and masked_labels ${maskedLabels.describe()} must have the same length`);
  }
  return positions !== undefined ? 'gathered' : labels !== undefined ? 'full' : 'none';
}

/** The rows a masked-LM head runs on: every position [B·T, hidden], or only the gathered ones [P, hidden]. */
export function maskedRows(hidden: Var<'f32', 3>, positions: Var<'i32', 1> | undefined): Var<'f32', 2> {
  const rows = F.reshape(hidden, [-1, hidden.shape[2]!]) as Var<'f32', 2>;
  return positions === undefined ? rows : F.gatherRows(rows, positions);
}

/** The labels matching `maskedRows`: labels flattened to [B·T], or masked_labels [P]. */
export function maskedTargets(inputs: MaskedLMLabels): Var<'i32', 1> | undefined {
  if (inputs.masked_positions !== undefined) return inputs.masked_labels;
  return inputs.labels === undefined ? undefined : (F.reshape(inputs.labels, [-1]) as Var<'i32', 1>);
}

/** hidden [B, T, D] → the first token's row [B, D] ([CLS] for BERT, <s> for RoBERTa). */
export function firstToken(hidden: Var<'f32', 3>): Var<'f32', 2> {
  const [batch, , width] = hidden.shape as [number, number, number];
  return F.reshape(F.slice(hidden, 1, 0, 1), [batch, width]) as Var<'f32', 2>;
}

/** mean((prediction − target)²) over every element: PyTorch's MSELoss. */
export function meanSquaredError(prediction: Var<'f32', 1>, target: Var<'f32', 1>): Var<'f32', 0> {
  const d = F.add(prediction, F.scale(target, -1));
  return F.scale(F.sum(F.mul(d, d), 0), 1 / prediction.shape[0]!) as Var<'f32', 0>;
}

/** A classifier's output, as graph vars. */
export interface ClassifierOutput<R extends number> {
  /** [B, num_labels] (sequence) or [B, T, num_labels] (token) logits; one column of predictions for a regression. */
  logits: Var<'f32', R>;
  /** With labels: the loss as `loss()` computes it. */
  loss?: Var<'f32', 0>;
  /** With `outputHiddenStates`: the embeddings' output then every layer's, [B, T, hidden] each. */
  hiddenStates?: Var<'f32', 3>[];
  /** With `outputAttentions`: [B, H, T, T] per layer. */
  attentions?: Var<'f32', 4>[];
}

/** Sequence-classification labels: i32 class ids [B], or f32 targets [B] for a regression (num_labels 1). */
export type SequenceLabels = Var<'i32', 1> | Var<'f32', 1>;

/** The sequence-classification fields of a Hugging Face config (any model type). */
export interface ClassifierConfig {
  /** Classes (2; from id2label when that is given); 1 makes the head a regression with MSE loss. */
  num_labels?: number;
  /** Class names by index, as config.json stores them ({"0": "LABEL_0", …}). */
  id2label?: Readonly<Record<string, string>>;
  /** Dropout before the classifier (null: hidden_dropout_prob). */
  classifier_dropout?: number | null;
  /** 'regression' or 'single_label_classification' (null: regression when num_labels is 1). */
  problem_type?: 'regression' | 'single_label_classification' | null;
}

/** A classifier config with every default filled in and checked. */
export interface ResolvedClassifierConfig {
  num_labels: number;
  id2label: Record<string, string>;
  classifier_dropout: number | null;
  problem_type: 'regression' | 'single_label_classification';
}

/** Checks and completes the classifier fields; errors name `op` and the field. */
export function resolveClassifierConfig(config: ClassifierConfig, op: string): ResolvedClassifierConfig {
  const { id2label, num_labels: given, classifier_dropout = null, problem_type = null } = config;
  let labels: Record<string, string> | undefined;
  if (id2label !== undefined) {
    if (typeof id2label !== 'object' || id2label === null || Array.isArray(id2label)) {
      throw new ArgumentError(`${op}: id2label must be an object {"0": name, …}, got ${describeValue(id2label)}`);
    }
    const keys = Object.keys(id2label);
    keys.forEach((_, i) => {
      const name = id2label[String(i)];
      if (typeof name !== 'string')
        throw new ArgumentError(`${op}: id2label must name the classes "0" … "${keys.length - 1}" with strings, got ${describeValue(name)} for "${i}"`);
    });
    labels = { ...id2label };
  }
  const count = given ?? (labels ? Object.keys(labels).length : 2);
  if (!Number.isSafeInteger(count) || count < 1) throw new ArgumentError(`${op}: num_labels must be an integer ≥ 1, got ${describeNumber(count)}`);
  if (labels && Object.keys(labels).length !== count) {
    throw new ArgumentError(`${op}: num_labels ${count} disagrees with id2label's ${Object.keys(labels).length} classes`);
  }
  if (classifier_dropout !== null && (typeof classifier_dropout !== 'number' || !(classifier_dropout >= 0 && classifier_dropout < 1))) {
    throw new ArgumentError(`${op}: classifier_dropout must be null or in [0, 1), got ${describeNumber(classifier_dropout)}`);
  }
  if (problem_type !== null && problem_type !== 'regression' && problem_type !== 'single_label_classification') {
    throw new ArgumentError(
      `${op}: problem_type must be 'regression' or 'single_label_classification' (multi-label is not supported), got ${describeValue(problem_type)}`,
    );
  }
  const kind = problem_type ?? (count === 1 ? 'regression' : 'single_label_classification');
  return {
    num_labels: count,
    id2label: labels ?? Object.fromEntries(Array.from({ length: count }, (_, i) => [String(i), `LABEL_${i}`])),
    classifier_dropout,
    problem_type: kind,
  };
}

/** The loss of a sequence classifier: cross-entropy on i32 labels [B], or MSE on f32 labels [B] for regression (one output). */
export function classificationLoss(op: string, logits: Var<'f32', 2>, labels: Var<'i32', 1> | Var<'f32', 1>, config: ResolvedClassifierConfig): Var<'f32', 0> {
  const [batch, classes] = logits.shape as [number, number];
  if (labels.rank !== 1 || labels.shape[0] !== batch) throw new ArgumentError(`${op}: labels must be [${batch}], got ${labels.describe()}`);
  if (config.problem_type === 'regression') {
    if (labels.dtype !== 'f32')
      throw new ArgumentError(`${op}: a regression (problem_type 'regression') takes f32 labels [${batch}], got ${labels.describe()}`);
    if (classes !== 1) throw new ArgumentError(`${op}: regression is supported with num_labels 1, got ${classes}`);
    return meanSquaredError(F.reshape(logits, [batch]) as Var<'f32', 1>, labels as Var<'f32', 1>);
  }
  if (labels.dtype !== 'i32') throw new ArgumentError(`${op}: classification takes i32 class labels [${batch}], got ${labels.describe()}`);
  return F.crossEntropy(logits, labels as Var<'i32', 1>);
}
