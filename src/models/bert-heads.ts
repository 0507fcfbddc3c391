// BERT with its other Hugging Face heads: pre-training (masked LM + next sentence), sequence
// classification (or regression), token classification and extractive question answering. Each has
// transformers' parameter names and order, and its objective as `loss(inputs)`.
import { ArgumentError } from '../errors.js';
import type { Var } from '../graph/graph.js';
import * as F from '../graph/ops.js';
import type { FolderSource } from '../io/folder.js';
import { Dropout, Linear } from '../nn/layers.js';
import { Module, normal } from '../nn/module.js';
import { bertFormat } from './bert-hf.js';
import {
  type BertConfig,
  type BertForwardOptions,
  type BertInputs,
  BertLMPredictionHead,
  BertModel,
  type BertModelOutput,
  maskedLMForward,
  maskedLMLoss,
  resolveBertConfig,
} from './bert.js';
import {
  type ClassifierConfig,
  type ClassifierOutput,
  type MaskedLMLabels,
  type SequenceLabels,
  type ResolvedClassifierConfig,
  checkForwardOptions,
  checkModelInputs,
  classificationLoss,
  resolveClassifierConfig,
} from './heads.js';
import { type FromPretrainedOptions, type Pretrained, type PretrainedFormat, loadPretrained } from './pretrained.js';

type Extra = Pick<BertModelOutput, 'hiddenStates' | 'attentions'>;

/** The BERT inputs of `op` checked, with `labels` the label inputs it may read. */
function check(op: string, inputs: BertInputs, options: BertForwardOptions, labels: readonly string[], required: readonly string[] = []): void {
  checkModelInputs(op, inputs, ['attention_mask', 'token_type_ids', ...labels], required);
  checkForwardOptions(op, options);
}

/** The hidden states and attentions a forward was asked for. */
function extraOf(out: BertModelOutput): Extra {
  return { ...(out.hiddenStates ? { hiddenStates: out.hiddenStates } : {}), ...(out.attentions ? { attentions: out.attentions } : {}) };
}

/** BertForPreTraining's inputs: masked-LM labels (full or gathered) and `next_sentence_label` [B] i32 (0: B follows A, 1: random). */
export type BertPreTrainingInputs = BertInputs & MaskedLMLabels & { next_sentence_label?: Var<'i32', 1> };

/** What `BertForPreTraining.forward` returns, as graph vars. */
export interface BertPreTrainingOutput extends Extra {
  /** Masked-LM logits: [B, T, V], or [P, V] of the gathered rows when masked_positions is given. */
  logits: Var<'f32', 3> | Var<'f32', 2>;
  /** [B, 2] next-sentence logits (index 0: is next). */
  seqRelationshipLogits: Var<'f32', 2>;
  /** With masked-LM labels: the masked-LM loss. */
  mlmLoss?: Var<'f32', 0>;
  /** With next_sentence_label: the next-sentence loss. */
  nspLoss?: Var<'f32', 0>;
  /** With both: mlmLoss + nspLoss (Hugging Face's total loss). */
  loss?: Var<'f32', 0>;
}

/** BERT pre-training, Hugging Face's BertForPreTraining: `bert.*` with the pooler, `cls.predictions.*` (decoder tied), `cls.seq_relationship`. */
export class BertForPreTraining extends Module {
  readonly bert: BertModel;
  readonly head: BertLMPredictionHead;
  readonly seqRelationship: Linear;

  constructor(config: BertConfig) {
    super('');
    this.bert = this.child(new BertModel(resolveBertConfig(config, 'BertForPreTraining')));
    const c = this.bert.config;
    this.head = this.child(new BertLMPredictionHead('cls.predictions', c));
    this.seqRelationship = this.child(new Linear('cls.seq_relationship', c.hidden_size, 2, { init: normal(c.initializer_range) }));
  }

  #run(op: string, inputs: BertPreTrainingInputs, options: BertForwardOptions) {
    check(op, inputs, options, ['labels', 'masked_positions', 'masked_labels', 'next_sentence_label']);
    const out = this.bert.forwardWithOutputs(inputs, options);
    const words = out.lastHiddenState.graph.param(this.bert.embeddings.words.weight) as Var<'f32', 2>;
    const mlm = maskedLMForward(op, out.lastHiddenState, inputs, (rows) => this.head.forward(rows, words));
    const seqRelationshipLogits = this.seqRelationship.forward(out.poolerOutput!);
    const nspLoss = inputs.next_sentence_label === undefined ? undefined : F.crossEntropy(seqRelationshipLogits, inputs.next_sentence_label);
    return { out, mlm, seqRelationshipLogits, nspLoss };
  }

  /** Masked-LM logits ([B, T, V], or [P, V] when masked_positions is given), next-sentence logits [B, 2] and the losses of the labels given. */
  forward(inputs: BertPreTrainingInputs, options: BertForwardOptions = {}): BertPreTrainingOutput {
    const { out, mlm, seqRelationshipLogits, nspLoss } = this.#run('BertForPreTraining.forward', inputs, options);
    const losses = {
      ...(mlm.loss ? { mlmLoss: mlm.loss } : {}),
      ...(nspLoss ? { nspLoss } : {}),
      ...(mlm.loss && nspLoss ? { loss: F.add(mlm.loss, nspLoss) } : {}),
    };
    return { logits: mlm.logits, seqRelationshipLogits, ...losses, ...extraOf(out) };
  }

  /** The pre-training objective: masked-LM loss (labels [B, T], or masked_positions + masked_labels) + next-sentence loss (next_sentence_label [B]). */
  loss(inputs: BertPreTrainingInputs): Var<'f32', 0> {
    const op = 'BertForPreTraining.loss';
    check(op, inputs, {}, ['labels', 'masked_positions', 'masked_labels'], ['next_sentence_label']);
    const out = this.bert.forwardWithOutputs(inputs);
    const words = out.lastHiddenState.graph.param(this.bert.embeddings.words.weight) as Var<'f32', 2>;
    const mlm = maskedLMLoss(op, out.lastHiddenState, inputs, (rows) => this.head.forward(rows, words));
    return F.add(mlm, F.crossEntropy(this.seqRelationship.forward(out.poolerOutput!), inputs.next_sentence_label!));
  }

  /** How this class maps to a Hugging Face folder. */
  static readonly pretrained: PretrainedFormat<BertForPreTraining, BertConfig> = bertFormat(
    'BertForPreTraining',
    false,
    (c: BertConfig) => new BertForPreTraining(c),
    (m) => m.bert.config,
  );

  /** Loads a Hugging Face BERT folder as BertForPreTraining (see `BertForMaskedLM.fromPretrained`). */
  static fromPretrained(source: FolderSource, options: FromPretrainedOptions): Promise<Pretrained<BertForPreTraining>> {
    return loadPretrained(BertForPreTraining.pretrained, source, options);
  }
}

/** BERT with a sequence classifier on the pooled [CLS] token, Hugging Face's BertForSequenceClassification: `bert.*` (pooler), `classifier`. */
export class BertForSequenceClassification extends Module {
  readonly bert: BertModel;
  readonly classifierConfig: ResolvedClassifierConfig;
  readonly classifier: Linear;
  readonly #dropout: Dropout;

  constructor(config: BertConfig & ClassifierConfig) {
    super('');
    const op = 'BertForSequenceClassification';
    this.bert = this.child(new BertModel(resolveBertConfig(config, op)));
    this.classifierConfig = resolveClassifierConfig(config, op);
    const c = this.bert.config;
    this.#dropout = this.child(new Dropout(this.classifierConfig.classifier_dropout ?? c.hidden_dropout_prob));
    this.classifier = this.child(new Linear('classifier', c.hidden_size, this.classifierConfig.num_labels, { init: normal(c.initializer_range) }));
  }

  /** Logits [B, num_labels]; with labels [B] the loss (cross-entropy, or MSE for a regression). */
  forward(inputs: BertInputs & { labels?: SequenceLabels }, options: BertForwardOptions = {}): ClassifierOutput<2> {
    const op = 'BertForSequenceClassification.forward';
    check(op, inputs, options, ['labels']);
    const out = this.bert.forwardWithOutputs(inputs, options);
    const logits = this.classifier.forward(this.#dropout.forward(out.poolerOutput!));
    const loss = inputs.labels === undefined ? {} : { loss: classificationLoss(op, logits, inputs.labels, this.classifierConfig) };
    return { logits, ...loss, ...extraOf(out) };
  }

  /** Cross-entropy on i32 labels [B], or the mean squared error on f32 labels [B] when num_labels is 1 (problem_type 'regression'). */
  loss(inputs: BertInputs & { labels: SequenceLabels }): Var<'f32', 0> {
    check('BertForSequenceClassification.loss', inputs, {}, [], ['labels']);
    return this.forward(inputs).loss!;
  }

  /** How this class maps to a Hugging Face folder (num_labels is read from id2label). */
  static readonly pretrained: PretrainedFormat<BertForSequenceClassification, BertConfig & ClassifierConfig> = bertFormat(
    'BertForSequenceClassification',
    false,
    (c: BertConfig & ClassifierConfig) => new BertForSequenceClassification(c),
    (m) => ({ ...m.bert.config, ...m.classifierConfig }),
    { classifier: true },
  );

  /** Loads a Hugging Face BERT folder with a sequence classifier (from a bare or masked-LM BERT the classifier is missing: initialised, listed). */
  static fromPretrained(source: FolderSource, options: FromPretrainedOptions): Promise<Pretrained<BertForSequenceClassification>> {
    return loadPretrained(BertForSequenceClassification.pretrained, source, options);
  }
}

/** BERT with a classifier on every token, Hugging Face's BertForTokenClassification: `bert.*` (no pooler), `classifier`. */
export class BertForTokenClassification extends Module {
  readonly bert: BertModel;
  readonly classifierConfig: ResolvedClassifierConfig;
  readonly classifier: Linear;
  readonly #dropout: Dropout;

  constructor(config: BertConfig & ClassifierConfig) {
    super('');
    const op = 'BertForTokenClassification';
    this.bert = this.child(new BertModel(resolveBertConfig(config, op), { addPoolingLayer: false }));
    this.classifierConfig = resolveClassifierConfig(config, op);
    const c = this.bert.config;
    this.#dropout = this.child(new Dropout(this.classifierConfig.classifier_dropout ?? c.hidden_dropout_prob));
    this.classifier = this.child(new Linear('classifier', c.hidden_size, this.classifierConfig.num_labels, { init: normal(c.initializer_range) }));
  }

  /** Logits [B, T, num_labels]; with labels [B, T] i32 (-100: none) the mean cross-entropy over the labelled tokens. */
  forward(inputs: BertInputs & { labels?: Var<'i32', 2> }, options: BertForwardOptions = {}): ClassifierOutput<3> {
    const op = 'BertForTokenClassification.forward';
    check(op, inputs, options, ['labels']);
    const out = this.bert.forwardWithOutputs(inputs, options);
    const logits = this.classifier.forward(this.#dropout.forward(out.lastHiddenState));
    if (inputs.labels === undefined) return { logits, ...extraOf(out) };
    if (inputs.labels.dtype !== 'i32') throw new ArgumentError(`${op}: labels must be i32 [B, T], got ${inputs.labels.describe()}`);
    const rows = F.reshape(logits, [-1, this.classifierConfig.num_labels]) as Var<'f32', 2>;
    return { logits, loss: F.crossEntropy(rows, F.reshape(inputs.labels, [-1]) as Var<'i32', 1>), ...extraOf(out) };
  }

  /** Mean cross-entropy over the tokens whose label (labels [B, T] i32) is not -100. */
  loss(inputs: BertInputs & { labels: Var<'i32', 2> }): Var<'f32', 0> {
    check('BertForTokenClassification.loss', inputs, {}, [], ['labels']);
    return this.forward(inputs).loss!;
  }

  /** How this class maps to a Hugging Face folder. */
  static readonly pretrained: PretrainedFormat<BertForTokenClassification, BertConfig & ClassifierConfig> = bertFormat(
    'BertForTokenClassification',
    false,
    (c: BertConfig & ClassifierConfig) => new BertForTokenClassification(c),
    (m) => ({ ...m.bert.config, ...m.classifierConfig }),
    { classifier: true },
  );

  /** Loads a Hugging Face BERT folder with a token classifier. */
  static fromPretrained(source: FolderSource, options: FromPretrainedOptions): Promise<Pretrained<BertForTokenClassification>> {
    return loadPretrained(BertForTokenClassification.pretrained, source, options);
  }
}

/** BertForQuestionAnswering's span labels: the answer's first and last token, [B] i32 each (T: no answer, ignored). */
export interface SpanLabels {
  start_positions?: Var<'i32', 1>;
  end_positions?: Var<'i32', 1>;
}

/** What `BertForQuestionAnswering.forward` returns, as graph vars. */
export interface QuestionAnsweringOutput extends Extra {
  /** [B, T] span-start logits. */
  startLogits: Var<'f32', 2>;
  /** [B, T] span-end logits. */
  endLogits: Var<'f32', 2>;
  /** With start and end positions: (start loss + end loss) / 2. */
  loss?: Var<'f32', 0>;
}

/** BERT for extractive question answering, Hugging Face's BertForQuestionAnswering: `bert.*` (no pooler), `qa_outputs` (start, end). */
export class BertForQuestionAnswering extends Module {
  readonly bert: BertModel;
  readonly qaOutputs: Linear;

  constructor(config: BertConfig & { num_labels?: number }) {
    super('');
    const op = 'BertForQuestionAnswering';
    this.bert = this.child(new BertModel(resolveBertConfig(config, op), { addPoolingLayer: false }));
    if (config.num_labels !== undefined && config.num_labels !== 2) {
      throw new ArgumentError(`${op}: num_labels must be 2 (span start and end), got ${String(config.num_labels)}`);
    }
    const c = this.bert.config;
    this.qaOutputs = this.child(new Linear('qa_outputs', c.hidden_size, 2, { init: normal(c.initializer_range) }));
  }

  /**
   * Span-start and span-end logits [B, T]; with start_positions and end_positions [B] i32 the loss: the mean
   * of the two cross-entropies over the T positions; a position equal to T is ignored (Hugging Face clamps
   * larger ones to T; here they are an error).
   */
  forward(inputs: BertInputs & SpanLabels, options: BertForwardOptions = {}): QuestionAnsweringOutput {
    const op = 'BertForQuestionAnswering.forward';
    check(op, inputs, options, ['start_positions', 'end_positions']);
    if ((inputs.start_positions === undefined) !== (inputs.end_positions === undefined)) {
      throw new ArgumentError(`${op}: give both start_positions and end_positions, or neither`);
    }
    const out = this.bert.forwardWithOutputs(inputs, options);
    const [batch, length] = inputs.input_ids.shape as [number, number];
    const logits = this.qaOutputs.forward(out.lastHiddenState); // [B, T, 2]
    const part = (i: number) => F.reshape(F.slice(logits, 2, i, 1), [batch, length]) as Var<'f32', 2>;
    const startLogits = part(0);
    const endLogits = part(1);
    const result: QuestionAnsweringOutput = { startLogits, endLogits, ...extraOf(out) };
    if (inputs.start_positions !== undefined && inputs.end_positions !== undefined) {
      const ignore = { ignoreIndex: length };
      const start = F.crossEntropy(startLogits, inputs.start_positions, ignore);
      const end = F.crossEntropy(endLogits, inputs.end_positions, ignore);
      result.loss = F.scale(F.add(start, end), 0.5);
    }
    return result;
  }

  /** (cross-entropy of the start + of the end positions) / 2, over the T positions. */
  loss(inputs: BertInputs & Required<SpanLabels>): Var<'f32', 0> {
    check('BertForQuestionAnswering.loss', inputs, {}, [], ['start_positions', 'end_positions']);
    return this.forward(inputs).loss!;
  }

  /** How this class maps to a Hugging Face folder. */
  static readonly pretrained: PretrainedFormat<BertForQuestionAnswering, BertConfig> = bertFormat(
    'BertForQuestionAnswering',
    false,
    (c: BertConfig) => new BertForQuestionAnswering(c),
    (m) => m.bert.config,
  );

  /** Loads a Hugging Face BERT folder with a span head. */
  static fromPretrained(source: FolderSource, options: FromPretrainedOptions): Promise<Pretrained<BertForQuestionAnswering>> {
    return loadPretrained(BertForQuestionAnswering.pretrained, source, options);
  }
}
