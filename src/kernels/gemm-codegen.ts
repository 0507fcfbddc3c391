// Code generation for the register-blocked GEMM (shaders/gemm/blocked.wgsl): the block's
// accumulators, loads and multiply-adds as straight-line WGSL, one named vec4 per 1×4 piece,
// because function-local arrays indexed in loops become per-lane memory gathers on SwiftShader.
// The kernel definition and its variants are in src/kernels/gemm-blocked.ts; `npm run shaders --
// gemm/blocked` writes the rendered WGSL of each variant.

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** What the block generator needs of a blocked GEMM variant (its own type: importing the kernel's would be an import cycle). */
export interface BlockCodeShape {
  /** Rows and columns of C one invocation computes (tn a multiple of 4). */
  readonly tm: number;
  readonly tn: number;
  /** A, B and C bound as arrays of vec4 (M, N, K and the batch strides multiples of 4). */
  readonly vec4: boolean;
  readonly transA: boolean;
  readonly transB: boolean;
  /** A bias is added in the epilogue (never for a split-K partial). */
  readonly bias: boolean;
  /** Writes a split-K partial: no epilogue. */
  readonly split: boolean;
}

/**
 * The straight-line body of a tm × tn block for shaders/gemm/blocked.wgsl's DECLARE, STEP and
 * STORE placeholders: accumulators acc{r}_{j} (C[row0 + r, col0 + 4j ..]), per k-step
 * a{r} = A[row0 + r, k .. k+3] and b{kk}_{j} = B[k + kk, col0 + 4j ..], loaded along each layout's
 * contiguous dimension (the load helpers are in blocked.wgsl). For tm = tn = 4, vec4, A [M, K]
 * and B [K, N] (no transposes) it emits, per k-step of 4:
 *
 *   DECLARE  var acc0_0 = vec4<f32>(); … var acc3_0 = vec4<f32>();
 *            let pa0 = (base_a + min(row0 + 0u, m - 1u) * kdim) / 4u;   (one per row)
 *            let cb0 = base_b / 4u + min(col0 + 0u, n - 4u) / 4u;       (one per 4 columns)
 *   STEP     let kq = k / 4u;
 *            let a0 = a[pa0 + kq];  …  let a3 = a[pa3 + kq];             (A rows, 4 k each)
 *            let rb = k * n4;
 *            let b0_0 = b[cb0 + rb + 0u * n4];  …  let b3_0 = b[cb0 + rb + 3u * n4];
 *            acc0_0 = fma(a0.wwww, b3_0, fma(a0.zzzz, b2_0, fma(a0.yyyy, b1_0, fma(a0.xxxx, b0_0, acc0_0))));  …
 *   STORE    var block: array<vec4<f32>, 4>;  block[0] = acc0_0;  …
 *            for (var r = 0u; r < min(4u, m - row0); r++) { store4(base_c, row0 + r, col0 + 0u, block[r * 1u + 0u]); }
 *
 * With transA the A block is read as vec4s down 4 rows per k and transposed in registers
 * (`let a0 = vec4(ta0_0.x, ta1_0.x, ta2_0.x, ta3_0.x)`); with transB likewise for B; without vec4
 * the loads go through the bounds-checked scalar helpers (a_row4, a_col4, b_row4, b_col4).
 */
export function blockCode(v: BlockCodeShape): { DECLARE: string; STEP: string; STORE: string } {
  const rows = range(v.tm);
  const cols4 = range(v.tn / 4);
  const ks = range(4);
  const lane = 'xyzw';
  const declare: string[] = rows.flatMap((r) => cols4.map((j) => `var acc${r}_${j} = vec4<f32>();`));
  const step: string[] = [];
  // VEC4: the clamped row/column part of every load index is fixed per invocation, so it is
  // computed once here and each k-step adds only k (in vec4 units): fewer instructions per load.
  if (v.vec4) step.push('let kq = k / 4u;');
  if (v.transA) {
    // A stored [K, M]: vec4 down 4 rows for each k, then transposed.
    if (v.vec4) {
      declare.push(...range(v.tm / 4).map((i) => `let ca${i} = base_a / 4u + min(row0 + ${4 * i}u, m - 4u) / 4u;`));
      step.push('let ra = k * m4;');
      for (const kk of ks) for (const i of range(v.tm / 4)) step.push(`let ta${kk}_${i} = a[ca${i} + ra + ${kk}u * m4];`);
    } else {
      for (const kk of ks) for (const i of range(v.tm / 4)) step.push(`let ta${kk}_${i} = a_col4(base_a, k + ${kk}u, row0 + ${4 * i}u);`);
    }
    for (const r of rows) step.push(`let a${r} = vec4(${ks.map((kk) => `ta${kk}_${r >> 2}.${lane[r & 3]}`).join(', ')});`);
  } else if (v.vec4) {
    declare.push(...rows.map((r) => `let pa${r} = (base_a + min(row0 + ${r}u, m - 1u) * kdim) / 4u;`));
    for (const r of rows) step.push(`let a${r} = a[pa${r} + kq];`);
  } else {
    for (const r of rows) step.push(`let a${r} = a_row4(base_a, row0 + ${r}u, k);`);
  }
  if (v.transB) {
    // B stored [N, K]: vec4 along k for each column, then transposed.
    if (v.vec4) {
      declare.push(...range(v.tn).map((c) => `let pb${c} = (base_b + min(col0 + ${c}u, n - 1u) * kdim) / 4u;`));
      for (const c of range(v.tn)) step.push(`let tb${c} = b[pb${c} + kq];`);
    } else {
      for (const c of range(v.tn)) step.push(`let tb${c} = b_row4(base_b, col0 + ${c}u, k);`);
    }
    for (const kk of ks)
      for (const j of cols4)
        step.push(
          `let b${kk}_${j} = vec4(${range(4)
            .map((q) => `tb${4 * j + q}.${lane[kk]}`)
            .join(', ')});`,
        );
  } else if (v.vec4) {
    declare.push(...cols4.map((j) => `let cb${j} = base_b / 4u + min(col0 + ${4 * j}u, n - 4u) / 4u;`));
    step.push('let rb = k * n4;');
    for (const kk of ks) for (const j of cols4) step.push(`let b${kk}_${j} = b[cb${j} + rb + ${kk}u * n4];`);
  } else {
    for (const kk of ks) for (const j of cols4) step.push(`let b${kk}_${j} = b_col4(base_b, k + ${kk}u, col0 + ${4 * j}u);`);
  }
  for (const r of rows) {
    // fma: SwiftShader emits fused multiply-adds for it (measured 15-20% faster than a * b + c).
    for (const j of cols4)
      step.push(`acc${r}_${j} = ${ks.reduceRight((inner, kk) => `fma(a${r}.${lane[kk]!.repeat(4)}, b${kk}_${j}, ${inner})`, `acc${r}_${j}`)};`);
  }
  const indent = (lines: string[], depth: number) => lines.map((l) => `${'  '.repeat(depth)}${l}`).join('\n');
  // The epilogue loops over the block's rows with a count known only at run time (rows past M
  // are skipped) and loads the bias once per column, before the loop. With one loop over all
  // tm·tn/4 pieces, a constant count and the bias loaded per piece, lavapipe compiled the 8×8
  // block 3× slower with a bias or bias + GELU than without (8.5 s against 2.6 s now, at load
  // average 5). The accumulators go through an array for the loop to index.
  const biasLines = v.bias && !v.split ? cols4.map((j) => `let bc${j} = bias4(col0 + ${4 * j}u);`) : [];
  const plus = (j: number) => (biasLines.length > 0 ? ` + bc${j}` : '');
  return {
    DECLARE: indent(declare, 1),
    STEP: indent(step, 2),
    STORE: indent(
      [
        `var block: array<vec4<f32>, ${(v.tm * v.tn) / 4}>;`,
        ...rows.flatMap((r) => cols4.map((j) => `block[${r * cols4.length + j}] = acc${r}_${j};`)),
        ...biasLines,
        `for (var r = 0u; r < min(${v.tm}u, m - row0); r++) {`,
        ...cols4.map((j) => `  store4(base_c, row0 + r, col0 + ${4 * j}u, block[r * ${cols4.length}u + ${j}u]${plus(j)});`),
        '}',
      ],
      1,
    ),
  };
}
