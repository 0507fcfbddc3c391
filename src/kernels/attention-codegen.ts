// Code generation for the fused attention kernels (shaders/attention/forward, backward-dq,
// backward-dkdv): the per-row blocks the shaders paste through their ROW_* and LOAD_* placeholders.
// The kernel definitions, tilings and encoders are in src/kernels/attention.ts; `npm run shaders --
// attention` writes every rendered variant to .cache/shaders/ to read the result in place.
//
// Why generated: an invocation owns `rows` rows of Dh/split floats each (its q or k/v rows, the
// output accumulators), and they must stay in registers. As private arrays indexed in loops, GPU
// compilers spill them and lavapipe's compiler lowers them to if-ladders (a minute per pipeline), so
// every row r and every vec4 d of a row is a named value instead: `q{r}_{d}`, `o{r}_{d}`, … and the
// loops over rows and over Dh are unrolled here, in TS. The loops over keys (or queries) stay in the
// WGSL, rolled. Names the generated code uses: r is an owned row, d this invocation's vec4 of it
// (columns col + d of the row's DH4), `at` the streamed row's first vec4 in k/v (or the staged tile).
// The examples below are for rows 1, Dh 8 (dh4 2), split 1, K/V read from storage.

/** What the generated code depends on: rows per invocation, Dh/4, invocations per row and where K/V (or Q/dO) are read from. */
export interface AttentionCodeShape {
  readonly rows: number;
  readonly dh4: number;
  readonly split: number;
  readonly stage: boolean;
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

const ONE = 'vec4f(1.0)';

/**
 * Straight-line code over the owned rows and the head dimension: `rows(indent, line)` repeats
 * `line(r)` for every owned row r, `overD(line)` repeats `line(d)` for this invocation's vec4s d of
 * a row; `dotChain` is Σ_d a_d ⊙ b_d as one vec4 (an fma chain), `rowSum` its sum over the whole row.
 */
function generator(v: AttentionCodeShape) {
  const rows = range(v.rows);
  const ds = range(v.dh4 / v.split); // this invocation's vec4s of a row: columns col + d
  const indent = (n: number) => (line: string) => `${' '.repeat(n)}${line}`;
  return {
    rows: (n: number, line: (r: number) => string[]) => rows.flatMap(line).map(indent(n)).join('\n'),
    overD: (line: (d: number) => string) => ds.map(line),
    /**
     * `dotChain('dot0', q0_d, k_d)` at dh4 2:
     *   var dot0 = q0_0 * k_0;
     *   dot0 = fma(q0_1, k_1, dot0);
     */
    dotChain: (name: string, a: (d: number) => string, b: (d: number) => string) => [
      `var ${name} = ${a(0)} * ${b(0)};`,
      ...ds.slice(1).map((d) => `${name} = fma(${a(d)}, ${b(d)}, ${name});`),
    ],
    /**
     * `let name = Σ of the vec4 expression over the whole row`; split over lanes, a shuffle-xor
     * butterfly adds the lanes' parts. `rowSum('score0', 'dot0')` at split 1, then split 4:
     *   let score0 = dot(dot0, vec4f(1.0));
     *
     *   var score0 = dot(dot0, vec4f(1.0));
     *   score0 += subgroupShuffleXor(score0, 1u);
     *   score0 += subgroupShuffleXor(score0, 2u);
     */
    rowSum: (name: string, vec: string) => [
      `${v.split > 1 ? 'var' : 'let'} ${name} = dot(${vec}, ${ONE});`,
      ...range(Math.log2(v.split)).map((bit) => `${name} += subgroupShuffleXor(${name}, ${1 << bit}u);`),
    ],
  };
}

type Generator = ReturnType<typeof generator>;

/**
 * The forward's and dQ's first lines per query row r: i{r}, its storage row row{r}, and q{r}_{d}
 * pre-scaled. Example:
 *   let i0 = first_row + 0u * ROW_LANES + lane_row;
 *   let row0 = bh * params.tq + min(i0, params.tq - 1u);
 *   let q0_0 = q[row0 * DH4 + col + 0u] * params.scale;
 *   let q0_1 = q[row0 * DH4 + col + 1u] * params.scale;
 */
function queryRowInit(g: Generator, r: number): string[] {
  return [
    `let i${r} = first_row + ${r}u * ROW_LANES + lane_row;`,
    `let row${r} = bh * params.tq + min(i${r}, params.tq - 1u);`,
    ...g.overD((d) => `let q${r}_${d} = q[row${r} * DH4 + col + ${d}u] * params.scale;`),
  ];
}

/**
 * The K/V reads of the forward and dQ kernels: KV_AT, the streamed key's first vec4 (in the staged
 * tile, or in storage), and this invocation's vec4s of k and v there. Unstaged:
 *   KV_AT   kv_base + j * DH4 + col
 *   LOAD_K        let k_0 = k[at + 0u];
 *                 let k_1 = k[at + 1u];
 *   LOAD_V        let v_0 = v[at + 0u];  …
 * Staged, `jj * DH4 + col` and `k_tile[at + 0u]`, `v_tile[at + 0u]`, ….
 */
function kvReads(v: AttentionCodeShape, g: Generator) {
  const [kSource, vSource] = v.stage ? ['k_tile', 'v_tile'] : ['k', 'v'];
  return {
    KV_AT: v.stage ? 'jj * DH4 + col' : 'kv_base + j * DH4 + col',
    LOAD_K: g.overD((d) => `      let k_${d} = ${kSource}[at + ${d}u];`).join('\n'),
    LOAD_V: g.overD((d) => `      let v_${d} = ${vSource}[at + ${d}u];`).join('\n'),
  };
}

/**
 * The forward's generated blocks (shaders/attention/forward.wgsl): per query row r, q{r}_{d}, the
 * output accumulators o{r}_{d}, the running max m{r} and sum l{r}, and the tile's scores s{r}.
 * Besides the K/V reads (`kvReads`) and the `queryRowInit` lines, for row 0:
 *   ROW_INIT            var o0_0 = vec4f(0.0);  var o0_1 = vec4f(0.0);
 *                       var m0 = NEG_MAX;  var l0 = 0.0;  var s0: array<f32, BC>;
 *   ROW_TILE_MAX_INIT   var tile_max0 = NEG_MAX;
 *   ROW_SCORES          var dot0 = q0_0 * k_0;
 *                       dot0 = fma(q0_1, k_1, dot0);
 *                       let score0 = dot(dot0, vec4f(1.0));
 *                       s0[jj] = select(NEG_MAX, score0, attends(b, i0, j));
 *                       tile_max0 = max(tile_max0, s0[jj]);
 *   ROW_RESCALE         let m_new0 = max(m0, tile_max0);
 *                       let correction0 = exp(m0 - m_new0);
 *                       m0 = m_new0;  l0 *= correction0;  o0_0 *= correction0;  o0_1 *= correction0;
 *   ROW_ACCUMULATE      let p0 = select(0.0, exp(s0[jj] - m0), s0[jj] > NEG_MAX);
 *                       l0 += p0;
 *                       let pv0 = vec4f(p0 * dropout_factor(row0, j));
 *                       o0_0 = fma(pv0, v_0, o0_0);  o0_1 = fma(pv0, v_1, o0_1);
 *   ROW_STORE           if (i0 < params.tq) {
 *                         let inv0 = select(0.0, 1.0 / l0, l0 > 0.0);
 *                         out[row0 * DH4 + col + 0u] = o0_0 * inv0;  (and + 1u)
 *                         if (col == 0u) { lse[row0] = select(neg_inf, m0 + log(l0), l0 > 0.0); }
 *                       }
 */
export function forwardCode(v: AttentionCodeShape) {
  const g = generator(v);
  return {
    ...kvReads(v, g),
    ROW_INIT: g.rows(2, (r) => [
      ...queryRowInit(g, r),
      ...g.overD((d) => `var o${r}_${d} = vec4f(0.0);`),
      `var m${r} = NEG_MAX;`,
      `var l${r} = 0.0;`,
      `var s${r}: array<f32, BC>;`,
    ]),
    ROW_TILE_MAX_INIT: g.rows(4, (r) => [`var tile_max${r} = NEG_MAX;`]),
    ROW_SCORES: g.rows(6, (r) => [
      ...g.dotChain(
        `dot${r}`,
        (d) => `q${r}_${d}`,
        (d) => `k_${d}`,
      ),
      ...g.rowSum(`score${r}`, `dot${r}`),
      `s${r}[jj] = select(NEG_MAX, score${r}, attends(b, i${r}, j));`,
      `tile_max${r} = max(tile_max${r}, s${r}[jj]);`,
    ]),
    ROW_RESCALE: g.rows(4, (r) => [
      `let m_new${r} = max(m${r}, tile_max${r});`,
      `let correction${r} = exp(m${r} - m_new${r});`,
      `m${r} = m_new${r};`,
      `l${r} *= correction${r};`,
      ...g.overD((d) => `o${r}_${d} *= correction${r};`),
    ]),
    ROW_ACCUMULATE: g.rows(6, (r) => [
      `let p${r} = select(0.0, exp(s${r}[jj] - m${r}), s${r}[jj] > NEG_MAX);`,
      `l${r} += p${r};`,
      `let pv${r} = vec4f(p${r} * dropout_factor(row${r}, j));`,
      ...g.overD((d) => `o${r}_${d} = fma(pv${r}, v_${d}, o${r}_${d});`),
    ]),
    ROW_STORE: g.rows(2, (r) => [
      `if (i${r} < params.tq) {`,
      `  let inv${r} = select(0.0, 1.0 / l${r}, l${r} > 0.0);`,
      ...g.overD((d) => `  out[row${r} * DH4 + col + ${d}u] = o${r}_${d} * inv${r};`),
      `  if (col == 0u) {`,
      `    lse[row${r}] = select(neg_inf, m${r} + log(l${r}), l${r} > 0.0);`,
      '  }',
      '}',
    ]),
  };
}

/**
 * The dQ pass's generated blocks (shaders/attention/backward-dq.wgsl): per query row r, q{r}_{d},
 * do{r}_{d}, the accumulators dq{r}_{d}, the saved lse{r} and delta{r} = rowsum(dO ∘ O). Besides
 * the K/V reads and the `queryRowInit` lines, for row 0:
 *   ROW_INIT    let do0_0 = d_out[row0 * DH4 + col + 0u];  (and + 1u)
 *               var dq0_0 = vec4f(0.0);  var dq0_1 = vec4f(0.0);
 *               let lse0 = lse[row0];
 *               var delta4_0 = do0_0 * out[row0 * DH4 + col + 0u];
 *               delta4_0 = fma(do0_1, out[row0 * DH4 + col + 1u], delta4_0);
 *               let delta0 = dot(delta4_0, vec4f(1.0));
 *   ROW_GRADS   var s4_0 = q0_0 * k_0;  s4_0 = fma(q0_1, k_1, s4_0);
 *               var dp4_0 = do0_0 * v_0;  dp4_0 = fma(do0_1, v_1, dp4_0);
 *               let score0 = dot(s4_0, vec4f(1.0));  let dp0 = dot(dp4_0, vec4f(1.0));
 *               let p0 = select(0.0, exp(score0 - lse0), attends(b, i0, j));
 *               let ds0 = vec4f(p0 * (dropout_factor(row0, j) * dp0 - delta0));
 *               dq0_0 = fma(ds0, k_0, dq0_0);  dq0_1 = fma(ds0, k_1, dq0_1);
 *   ROW_STORE   if (i0 < params.tq) {
 *                 dq[row0 * DH4 + col + 0u] = dq0_0 * params.scale;  (and + 1u)
 *                 if (col == 0u) { delta[row0] = delta0; }
 *               }
 */
export function backwardDqCode(v: AttentionCodeShape) {
  const g = generator(v);
  return {
    ...kvReads(v, g),
    ROW_INIT: g.rows(2, (r) => [
      ...queryRowInit(g, r),
      ...g.overD((d) => `let do${r}_${d} = d_out[row${r} * DH4 + col + ${d}u];`),
      ...g.overD((d) => `var dq${r}_${d} = vec4f(0.0);`),
      `let lse${r} = lse[row${r}];`,
      ...g.dotChain(
        `delta4_${r}`,
        (d) => `do${r}_${d}`,
        (d) => `out[row${r} * DH4 + col + ${d}u]`,
      ),
      ...g.rowSum(`delta${r}`, `delta4_${r}`),
    ]),
    ROW_GRADS: g.rows(6, (r) => [
      ...g.dotChain(
        `s4_${r}`,
        (d) => `q${r}_${d}`,
        (d) => `k_${d}`,
      ),
      ...g.dotChain(
        `dp4_${r}`,
        (d) => `do${r}_${d}`,
        (d) => `v_${d}`,
      ),
      ...g.rowSum(`score${r}`, `s4_${r}`),
      ...g.rowSum(`dp${r}`, `dp4_${r}`),
      `let p${r} = select(0.0, exp(score${r} - lse${r}), attends(b, i${r}, j));`,
      `let ds${r} = vec4f(p${r} * (dropout_factor(row${r}, j) * dp${r} - delta${r}));`,
      ...g.overD((d) => `dq${r}_${d} = fma(ds${r}, k_${d}, dq${r}_${d});`),
    ]),
    ROW_STORE: g.rows(2, (r) => [
      `if (i${r} < params.tq) {`,
      ...g.overD((d) => `  dq[row${r} * DH4 + col + ${d}u] = dq${r}_${d} * params.scale;`),
      `  if (col == 0u) {`,
      `    delta[row${r}] = delta${r};`,
      '  }',
      '}',
    ]),
  };
}

/**
 * The dK/dV pass's generated blocks (shaders/attention/backward-dkdv.wgsl): per key row r, j{r},
 * its storage row key{r}, k{r}_{d} pre-scaled, v{r}_{d} and the accumulators dk{r}_{d}, dv{r}_{d};
 * queries stream past (q_{d}, do_{d} from storage, or from the staged q_tile / do_tile). Row 0:
 *   LOAD_Q      let q_0 = q[at + col + 0u];  (staged: q_tile[at + col + 0u])
 *   LOAD_DO     let do_0 = d_out[at + col + 0u];  (staged: do_tile[…])
 *   ROW_INIT    let j0 = first_key + 0u * ROW_LANES + lane_row;
 *               let key0 = bh * params.tk + min(j0, params.tk - 1u);
 *               let k0_0 = k[key0 * DH4 + col + 0u] * params.scale;  let v0_0 = v[key0 * DH4 + col + 0u];  …
 *               var dk0_0 = vec4f(0.0);  var dv0_0 = vec4f(0.0);  …
 *   ROW_GRADS   var s4_0 = q_0 * k0_0;  s4_0 = fma(q_1, k0_1, s4_0);
 *               var dp4_0 = do_0 * v0_0;  dp4_0 = fma(do_1, v0_1, dp4_0);
 *               let score0 = dot(s4_0, vec4f(1.0));  let dp0 = dot(dp4_0, vec4f(1.0));
 *               let p0 = select(0.0, exp(score0 - row_lse), attends(b, i, j0));
 *               let z0 = dropout_factor(q_base + i, j0);
 *               let pz0 = vec4f(p0 * z0);
 *               let ds0 = vec4f(p0 * (z0 * dp0 - row_delta));
 *               dv0_0 = fma(pz0, do_0, dv0_0);  …  dk0_0 = fma(ds0, q_0, dk0_0);  …
 *   ROW_STORE   if (j0 < params.tk) {
 *                 dk[key0 * DH4 + col + 0u] = dk0_0 * params.scale;  …  dv[key0 * DH4 + col + 0u] = dv0_0;  …
 *               }
 */
export function backwardDkDvCode(v: AttentionCodeShape) {
  const g = generator(v);
  const qSource = v.stage ? 'q_tile' : 'q';
  const doSource = v.stage ? 'do_tile' : 'd_out';
  return {
    LOAD_Q: g.overD((d) => `      let q_${d} = ${qSource}[at + col + ${d}u];`).join('\n'),
    LOAD_DO: g.overD((d) => `      let do_${d} = ${doSource}[at + col + ${d}u];`).join('\n'),
    ROW_INIT: g.rows(2, (r) => [
      `let j${r} = first_key + ${r}u * ROW_LANES + lane_row;`,
      `let key${r} = bh * params.tk + min(j${r}, params.tk - 1u);`,
      ...g.overD((d) => `let k${r}_${d} = k[key${r} * DH4 + col + ${d}u] * params.scale;`),
      ...g.overD((d) => `let v${r}_${d} = v[key${r} * DH4 + col + ${d}u];`),
      ...g.overD((d) => `var dk${r}_${d} = vec4f(0.0);`),
      ...g.overD((d) => `var dv${r}_${d} = vec4f(0.0);`),
    ]),
    ROW_GRADS: g.rows(6, (r) => [
      ...g.dotChain(
        `s4_${r}`,
        (d) => `q_${d}`,
        (d) => `k${r}_${d}`,
      ),
      ...g.dotChain(
        `dp4_${r}`,
        (d) => `do_${d}`,
        (d) => `v${r}_${d}`,
      ),
      ...g.rowSum(`score${r}`, `s4_${r}`),
      ...g.rowSum(`dp${r}`, `dp4_${r}`),
      `let p${r} = select(0.0, exp(score${r} - row_lse), attends(b, i, j${r}));`,
      `let z${r} = dropout_factor(q_base + i, j${r});`,
      `let pz${r} = vec4f(p${r} * z${r});`,
      `let ds${r} = vec4f(p${r} * (z${r} * dp${r} - row_delta));`,
      ...g.overD((d) => `dv${r}_${d} = fma(pz${r}, do_${d}, dv${r}_${d});`),
      ...g.overD((d) => `dk${r}_${d} = fma(ds${r}, q_${d}, dk${r}_${d});`),
    ]),
    ROW_STORE: g.rows(2, (r) => [
      `if (j${r} < params.tk) {`,
      ...g.overD((d) => `  dk[key${r} * DH4 + col + ${d}u] = dk${r}_${d} * params.scale;`),
      ...g.overD((d) => `  dv[key${r} * DH4 + col + ${d}u] = dv${r}_${d};`),
      '}',
    ]),
  };
}
