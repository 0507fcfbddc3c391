// A byte scan of untrusted JSON before JSON.parse: JSON.parse recurses (a deep enough file
// overflows the stack) and silently keeps the last of duplicate keys (a second tensor of the same
// name would hide the first). Structural characters are ASCII, and no UTF-8 multi-byte sequence
// contains an ASCII byte, so scanning bytes is exact.

/** What the scan found wrong, if anything: nesting deeper than allowed, or a key twice in one object. */
export type JsonScanProblem = { kind: 'depth'; depth: number } | { kind: 'duplicate'; key: string; path: readonly string[] };

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Scans `bytes` for nesting deeper than `maxDepth` (the top object is depth 1) and for duplicate keys
 * in any object. Malformed JSON is not reported here: JSON.parse reports it afterwards.
 */
export function scanJson(bytes: Uint8Array, maxDepth: number): JsonScanProblem | undefined {
  // One frame per open object/array: its keys so far (objects only), whether a key comes next, and
  // the key under which it sits (for messages).
  const stack: { keys: Set<string> | undefined; expectKey: boolean; key: string }[] = [];
  let lastKey = '';
  const decoder = new TextDecoder();
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i]!;
    if (c === QUOTE) {
      const start = i;
      for (i++; i < bytes.length && bytes[i] !== QUOTE; i++) if (bytes[i] === BACKSLASH) i++;
      const top = stack[stack.length - 1];
      if (top?.keys && top.expectKey) {
        let key: string;
        try {
          key = JSON.parse(decoder.decode(bytes.subarray(start, i + 1))) as string;
        } catch {
          return undefined; // a broken string: JSON.parse will say where
        }
        if (top.keys.has(key)) return { kind: 'duplicate', key, path: stack.slice(1).map((f) => f.key) };
        top.keys.add(key);
        top.expectKey = false;
        lastKey = key;
      }
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (stack.length + 1 > maxDepth) return { kind: 'depth', depth: stack.length + 1 };
      stack.push({ keys: c === 0x7b ? new Set() : undefined, expectKey: c === 0x7b, key: lastKey });
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
    } else if (c === 0x2c /* , */) {
      const top = stack[stack.length - 1];
      if (top?.keys) top.expectKey = true;
    }
  }
  return undefined;
}

/** Whether `value` is a JSON object as JSON.parse makes them (not an array, not a class instance such as an ArrayBuffer or a ByteSource's class). */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype;
}
