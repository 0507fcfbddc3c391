// mlmBatches' saved position: a stream restored from getState() (by setState or the state option)
// draws the same batches as the stream it was taken from; JSON round trip; bad states refused.
import { describe, expect, test } from 'vitest';
import { type MlmBatch, type MlmBatchesState, mlmBatches } from '../../src/index.js';
import { Rng } from '../harness/cases.js';

const options = { batchSize: 3, seqLength: 10, seed: 1234, maskId: 257, randomTokenRange: 256, clsId: 258, sepId: 259 };
const rng = new Rng(99);
const tokens = Int32Array.from({ length: 800 }, () => Math.floor(rng.next() * 256));

function take(stream: Iterator<MlmBatch>, n: number): MlmBatch[] {
  return Array.from({ length: n }, () => stream.next().value as MlmBatch);
}

describe('mlmBatches state', () => {
  test('a stream restored from getState() draws the same batches as the original, by setState and by the state option', () => {
    const original = mlmBatches(tokens, options);
    take(original, 5);
    const saved = JSON.parse(JSON.stringify(original.getState())) as MlmBatchesState;
    expect(saved).toMatchObject({ kind: 'mlmBatches', batches: 5, batchSize: 3, seqLength: 10, tokens: 800 });
    const want = take(original, 4);
    const bySet = mlmBatches(tokens, options);
    take(bySet, 2); // anywhere: setState moves it
    bySet.setState(saved);
    const byOption = mlmBatches(tokens, { ...options, state: saved });
    for (const stream of [bySet, byOption]) {
      const got = take(stream, 4);
      got.forEach((b, i) => {
        expect(b.inputIds).toEqual(want[i]!.inputIds);
        expect(b.labels).toEqual(want[i]!.labels);
        expect(b.starts).toEqual(want[i]!.starts);
      });
      expect(stream.getState()).toEqual(original.getState());
    }
    // The restored stream is not the start of the stream: its first batch differs from a fresh one's.
    expect(take(mlmBatches(tokens, options), 1)[0]!.inputIds).not.toEqual(want[0]!.inputIds);
  });

  test('a state of another shape or a malformed one is refused, naming the field', () => {
    const stream = mlmBatches(tokens, options);
    const good = stream.getState();
    expect(() => stream.setState({ ...good, batchSize: 4 })).toThrow(/^mlmBatches: setState\.batchSize is 4, but this stream has batchSize 3/);
    expect(() => stream.setState({ ...good, tokens: 5 })).toThrow(/tokens is 5, but this stream has tokens 800/);
    expect(() => stream.setState({ ...good, kind: 'x' } as never)).toThrow(/setState\.kind must be "mlmBatches"/);
    expect(() => stream.setState({ ...good, rng: [0, 0, 0, 0] })).toThrow(/setState\.rng: .*not all zero/);
    expect(() => stream.setState({ ...good, rng: [1, 2, 3] })).toThrow(/setState\.rng/);
    expect(() => stream.setState({ ...good, batches: -1 })).toThrow(/batches must be an integer/);
    expect(() => stream.setState(null as never)).toThrow(/must be an mlmBatches state object/);
    expect(() => mlmBatches(tokens, { ...options, state: { ...good, seqLength: 9 } })).toThrow(/^mlmBatches: options\.state\.seqLength is 9/);
    // A refused state leaves the stream where it was.
    expect(stream.getState()).toEqual(good);
  });
});
