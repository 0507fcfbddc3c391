// The values each integer input of a graph may hold, derived from the ops that read it: ids that
// index an embedding table must be rows of it, gatherRows indices rows of its x, labels of a cross-entropy must be classes (or its
// ignore index). A batch is scanned once against these ranges before it is uploaded, so an id out of
// range is an error naming the input, the position and the value, not a silent zero row or a NaN loss.
import { ArgumentError, ShapeError, describeValue, formatShape } from '../errors.js';
import { shapeSize } from '../tensor/tensor.js';
import type { Graph, Node, Var } from './graph.js';

/** The values an integer graph input may hold: [0, end), and `ignore` when set. */
export interface InputRange {
  /** One past the largest value allowed (the rows of a table, the classes of a loss). */
  readonly end: number;
  /** One value allowed outside [0, end): a cross-entropy's ignore index. */
  readonly ignore: number | undefined;
  /** Why, for messages: `the rows of bert.embeddings.word_embeddings.weight`, `the classes of crossEntropy in cls.predictions`. */
  readonly reason: string;
}

/** A batch as the range check reads it: an array of values per input name. */
export type BatchValues = Readonly<Record<string, ArrayLike<number> | undefined>>;

const cache = new WeakMap<Graph, { nodes: number; ranges: ReadonlyMap<string, InputRange> }>();

/**
 * @internal The range of every integer input of `graph` that an `embedding` reads as ids, a
 * `gatherRows` as row indices or a `crossEntropy` as labels, through any reshapes and slices. An input read by several such ops gets the
 * tightest range. Cached per graph (recomputed when the graph has grown).
 */
export function inputRanges(graph: Graph): ReadonlyMap<string, InputRange> {
  const cached = cache.get(graph);
  if (cached && cached.nodes === graph.nodes.length) return cached.ranges;
  const consumers = new Map<Var, { node: Node; index: number }[]>();
  for (const node of graph.nodes) {
    node.inputs.forEach((v, index) => {
      const list = consumers.get(v);
      if (list) list.push({ node, index });
      else consumers.set(v, [{ node, index }]);
    });
  }
  const ranges = new Map<string, InputRange>();
  for (const [name, input] of graph.inputs) {
    if (input.dtype !== 'i32' && input.dtype !== 'u32') continue;
    let range: InputRange | undefined;
    // Follow the input through ops that keep its values (reshapes, slices) to the ops that index with it.
    const pending: Var[] = [input];
    for (let v = pending.pop(); v; v = pending.pop()) {
      for (const { node, index } of consumers.get(v) ?? []) {
        if (node.op === 'reshape' || node.op === 'slice') pending.push(node.outputs[0]!);
        else range = tighter(range, rangeOf(node, index));
      }
    }
    if (range) ranges.set(name, range);
  }
  cache.set(graph, { nodes: graph.nodes.length, ranges });
  return ranges;
}

/** The range `node` needs of its input `index`, when it indexes with it. */
function rangeOf(node: Node, index: number): InputRange | undefined {
  if (node.op === 'embedding' && index === 1) {
    const table = node.inputs[0]!;
    const owner = table.node.op === 'param' ? (table.node as Node<'param'>).attrs.parameter.name : `the table of ${node.label}`;
    return { end: table.shape[0]!, ignore: undefined, reason: `the rows of ${owner}` };
  }
  if (node.op === 'gatherRows' && index === 1) {
    const x = node.inputs[0]!;
    return { end: x.shape[0]!, ignore: undefined, reason: `the rows of x ${formatShape(x.shape)} of ${node.label}` };
  }
  if (node.op === 'crossEntropy' && index === 1) {
    const logits = node.inputs[0]!;
    const { ignoreIndex } = (node as Node<'crossEntropy'>).attrs;
    const end = logits.shape[logits.rank - 1]!;
    // A loss built outside any module has no scope of its own: name the module that made the logits.
    const where = node.label.includes(' in ') ? node.label : `${node.label}${logits.node.label.replace(/^\S+/, '')}`;
    return { end, ignore: ignoreIndex >= 0 && ignoreIndex < end ? undefined : ignoreIndex, reason: `the classes of ${where}` };
  }
  return undefined;
}

/** The intersection of two ranges; the reason is the one with the smaller end. */
function tighter(a: InputRange | undefined, b: InputRange | undefined): InputRange | undefined {
  if (!a || !b) return a ?? b;
  const [first, second] = b.end < a.end ? [b, a] : [a, b];
  return { end: first.end, ignore: first.ignore === second.ignore ? first.ignore : undefined, reason: first.reason };
}

/**
 * @internal Throws `ArgumentError` at the first value of `batch` outside its input's range (see
 * `inputRanges`), naming `op`, the input, the position as a multi-index, the value, the range and why:
 * `TrainStep.step: batch.labels[3, 17] = 260 is outside [0, 260) ∪ {-100} (the classes of crossEntropy in cls.predictions)`.
 * One pass over each checked input; inputs missing from `batch` are the caller's to report.
 */
export function checkBatchRanges(op: string, graph: Graph, batch: BatchValues): void {
  for (const [name, range] of inputRanges(graph)) {
    const values = batch[name];
    if (!values) continue;
    const at = firstOutside(values, range);
    if (at < 0) continue;
    const shape = graph.inputs.get(name)!.shape;
    const allowed = `[0, ${range.end})${range.ignore === undefined ? '' : ` ∪ {${range.ignore}}`}`;
    throw new ArgumentError(`${op}: batch.${name}${formatShape(multiIndex(at, shape))} = ${values[at]} is outside ${allowed} (${range.reason})`);
  }
}

/** The index of the first value outside `range`, or −1. */
function firstOutside(values: ArrayLike<number>, { end, ignore }: InputRange): number {
  const n = values.length;
  for (let i = 0; i < n; i++) {
    const x = values[i]!;
    // Written so that NaN (a float batch) also fails: !(x >= 0 && x < end).
    if (!(x >= 0 && x < end) && x !== ignore) return i;
  }
  return -1;
}

/** The multi-index of flat position `i` in `shape` (row-major). */
function multiIndex(i: number, shape: readonly number[]): number[] {
  const index = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    index[d] = i % shape[d]!;
    i = Math.floor(i / shape[d]!);
  }
  return index;
}

/** The typed array a batch holds for an input of each dtype (f16 inputs take f32 values). */
const BATCH_ARRAYS = { f32: Float32Array, f16: Float32Array, i32: Int32Array, u32: Uint32Array } as const;

/**
 * @internal Throws unless `batch` holds, for every input of `graph`, a typed array of the input's
 * dtype and size (`ShapeError` naming `op`, the input and both), then checks ids and labels against
 * their ranges (`checkBatchRanges`). What a training step and an inference runner check before upload.
 */
export function checkBatch(op: string, graph: Graph, batch: BatchValues): void {
  if (typeof batch !== 'object' || batch === null)
    throw new ShapeError(`${op}: batch must be an object of typed arrays by input name, got ${describeValue(batch)}`);
  for (const [name, v] of graph.inputs) {
    const want = BATCH_ARRAYS[v.dtype];
    const got = batch[name];
    const size = shapeSize(v.shape);
    if (!(got instanceof want) || got.length !== size) {
      throw new ShapeError(`${op}: batch.${name} must be a ${want.name} of ${size} values (${v.dtype}${formatShape(v.shape)}), got ${describeValue(got)}`);
    }
  }
  // Ids and labels out of range would gather zero rows or make the loss NaN: caught here, before anything runs.
  checkBatchRanges(op, graph, batch);
}
