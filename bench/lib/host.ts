// The benchmark host: the object the runner calls, in the page (through page.evaluate) or in Node.
import type { AdapterReport } from '../../src/index.js';
import type { Benchmark, CaseInfo, Row } from './bench.js';

/** What the runner can ask a host; every argument and result is plain JSON. */
export interface BenchmarkHost {
  adapter(): Promise<AdapterReport>;
  describe(name: string): Promise<{ cases: CaseInfo[]; impls: string[] }>;
  prepare(name: string, caseName: string): Promise<void>;
  run(name: string, caseName: string, impl: string, budgetMs: number): Promise<Row>;
  release(name: string, caseName: string): Promise<void>;
}

interface HostSetup {
  adapter: AdapterReport;
  /** Each benchmark by name, created on first use. */
  benchmarks: Record<string, () => Benchmark>;
}

/** A host over the benchmarks `setup` creates (once, on the first call). */
export function exposeHost(setup: () => Promise<HostSetup>): BenchmarkHost {
  let ready: Promise<HostSetup> | undefined;
  const made = new Map<string, Benchmark>();
  const benchmark = async (name: string): Promise<Benchmark> => {
    const host = await (ready ??= setup());
    let found = made.get(name);
    if (!found) {
      const create = host.benchmarks[name];
      if (!create) throw new Error(`no benchmark ${name} here (known: ${Object.keys(host.benchmarks).join(', ')})`);
      found = create();
      made.set(name, found);
    }
    return found;
  };
  return {
    adapter: async () => (await (ready ??= setup())).adapter,
    describe: async (name) => {
      const b = await benchmark(name);
      return { cases: b.cases, impls: b.impls };
    },
    prepare: async (name, caseName) => (await benchmark(name)).prepare(caseName),
    run: async (name, caseName, impl, budgetMs) => (await benchmark(name)).run(caseName, impl, budgetMs),
    release: async (name, caseName) => (await benchmark(name)).release(caseName),
  };
}
