// Shared by the attention kernels (pasted through an ATTENTION_COMMON placeholder): the parameters,
// the mask test and the dropout factor. Tensors are [B·H, T, Dh] as arrays of vec4f (Dh = 4·DH4).

struct Params {
  tq: u32,
  tk: u32,
  heads: u32,
  // Row blocks per (batch, head): query blocks for the forward and dQ, key blocks for dK/dV.
  blocks: u32,
  batch_heads: u32,
  scale: f32,
  // Dropout: drop when the Philox word is below drop_threshold; kept values are scaled by drop_scale.
  drop_threshold: u32,
  drop_scale: f32,
  key_lo: u32,
  key_hi: u32,
  offset_lo: u32,
  offset_hi: u32,
  // BC again, as a run-time value: a tile loop bounded by it stays a loop. Bounded by the constant,
  // LLVM-based CPU compilers (lavapipe) unroll BC copies of the Dh-long body and take minutes.
  tile: u32,
}

// Whether query i of batch b may attend key j (j < tk is the caller's to check).
fn attends(b: u32, i: u32, j: u32) -> bool {
  var visible = true;
#if ${CAUSAL}
  visible = j <= i;
#endif
#if ${KEY_MASK}
  visible = visible && key_mask[b * params.tk + j] != 0u;
#endif
  return visible;
}

#if ${DROPOUT}
${PHILOX}

// The dropout factor of probability (row, j), row = bh·Tq + i: drop_scale when kept, else 0. Its
// Philox stream position is offset + row·Tk + j, a 64-bit number kept as (lo, hi) words; the word
// is number (position mod 4) of the block for counter position / 4, as in shaders/dropout/dropout.wgsl.
fn dropout_factor(row: u32, j: u32) -> f32 {
  let product_lo = row * params.tk;
  let product_hi = philox_mulhi(row, params.tk);
  let start_lo = params.offset_lo + product_lo;
  let start_hi = params.offset_hi + product_hi + select(0u, 1u, start_lo < product_lo);
  let lo = start_lo + j;
  let hi = start_hi + select(0u, 1u, lo < start_lo);
  let counter = vec4u((lo >> 2u) | (hi << 30u), hi >> 2u, 0u, 0u);
  let words = philox4x32_10(counter, vec2u(params.key_lo, params.key_hi));
  return select(0.0, params.drop_scale, words[lo & 3u] >= params.drop_threshold);
}
#else
fn dropout_factor(row: u32, j: u32) -> f32 {
  return 1.0;
}
#endif
