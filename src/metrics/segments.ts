// What BLEU and chrF share: their inputs (hypotheses and sacreBLEU-shaped reference streams, checked
// and turned into one list of references per hypothesis) and Python's idea of white space, which
// sacreBLEU splits words on and which JavaScript's \s does not quite match.
import { ArgumentError, describeValue } from '../errors.js';

/**
 * References for a corpus metric, in sacreBLEU's shape: one stream (a reference per hypothesis), or
 * an array of streams, each as long as the hypotheses, so `references[k][i]` is reference k of
 * hypothesis i. In a stream of several, `null` marks a hypothesis with no reference in that stream.
 */
export type ReferenceStreams = readonly string[] | readonly (readonly (string | null)[])[];

// Python's str.isspace() set (str.split() with no argument splits on it): unlike \s it holds
// U+001C–U+001F and U+0085 and lacks U+FEFF.
const PY_SPACE = '\\t\\n\\v\\f\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const SPACE_RUN = new RegExp(`[${PY_SPACE}]+`);
const TRAILING_SPACE = new RegExp(`[${PY_SPACE}]+$`);

/** The words of a line as Python's `line.split()` gives them: split on runs of white space, no empty words. */
export function splitWords(line: string): string[] {
  return line.split(SPACE_RUN).filter((word) => word !== '');
}

/** The line without trailing white space, as Python's `line.rstrip()`. */
export function trimEnd(line: string): string {
  return line.replace(TRAILING_SPACE, '');
}

/** Throws unless `value` is a plain options object (or undefined, read as no options). */
export function checkOptions<T extends object>(op: string, value: T | undefined): Partial<T> {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new ArgumentError(`${op}: options must be an object, got ${describeValue(value)}`);
  return value;
}

/** Throws unless `value` is a boolean; undefined gives the default. */
export function checkBoolean(op: string, name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new ArgumentError(`${op}: ${name} must be true or false, got ${describeValue(value)}`);
  return value;
}

/** Throws unless `value` is an integer in [min, max]; undefined gives the default. */
export function checkInt(op: string, name: string, value: unknown, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
    throw new ArgumentError(`${op}: ${name} must be an integer in [${min}, ${max}], got ${describeValue(value)}`);
  return value;
}

/**
 * Checks hypotheses and references (see `ReferenceStreams`) and returns, for each hypothesis, its
 * references (the streams' non-null entries, in stream order). Each hypothesis needs one at least.
 */
export function referencesBySegment(op: string, hypotheses: unknown, references: unknown): { hypotheses: readonly string[]; references: string[][] } {
  if (!Array.isArray(hypotheses)) throw new ArgumentError(`${op}: hypotheses must be an array of strings, got ${describeValue(hypotheses)}`);
  if (hypotheses.length === 0) throw new ArgumentError(`${op}: hypotheses is empty; a corpus score needs one segment at least`);
  hypotheses.forEach((h, i) => {
    if (typeof h !== 'string') throw new ArgumentError(`${op}: hypotheses[${i}] must be a string, got ${describeValue(h)}`);
  });
  if (!Array.isArray(references))
    throw new ArgumentError(`${op}: references must be an array of strings or an array of reference streams, got ${describeValue(references)}`);
  const shape = 'one reference stream (a string per hypothesis) or an array of streams, references[k][i] being reference k of hypothesis i';
  const nested = references.some(Array.isArray);
  if (nested && !references.every(Array.isArray)) throw new ArgumentError(`${op}: references mixes strings and arrays; pass ${shape}`);
  const streams: unknown[][] = nested ? references : [references];
  if (streams.length === 0) throw new ArgumentError(`${op}: references has no stream; pass ${shape}`);
  const where = (k: number, i: number) => (nested ? `references[${k}][${i}]` : `references[${i}]`);
  streams.forEach((stream, k) => {
    if (stream.length !== hypotheses.length)
      throw new ArgumentError(
        `${op}: ${nested ? `references[${k}]` : 'references'} has ${stream.length} entries but hypotheses has ${hypotheses.length}; pass ${shape}`,
      );
  });
  const bySegment = hypotheses.map((_, i) => {
    const refs: string[] = [];
    streams.forEach((stream, k) => {
      const ref = stream[i];
      // null is sacreBLEU's None: this stream has no reference for the hypothesis (a variable number of references).
      if (ref === null && nested) return;
      if (typeof ref !== 'string') throw new ArgumentError(`${op}: ${where(k, i)} must be a string${nested ? ' or null' : ''}, got ${describeValue(ref)}`);
      refs.push(ref);
    });
    if (refs.length === 0) throw new ArgumentError(`${op}: hypothesis ${i} has no reference (every stream has null there)`);
    return refs;
  });
  return { hypotheses: hypotheses as string[], references: bySegment };
}

/** Counts of the n-grams of `units` for n = 1 to maxOrder: result[n − 1] maps each n-gram, its units joined by `joiner`, to its count. */
export function countNgrams(units: readonly string[], maxOrder: number, joiner: string): Map<string, number>[] {
  const orders = Array.from({ length: maxOrder }, () => new Map<string, number>());
  for (let i = 0; i < units.length; i++) {
    // Each n-gram extends the one before it by a unit, so no n-gram is built from scratch.
    let gram = units[i]!;
    for (let n = 1; n <= maxOrder && i + n <= units.length; n++) {
      if (n > 1) gram += joiner + units[i + n - 1]!;
      const counts = orders[n - 1]!;
      counts.set(gram, (counts.get(gram) ?? 0) + 1);
    }
  }
  return orders;
}
