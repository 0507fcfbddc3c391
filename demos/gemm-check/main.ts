// Shows the adapter, then runs one GEMM on the GPU and compares it with the CPU reference loop.
import { createWebGPUBackend, matmul } from '../../src/index.js';
import { matmulReference } from '../../src/reference/gemm.js';

const M = 257;
const K = 129;
const N = 193;
/** Passes when max |gpu − cpu| is under this (f32 sums of 129 products). */
const MAX_ERROR = 1e-4;

function fillTable(id: string, rows: [string, string][]): void {
  const table = document.getElementById(id)!;
  table.replaceChildren(
    ...rows.map(([key, value]) => {
      const tr = document.createElement('tr');
      const th = document.createElement('th');
      const td = document.createElement('td');
      th.textContent = key;
      td.textContent = value;
      td.dataset.key = key;
      tr.append(th, td);
      return tr;
    }),
  );
}

function randomMatrix(size: number): Float32Array {
  return Float32Array.from({ length: size }, () => Math.random() * 2 - 1);
}

async function main(): Promise<void> {
  const status = document.getElementById('status')!;
  const gpu = await createWebGPUBackend();
  const r = gpu.report;
  fillTable('adapter', [
    ['vendor', r.vendor || '(not reported)'],
    ['architecture', r.architecture || '(not reported)'],
    ['description', r.description || r.device || '(not reported)'],
    ['software fallback', String(r.isFallbackAdapter)],
    ['subgroup size', r.subgroupMinSize ? `${r.subgroupMinSize}–${r.subgroupMaxSize}` : '(not reported)'],
    ['features', r.features.join(', ') || 'none'],
  ]);
  fillTable(
    'limits',
    Object.entries(r.limits).map(([k, v]) => [k, v.toLocaleString('en')]),
  );

  status.textContent = 'Timing the GEMM variants for this adapter (compiles each once; can take a few seconds)…';
  const tuning = await gpu.tuneGemm();
  fillTable(
    'tuning',
    Object.entries(tuning.timings).map(([variant, ms]) => [variant, `${ms!.toFixed(1)} ms${variant === tuning.variant ? '  ← chosen' : ''}`]),
  );
  status.textContent = `Running a ${M}×${K} · ${K}×${N} matrix product…`;
  const a = randomMatrix(M * K);
  const b = randomMatrix(K * N);
  const started = performance.now();
  const c = matmul(gpu.tensor(a, [M, K]), gpu.tensor(b, [K, N]));
  const got = await c.data();
  const gpuMs = performance.now() - started;
  const want = new Float32Array(M * N);
  matmulReference(a, b, want, M, N, K);
  let maxError = 0;
  for (let i = 0; i < want.length; i++) maxError = Math.max(maxError, Math.abs(got[i]! - want[i]!));
  fillTable('gemm', [
    ['shape', `[${M}, ${K}] · [${K}, ${N}]`],
    ['kernel', tuning.variant],
    ['max |gpu − cpu|', maxError.toExponential(2)],
    ['time (first run, includes compile)', `${gpuMs.toFixed(1)} ms`],
  ]);
  const ok = maxError < MAX_ERROR;
  status.className = ok ? 'ok' : 'bad';
  status.textContent = ok
    ? `OK: the GPU matches the CPU reference (max error ${maxError.toExponential(2)} < ${MAX_ERROR}).`
    : `MISMATCH: max error ${maxError} ≥ ${MAX_ERROR}`;
  document.body.dataset.maxError = String(maxError);
  document.body.dataset.state = 'done';
  gpu.destroy();
}

main().catch((error: unknown) => {
  const status = document.getElementById('status')!;
  status.className = 'bad';
  status.textContent = `Error: ${error instanceof Error ? error.message : String(error)}`;
  document.body.dataset.state = 'error';
});
