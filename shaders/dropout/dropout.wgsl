// Dropout with a regenerated mask: out[i] = x[i] · keep(i) · scale, scale = 1 / (1 − p).
// The same kernel is the backward (x = dy): the mask comes from the RNG, never from memory.
//
// The random stream is Philox4x32-10 under params.key, 4 words per counter: stream position s is
// word s mod 4 of the block for counter ⌊s/4⌋ (a 64-bit number in counter words 0 and 1; words 2
// and 3 are 0). Element i reads position offset + i and is kept when its word ≥ params.threshold
// (= ⌊p·2^32⌋). Invocation t computes the block for counter ⌊offset/4⌋ + t once and serves the
// (up to) 4 elements that read it; params.lead = offset mod 4 positions of the first block come
// before element 0. The offset is the call's own (params) plus the step's random offset (a
// multiple of 4, from the step uniform that a compiled training step rewrites every step).

struct Params {
  n: u32,
  lead: u32,
  first_counter_lo: u32,
  first_counter_hi: u32,
  key_lo: u32,
  key_hi: u32,
  threshold: u32,
  scale: f32,
}

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;
@group(0) @binding(3) var<uniform> step: Step;

${STEP}
${PHILOX}

@compute @workgroup_size(${WORKGROUP_X})
fn main(
  @builtin(workgroup_id) group: vec3u,
  @builtin(num_workgroups) groups: vec3u,
  @builtin(local_invocation_index) lane: u32,
) {
  let t = (group.y * groups.x + group.x) * ${WORKGROUP_X}u + lane;
  // Position of this block's word 0, counted from the first block's word 0.
  let start = 4u * t;
  if (start >= params.n + params.lead) {
    return;
  }
  // The step's offset in counters (positions / 4), then this block's counter, as 64-bit (lo, hi) sums.
  let step_lo = (step.random_offset_lo >> 2u) | (step.random_offset_hi << 30u);
  let step_hi = step.random_offset_hi >> 2u;
  let first_lo = params.first_counter_lo + step_lo;
  let first_hi = params.first_counter_hi + step_hi + select(0u, 1u, first_lo < step_lo);
  let counter_lo = first_lo + t;
  let carry = select(0u, 1u, counter_lo < t); // the low word wrapped
  let counter = vec4u(counter_lo, first_hi + carry, 0u, 0u);
  let words = philox4x32_10(counter, vec2u(params.key_lo, params.key_hi));
  for (var w = 0u; w < 4u; w++) {
    let position = start + w;
    if (position < params.lead) {
      continue;
    }
    let i = position - params.lead;
    if (i >= params.n) {
      break;
    }
    out[i] = select(0.0, x[i] * params.scale, words[w] >= params.threshold);
  }
}
