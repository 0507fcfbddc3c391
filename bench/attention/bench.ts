// The attention benchmark: every implementation gets the same q, k, v, dOut, runs forward + backward,
// is timed by `timeOperations`, and its last result is checked on two heads against float64.
import { type Benchmark, type Row, type Timed, errorMessage, round3, seededUniform, timeOperations } from '../lib/bench.js';
import {
  ATTENTION_TOLERANCE,
  type AttentionCase,
  type AttentionInputs,
  type AttentionOutputs,
  attentionCases,
  checkedHeads,
  headReference,
  makeInputs,
  maxAbsError,
} from './cases.js';

/** An implementation of attention forward + backward: ours (fused, naive) or a peer library. */
export interface AttentionImpl {
  impl: string;
  prepare(x: AttentionInputs): Promise<PreparedAttention<unknown>>;
}

/** One implementation with its inputs on the GPU. */
export interface PreparedAttention<R> extends Timed<R> {
  /** Reads a result back ([B, H, T, Dh] row-major each) and frees it. */
  read(result: R): Promise<AttentionOutputs>;
  /** GPU bytes one operation holds at its peak beyond the inputs, when the implementation can tell. */
  peakBytes?(): Promise<number>;
  release(): void;
}

const SEED = 20241128;

interface Prepared {
  inputs: AttentionInputs;
  references: Map<number, Record<keyof AttentionOutputs, Float64Array>>;
}

export function createAttentionBenchmark(impls: AttentionImpl[], cases: AttentionCase[] = attentionCases): Benchmark {
  const prepared = new Map<string, Prepared>();
  return {
    name: 'attention',
    cases: cases.map((c) => ({ case: c.case, detail: c.detail })),
    impls: impls.map((i) => i.impl),

    async prepare(caseName) {
      const spec = cases.find((c) => c.case === caseName);
      if (!spec) throw new Error(`attention: no case ${caseName}`);
      const inputs = makeInputs(spec, seededUniform(SEED));
      const references = new Map(checkedHeads(spec).map((head) => [head, headReference(inputs, head)]));
      prepared.set(caseName, { inputs, references });
    },

    async run(caseName, implName, budgetMs) {
      const p = prepared.get(caseName);
      if (!p) throw new Error(`attention: case ${caseName} was not prepared`);
      const impl = impls.find((i) => i.impl === implName);
      if (!impl) throw new Error(`attention: no implementation ${implName}`);
      const row: Row = { case: caseName, impl: implName, metric: 'ms', value: null, maxAbsErr: null, ok: false };
      let run: PreparedAttention<unknown> | undefined;
      try {
        run = await impl.prepare(p.inputs);
        if (run.peakBytes) row.peakBytes = await run.peakBytes();
        const timing = await timeOperations(run, budgetMs);
        row.value = round3(timing.ms);
        row.ms = round3(timing.ms);
        row.rounds = timing.rounds;
        row.perRound = timing.perRound;
        const err = maxAbsError(p.inputs, await run.read(timing.last), p.references);
        row.maxAbsErr = Number.isFinite(err) ? Number(err.toPrecision(2)) : null;
        row.ok = err <= ATTENTION_TOLERANCE;
        if (!row.ok) row.error = `result check failed: max |err| ${err.toPrecision(2)} > tolerance ${ATTENTION_TOLERANCE}`;
      } catch (error) {
        row.error = errorMessage(error);
      } finally {
        run?.release();
      }
      return row;
    },

    release(caseName) {
      prepared.delete(caseName);
    },
  };
}
