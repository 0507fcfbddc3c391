import { ShaderformerError } from '../errors.js';

/** A tokenizer got a bad argument or an untrusted file (tokenizer.json, vocab.txt, merges.txt) that does not hold what it should; the message names the function and the bad value. */
export class TokenizerError extends ShaderformerError {
  override name = 'TokenizerError';
}

/** Describes any value for an error message, briefly: `"abc"`, `-3`, `an array`, `null`. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  return `a ${typeof value}`;
}
