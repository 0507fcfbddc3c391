// The device-machine bench (see bench/device/prepare.sh): our GEMM variants and attention layouts in Node on Dawn,
// one JSON row per line and $OUT/rows.json. Edit the lists below to choose what one run measures.
import { writeFileSync } from 'node:fs';
import { createWebGPUBackend } from '../../src/index.js';
import { createAttentionBenchmark } from '../attention/bench.js';
import { ourAttentionImpls } from '../attention/ours.js';
import type { Benchmark, Row } from '../lib/bench.js';

const out = process.env.OUT ?? '.';
async function run(b: Benchmark, budgetMs: number, rows: Row[], label = '') {
  for (const c of b.cases) {
    await b.prepare(c.case);
    for (const impl of b.impls) {
      const row = await b.run(c.case, impl, budgetMs);
      if (label) row.impl = `${row.impl}${label}`;
      rows.push(row);
      console.log(JSON.stringify(row));
    }
    b.release(c.case);
  }
}

const gpu = await createWebGPUBackend();
console.log(JSON.stringify(gpu.report));
if (gpu.report.isFallbackAdapter) {
  console.log('fallback adapter: no GPU driver found');
  process.exit(3);
}
const rows: Row[] = [];
const tilings = [
  { workgroup: 128, rows: 1, stage: true, split: 1 },
  { workgroup: 128, rows: 4, stage: true, split: 4 },
  { workgroup: 64, rows: 4, stage: true, split: 4 },
  { workgroup: 256, rows: 4, stage: true, split: 4 },
  { workgroup: 128, rows: 2, stage: true, split: 4 },
  { workgroup: 128, rows: 8, stage: true, split: 8 },
  { workgroup: 128, rows: 4, stage: true, split: 8 },
  { workgroup: 128, rows: 2, stage: true, split: 2 },
];
for (const [n, tiling] of tilings.entries()) {
  gpu.attentionTiling = tiling;
  const impls = ourAttentionImpls(gpu).filter((i) => n === 0 || i.impl.endsWith('fused'));
  await run(createAttentionBenchmark(impls), 1500, rows, n === 0 ? '' : ` ${JSON.stringify(tiling)}`);
  writeFileSync(`${out}/rows.json`, JSON.stringify(rows, null, 1));
}
console.log('done');
