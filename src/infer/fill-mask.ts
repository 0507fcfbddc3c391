// The fill-mask pipeline (Hugging Face's pipeline('fill-mask')): tokenize, run the masked-LM head
// in eval mode on padded batches, and rank the vocabulary at each mask position.
import { ArgumentError, describeNumber, describeValue } from '../errors.js';
import type { ParameterStore } from '../graph/parameters.js';
import { BertForMaskedLM } from '../models/bert.js';
import { RobertaForMaskedLM } from '../models/roberta.js';
import { type Encoding, Tokenizer } from '../tokenizers/tokenizer.js';
import { type Inference, createInference } from './inference.js';

/** Options of `fillMask`. */
export interface FillMaskOptions {
  /** Predictions per mask (default 5; at most the vocabulary). */
  topK?: number;
  /** Texts per forward (default 8); each batch is padded to its longest text. */
  batchSize?: number;
  /** Longest tokenized text, special tokens included (default: the model's max_position_embeddings); longer texts are truncated. */
  maxLength?: number;
}

/** One prediction at a mask position. */
export interface FillMaskPrediction {
  /** Softmax probability of the token at the mask. */
  score: number;
  /** The token id. */
  token: number;
  /** The token decoded on its own. */
  tokenStr: string;
  /** The text with the mask replaced by the token (decoded; special tokens and padding left out when the text has one mask). */
  sequence: string;
}

/** A text's predictions, best first: a list for one mask, a list per mask (in order) when the text has several. */
export type FillMaskResult = FillMaskPrediction[] | FillMaskPrediction[][];

/** A masked-LM model and its parameters, as a pretrained load returns them. */
export interface MaskedLMWithParameters {
  model: BertForMaskedLM | RobertaForMaskedLM;
  parameters: ParameterStore;
}

const MASK_TOKENS = ['[MASK]', '<mask>'];

/**
 * Fills the mask token(s) of each text with the model's top-k tokens, as Hugging Face's
 * `pipeline('fill-mask')`: one text gives its result, a list of texts a list of results.
 */
export async function fillMask(model: MaskedLMWithParameters, tokenizer: Tokenizer, texts: string, options?: FillMaskOptions): Promise<FillMaskResult>;
export async function fillMask(
  model: MaskedLMWithParameters,
  tokenizer: Tokenizer,
  texts: readonly string[],
  options?: FillMaskOptions,
): Promise<FillMaskResult[]>;
export async function fillMask(
  model: MaskedLMWithParameters,
  tokenizer: Tokenizer,
  texts: string | readonly string[],
  options: FillMaskOptions = {},
): Promise<FillMaskResult | FillMaskResult[]> {
  const op = 'fillMask';
  if (!(model?.model instanceof BertForMaskedLM || model?.model instanceof RobertaForMaskedLM) || typeof model.parameters?.tensor !== 'function') {
    throw new ArgumentError(`${op}: model must be { model: BertForMaskedLM | RobertaForMaskedLM, parameters: ParameterStore }, got ${describeValue(model)}`);
  }
  if (!(tokenizer instanceof Tokenizer)) throw new ArgumentError(`${op}: tokenizer must be a Tokenizer, got ${describeValue(tokenizer)}`);
  const list = typeof texts === 'string' ? [texts] : texts;
  if (!Array.isArray(list) || list.length === 0)
    throw new ArgumentError(`${op}: texts must be a string or a non-empty array of strings, got ${describeValue(texts)}`);
  list.forEach((t, i) => {
    if (typeof t !== 'string') throw new ArgumentError(`${op}: texts[${i}] must be a string, got ${describeValue(t)}`);
  });
  if (typeof options !== 'object' || options === null) throw new ArgumentError(`${op}: options must be an object, got ${describeValue(options)}`);
  const lm = model.model;
  const config = lm instanceof RobertaForMaskedLM ? lm.roberta.config : lm.bert.config;
  const vocab = config.vocab_size;
  const topK = Math.min(positiveInteger(op, 'topK', options.topK ?? 5), vocab);
  const batchSize = positiveInteger(op, 'batchSize', options.batchSize ?? 8);
  // RoBERTa's positions start after its padding index: 514 position embeddings hold 512 tokens.
  const longest =
    lm instanceof RobertaForMaskedLM ? lm.roberta.config.max_position_embeddings - lm.roberta.config.pad_token_id - 1 : config.max_position_embeddings;
  const maxLength = positiveInteger(op, 'maxLength', options.maxLength ?? longest);
  if (maxLength > longest) throw new ArgumentError(`${op}: options.maxLength ${maxLength} is more than the ${longest} tokens the model's positions hold`);

  const mask = maskToken(op, tokenizer);
  const encodings = tokenizer.encodeBatch(list, { truncation: { maxLength }, padding: null });
  const masks = encodings.map((enc, i) => {
    const positions = enc.ids.flatMap((id, p) => (id === mask.id ? [p] : []));
    if (positions.length === 0) {
      throw new ArgumentError(
        `${op}: texts[${i}] has no mask token ${JSON.stringify(mask.content)}${enc.ids.length === maxLength ? ` within its first ${maxLength} tokens` : ''}`,
      );
    }
    const bad = enc.ids.findIndex((id) => id >= vocab);
    if (bad >= 0) throw new ArgumentError(`${op}: texts[${i}] has token id ${enc.ids[bad]} at position ${bad}, outside the model's vocabulary of ${vocab}`);
    return positions;
  });

  // One runner per batch shape (the last batch may be smaller, lengths differ), freed at the end.
  const runners = new Map<string, Inference<{ logits: ReturnType<BertForMaskedLM['forward']>['logits'] }>>();
  const padId = padTokenId(tokenizer);
  const results: FillMaskResult[] = [];
  try {
    for (let start = 0; start < list.length; start += batchSize) {
      const chunk = encodings.slice(start, start + batchSize);
      const b = chunk.length;
      const t = Math.max(...chunk.map((e) => e.ids.length));
      const key = `${b}x${t}`;
      let runner = runners.get(key);
      if (!runner) {
        const spec = { shape: [b, t], dtype: 'i32' } as const;
        runner = createInference({
          parameters: model.parameters,
          inputs: { input_ids: spec, attention_mask: spec, token_type_ids: spec },
          outputs: (x) => ({ logits: model.model.forward(x).logits }),
          model: model.model,
        });
        runners.set(key, runner);
      }
      const { logits } = await runner.run(padBatch(chunk, t, padId));
      chunk.forEach((enc, row) => {
        const positions = masks[start + row]!;
        const perMask = positions.map((p) =>
          rank(logits.data.subarray((row * t + p) * vocab, (row * t + p + 1) * vocab), topK).map(({ token, score }) => ({
            score,
            token,
            tokenStr: tokenString(tokenizer, token),
            sequence: fill(tokenizer, enc, p, token, positions.length === 1),
          })),
        );
        results.push(perMask.length === 1 ? perMask[0]! : perMask);
      });
    }
  } finally {
    for (const runner of runners.values()) runner.dispose();
  }
  return typeof texts === 'string' ? results[0]! : results;
}

/** The tokenizer's mask token: [MASK] (BERT) or <mask> (RoBERTa). */
function maskToken(op: string, tokenizer: Tokenizer): { id: number; content: string } {
  for (const content of MASK_TOKENS) {
    const id = tokenizer.addedTokens.find((t) => t.content === content)?.id ?? tokenizer.tokenToId(content);
    if (id !== undefined) return { id, content };
  }
  throw new ArgumentError(`${op}: the tokenizer has no mask token (${MASK_TOKENS.join(' or ')})`);
}

/** The id padding uses (the tokenizer's padding settings, else [PAD] or <pad>; 0 without one: padded keys are masked out anyway). */
function padTokenId(tokenizer: Tokenizer): number {
  return tokenizer.padding?.padId ?? tokenizer.tokenToId('[PAD]') ?? tokenizer.tokenToId('<pad>') ?? 0;
}

/** The batch of `chunk` padded on the right to `length`: ids, attention mask (0 on padding), segment ids. */
function padBatch(chunk: readonly Encoding[], length: number, padId: number): Record<string, Int32Array> {
  const n = chunk.length * length;
  const batch = { input_ids: new Int32Array(n).fill(padId), attention_mask: new Int32Array(n), token_type_ids: new Int32Array(n) };
  chunk.forEach((enc, row) => {
    batch.input_ids.set(enc.ids, row * length);
    batch.attention_mask.set(enc.attentionMask, row * length);
    batch.token_type_ids.set(enc.typeIds, row * length);
  });
  return batch;
}

/** softmax of one row of logits (in float64), then its `k` largest, best first (ties: lower id first). */
function rank(logits: Float32Array, k: number): { token: number; score: number }[] {
  let max = Number.NEGATIVE_INFINITY;
  for (const x of logits) max = Math.max(max, x);
  let sum = 0;
  for (const x of logits) sum += Math.exp(x - max);
  const top: { token: number; score: number }[] = [];
  logits.forEach((x, token) => {
    const score = Math.exp(x - max) / sum;
    if (top.length === k && score <= top[k - 1]!.score) return;
    let at = top.length;
    while (at > 0 && top[at - 1]!.score < score) at--;
    top.splice(at, 0, { token, score });
    if (top.length > k) top.pop();
  });
  return top;
}

/** A token id decoded on its own ('' for an id past the tokenizer's vocabulary, which a model may have). */
function tokenString(tokenizer: Tokenizer, id: number): string {
  return tokenizer.idToTokenString(id) === undefined ? '' : tokenizer.decode([id], { skipSpecialTokens: false });
}

/** The text with position `at` set to `token`, decoded as Hugging Face does: special tokens kept when the text has several masks. */
function fill(tokenizer: Tokenizer, enc: Encoding, at: number, token: number, single: boolean): string {
  const ids = enc.ids.map((id, p) => (p === at ? token : id));
  if (ids.some((id) => tokenizer.idToTokenString(id) === undefined)) return '';
  return tokenizer.decode(ids, { skipSpecialTokens: single });
}

function positiveInteger(op: string, name: string, value: unknown): number {
  if (!Number.isSafeInteger(value) || (value as number) < 1)
    throw new ArgumentError(`${op}: options.${name} must be an integer ≥ 1, got ${describeNumber(value)}`);
  return value as number;
}
