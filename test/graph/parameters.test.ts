// ParameterStore built from given values: create({ values }) and the streaming load(). A parameter
// given values must never run its initialiser (the initialisers here throw to prove it).
import { describe, expect, test } from 'vitest';
import { ArgumentError, Parameter, ParameterStore, ShapeError, createCpuBackend } from '../../src/index.js';

const throwing = () => {
  throw new Error('initialiser ran');
};
const counting = (calls: string[], name: string) => (shape: readonly number[]) => {
  calls.push(name);
  return new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(0.5);
};

describe('ParameterStore from values', () => {
  const backend = createCpuBackend();

  test('create({ values }) uses the values and runs only the missing initialisers', async () => {
    const calls: string[] = [];
    const a = new Parameter('a', [2, 3], { init: throwing });
    const b = new Parameter('b', [4], { init: counting(calls, 'b') });
    const given = Float32Array.from([1, -2, 3.5, 4, 5, -6]);
    const store = ParameterStore.create(backend, [a, b], { values: (p) => (p === a ? given : undefined) });
    expect(await store.get('a')).toEqual(given);
    expect(await store.get('b')).toEqual(new Float32Array(4).fill(0.5));
    expect(calls).toEqual(['b']);
    expect(store.names()).toEqual(['a', 'b']);
    store.dispose();
  });

  test('create({ values }) checks the values', () => {
    const a = new Parameter('a', [2, 3], { init: throwing });
    expect(() => ParameterStore.create(backend, [a], { values: () => new Float32Array(5) })).toThrow(ShapeError);
    expect(() => ParameterStore.create(backend, [a], { values: () => [1, 2] as unknown as Float32Array })).toThrow(/must be a Float32Array/);
    expect(() => ParameterStore.create(backend, [a], { values: 3 as unknown as () => undefined })).toThrow(ArgumentError);
  });

  test('load() takes values in any order, one at a time, and reports what it loaded and initialised', async () => {
    const calls: string[] = [];
    const params = [
      new Parameter('x', [3], { init: throwing }),
      new Parameter('y', [2], { init: counting(calls, 'y') }),
      new Parameter('z', [1], { init: throwing }),
    ];
    async function* values() {
      yield { name: 'z', data: Float32Array.from([9]) };
      yield { name: 'x', data: Float32Array.from([1, 2, 3]) };
    }
    const { store, loaded, initialized } = await ParameterStore.load(backend, params, values(), { seed: 3 });
    expect(store.names()).toEqual(['x', 'y', 'z']); // creation order, not the values' order
    expect(loaded).toEqual(['x', 'z']);
    expect(initialized).toEqual(['y']);
    expect(calls).toEqual(['y']);
    expect(await store.get('x')).toEqual(Float32Array.from([1, 2, 3]));
    expect(await store.get('z')).toEqual(Float32Array.from([9]));
    store.dispose();
  });

  test('load() refuses unknown names, duplicates and wrong sizes, and frees what it made', async () => {
    const p = [new Parameter('x', [3], { init: throwing })];
    const live = () => backend.stats().liveBytes;
    const before = live();
    await expect(ParameterStore.load(backend, p, [{ name: 'w', data: new Float32Array(3) }])).rejects.toThrow(/"w", which is not one of the parameters/);
    await expect(
      ParameterStore.load(backend, p, [
        { name: 'x', data: new Float32Array(3) },
        { name: 'x', data: new Float32Array(3) },
      ]),
    ).rejects.toThrow(/"x" twice/);
    await expect(ParameterStore.load(backend, p, [{ name: 'x', data: new Float32Array(2) }])).rejects.toThrow(/has 2 values, the parameter \[3\] has 3/);
    await expect(ParameterStore.load(backend, p, 7 as unknown as [])).rejects.toThrow(ArgumentError);
    // A missing parameter whose initialiser throws: the loaded tensors are freed too.
    await expect(ParameterStore.load(backend, [...p, new Parameter('y', [2], { init: throwing })], [{ name: 'x', data: new Float32Array(3) }])).rejects.toThrow(
      'initialiser ran',
    );
    expect(live()).toBe(before);
  });
});
