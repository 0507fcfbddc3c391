// The default GEMM variant per adapter and product size (src/backend/webgpu/ops/gemm.ts), on fake
// adapter reports: no GPU needed.
import { describe, expect, test } from 'vitest';
import type { GemmVariant } from '../../src/backend/contract.js';
import type { WebGPUContext } from '../../src/backend/webgpu/context.js';
import { chooseGemmVariant, defaultGemmVariant, gemmAdapterKind, gemmCandidates } from '../../src/backend/webgpu/ops/gemm.js';

// What Chromium's SwiftShader and Dawn's lavapipe (Mesa 25) report on the test machine.
const swiftshader = { architecture: 'swiftshader', device: '', description: '', isFallbackAdapter: true };
const lavapipe = {
  architecture: 'software',
  device: 'llvmpipe-llvm-15-0-6-256-bits-',
  description: 'llvmpipe: Mesa 25.0.7-2~bpo12+1 (LLVM 15.0.6) 0.0.1',
  isFallbackAdapter: true,
};
const otherSoftware = { architecture: '', device: '', description: 'Microsoft Basic Render Driver', isFallbackAdapter: true };
const gpu = { architecture: 'ampere', device: '', description: 'NVIDIA H100', isFallbackAdapter: false };
const adapters = { swiftshader, lavapipe, otherSoftware, gpu };

const product = (m: number, n: number, k: number, batches = 1) => ({ m, n, k, batches });
const readmeProduct = product(2, 2, 3);
// M, N, K from 1 to BERT-base sizes, and batched forms: every size class of the table.
const sizes = [1, 2, 3, 7, 16, 33, 64, 128, 260, 512, 768, 1024, 3072, 30522];
const products = sizes
  .flatMap((m) => sizes.flatMap((n) => [1, 64, 768].map((k) => product(m, n, k))))
  .concat([product(64, 128, 128, 16), product(128, 128, 64, 192)]);
const BIG_BLOCKS: GemmVariant[] = ['blocked-16x16', 'blocked-16x32', 'blocked-32x32'];
// Measured on lavapipe: 16×32 compiles in 17-29 s and 32×32 in 46-94 s per pipeline (load 5),
// against 1-2 s for 8×8 and 3-5 s for 16×16 (load 2).
const SLOW_ON_LAVAPIPE: GemmVariant[] = ['blocked-16x32', 'blocked-32x32'];
const flops = (p: ReturnType<typeof product>) => 2 * p.m * p.n * p.k * p.batches;

describe('default GEMM variant', () => {
  test('adapters are told apart by their report', () => {
    expect(gemmAdapterKind(swiftshader)).toBe('swiftshader');
    expect(gemmAdapterKind(lavapipe)).toBe('lavapipe');
    // Recognised by name even where a Dawn version does not mark it as a fallback adapter.
    expect(gemmAdapterKind({ ...lavapipe, isFallbackAdapter: false })).toBe('lavapipe');
    expect(gemmAdapterKind(otherSoftware)).toBe('software');
    expect(gemmAdapterKind(gpu)).toBe('gpu');
  });

  test("the README's 2×3·3×2 product never gets a 16×16 or bigger register block", () => {
    for (const [name, report] of Object.entries(adapters)) {
      const variant = chooseGemmVariant(report, readmeProduct);
      expect(BIG_BLOCKS, `${name}: ${variant}`).not.toContain(variant);
    }
    // On software adapters tiny products take the kernel that compiles in a tenth of a second.
    expect(chooseGemmVariant(swiftshader, readmeProduct)).toBe('naive');
    expect(chooseGemmVariant(lavapipe, readmeProduct)).toBe('naive');
    expect(chooseGemmVariant(swiftshader, product(16, 16, 16))).toBe('naive');
  });

  test('lavapipe and unknown software adapters never get a block that compiles for tens of seconds there', () => {
    for (const report of [lavapipe, { ...lavapipe, isFallbackAdapter: false }, otherSoftware]) {
      for (const p of products) expect(SLOW_ON_LAVAPIPE, JSON.stringify(p)).not.toContain(chooseGemmVariant(report, p));
    }
    expect(chooseGemmVariant(lavapipe, product(33, 17, 129))).toBe('blocked-8x8');
    expect(chooseGemmVariant(lavapipe, product(1024, 1024, 1024))).toBe('blocked-16x16');
    for (const report of [lavapipe, otherSoftware]) {
      const candidates = gemmCandidates({ report } as unknown as WebGPUContext);
      for (const slow of SLOW_ON_LAVAPIPE) expect(candidates).not.toContain(slow);
    }
  });

  test('one or two rows (a decoding step) take naive on software adapters, whatever the size; GPUs keep the tiled kernel', () => {
    for (const report of [swiftshader, lavapipe, otherSoftware]) {
      expect(chooseGemmVariant(report, product(1, 50257, 768))).toBe('naive');
      expect(chooseGemmVariant(report, product(2, 3072, 768))).toBe('naive');
      expect(chooseGemmVariant(report, product(3, 3072, 768))).not.toBe('naive');
    }
    expect(chooseGemmVariant(gpu, product(1, 50257, 768))).toBe('tiled-64x64');
  });

  test('SwiftShader: the block grows with the product, up to 32×32 for BERT-base sizes', () => {
    const order: GemmVariant[] = ['naive', 'blocked-8x8', 'blocked-16x16', 'blocked-16x32', 'blocked-32x32'];
    // Products of one or two rows take naive whatever their size (the next test).
    const sorted = products.filter((p) => p.m > 2).sort((x, y) => flops(x) - flops(y));
    const ranks = sorted.map((p) => order.indexOf(chooseGemmVariant(swiftshader, p)));
    expect(ranks.every((r, i) => r >= 0 && (i === 0 || r >= ranks[i - 1]!))).toBe(true);
    // The small BERT's training products (1024 tokens, hidden 128, FFN 512) share one variant.
    for (const p of [product(64, 128, 128, 16), product(64, 512, 128, 16), product(1024, 260, 128), product(128, 128, 1024), product(512, 128, 1024)]) {
      expect(chooseGemmVariant(swiftshader, p)).toBe('blocked-16x32');
    }
    expect(chooseGemmVariant(swiftshader, product(512, 3072, 768))).toBe('blocked-32x32');
  });

  test('GPUs keep the tiled kernel', () => {
    for (const p of products) expect(chooseGemmVariant(gpu, p)).toBe('tiled-64x64');
  });

  test('a variant set by tuneGemm() or the user overrides the table, except for tiny products (no big compile for them)', () => {
    const context = { report: lavapipe, gemmVariant: 'blocked-32x32' } as unknown as WebGPUContext;
    expect(defaultGemmVariant(context, readmeProduct)).toBe('naive');
    expect(defaultGemmVariant(context, product(1024, 128, 128))).toBe('blocked-32x32');
    context.gemmVariant = undefined;
    expect(defaultGemmVariant(context, readmeProduct)).toBe('naive');
    expect(defaultGemmVariant(context, product(1024, 128, 128))).toBe('blocked-16x16');
  });
});
