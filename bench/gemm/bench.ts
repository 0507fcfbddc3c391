// The GEMM benchmark: every implementation gets the same operands, is timed by `timeOperations`,
// and its last result is read back and compared with a float64 CPU reference.
import { type Benchmark, type Row, type Timed, errorMessage, round3, seededUniform, timeOperations } from '../lib/bench.js';
import { type GemmCase, type GemmOperands, gemmCases, gemmReference, gemmTolerance, makeOperands, maxAbsError, plainOperands } from './cases.js';

/** An implementation of C = op(A)·op(B): ours (one per kernel variant) or a peer library. */
export interface GemmImpl {
  /** `shaderformer/<variant>` or the peer's npm package name. */
  impl: string;
  /**
   * True when the implementation takes transposed operands itself. When false, the runner hands it
   * the backward cases with the transpose materialised on the CPU before timing (noted in the row).
   */
  transposes: boolean;
  /** Uploads the operands (untimed) and returns how to launch, wait for and read products. */
  prepare(x: GemmOperands): Promise<PreparedGemm<unknown>>;
}

/** One implementation with its operands on the GPU. */
export interface PreparedGemm<R> extends Timed<R> {
  /** Reads a result back to the CPU and frees it. */
  read(result: R): Promise<ArrayLike<number>>;
  /** Frees the operands. */
  release(): void;
}

const SEED = 20240607;

interface Prepared {
  spec: GemmCase;
  operands: GemmOperands;
  plain: GemmOperands;
  reference: Float64Array;
}

/** The GEMM benchmark over `impls` (ours and, in the browser, the peers). */
export function createGemmBenchmark(impls: GemmImpl[], cases: GemmCase[] = gemmCases): Benchmark {
  const prepared = new Map<string, Prepared>();
  const find = <T extends { case?: string; impl?: string }>(list: T[], key: 'case' | 'impl', value: string): T => {
    const found = list.find((entry) => entry[key] === value);
    if (!found) throw new Error(`gemm: no ${key} ${value}`);
    return found;
  };
  return {
    name: 'gemm',
    cases: cases.map((c) => ({ case: c.case, detail: c.detail })),
    impls: impls.map((i) => i.impl),

    async prepare(caseName) {
      const spec = find(cases, 'case', caseName);
      const operands = makeOperands(spec, seededUniform(SEED));
      const plain = plainOperands(operands);
      prepared.set(caseName, { spec, operands, plain, reference: gemmReference(plain) });
    },

    async run(caseName, implName, budgetMs) {
      const p = prepared.get(caseName);
      if (!p) throw new Error(`gemm: case ${caseName} was not prepared`);
      const impl = find(impls, 'impl', implName);
      const materialised = !impl.transposes && (p.spec.transA || p.spec.transB);
      const row: Row = { case: caseName, impl: implName, metric: 'gflops', value: null, maxAbsErr: null, ok: false };
      if (materialised) row.note = 'transposed operand materialised on the CPU before timing';
      let gemm: PreparedGemm<unknown> | undefined;
      try {
        gemm = await impl.prepare(impl.transposes ? p.operands : p.plain);
        const timing = await timeOperations(gemm, budgetMs);
        const { m, k, n, batch } = p.spec;
        row.value = round3((2 * batch * m * n * k) / (timing.ms * 1e6));
        row.ms = round3(timing.ms);
        row.rounds = timing.rounds;
        row.perRound = timing.perRound;
        const err = maxAbsError(await gemm.read(timing.last), p.reference);
        row.maxAbsErr = Number.isFinite(err) ? Number(err.toPrecision(2)) : null;
        row.ok = err <= gemmTolerance(k);
        if (!row.ok) row.error = `result check failed: max |err| ${err.toPrecision(2)} > tolerance ${gemmTolerance(k).toPrecision(2)}`;
      } catch (error) {
        row.error = errorMessage(error);
      } finally {
        gemm?.release();
      }
      return row;
    },

    release(caseName) {
      prepared.delete(caseName);
    },
  };
}
