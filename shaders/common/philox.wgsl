// Philox4x32-10 (Salmon et al. 2011; the generator of cuRAND and PyTorch): a counter-based RNG.
// philox4x32_10(counter, key) is a pure function of a 128-bit counter and a 64-bit key, so any
// invocation can compute any random word on its own, in any order, reproducibly.
//
// Other kernels include this file through a PHILOX placeholder (src/kernels/philox.ts renders
// it with PHILOX_KERNEL false: functions only). With PHILOX_KERNEL true it is a kernel of
// its own that writes raw blocks, so the WGSL generator can be checked against the published
// known-answer vectors bit for bit.

const PHILOX_M0: u32 = 0xD2511F53u;
const PHILOX_M1: u32 = 0xCD9E8D57u;
const PHILOX_W0: u32 = 0x9E3779B9u;
const PHILOX_W1: u32 = 0xBB67AE85u;

// High 32 bits of the 64-bit product a·b. WGSL has no 64-bit integers: multiply 16-bit halves
// (each partial product fits in 32 bits) and carry the middle column into the high word.
fn philox_mulhi(a: u32, b: u32) -> u32 {
  let a_lo = a & 0xFFFFu;
  let a_hi = a >> 16u;
  let b_lo = b & 0xFFFFu;
  let b_hi = b >> 16u;
  let lo_lo = a_lo * b_lo;
  let lo_hi = a_lo * b_hi;
  let hi_lo = a_hi * b_lo;
  let middle = (lo_lo >> 16u) + (lo_hi & 0xFFFFu) + (hi_lo & 0xFFFFu);
  return a_hi * b_hi + (lo_hi >> 16u) + (hi_lo >> 16u) + (middle >> 16u);
}

fn philox_round(c: vec4u, k: vec2u) -> vec4u {
  return vec4u(
    philox_mulhi(PHILOX_M1, c.z) ^ c.y ^ k.x,
    PHILOX_M1 * c.z,
    philox_mulhi(PHILOX_M0, c.x) ^ c.w ^ k.y,
    PHILOX_M0 * c.x,
  );
}

fn philox4x32_10(counter: vec4u, key: vec2u) -> vec4u {
  var c = counter;
  var k = key;
  for (var r = 0u; r < 10u; r++) {
    c = philox_round(c, k);
    k += vec2u(PHILOX_W0, PHILOX_W1);
  }
  return c;
}

#if ${PHILOX_KERNEL}
struct Params {
  n: u32,
}

@group(0) @binding(0) var<storage, read> counters: array<vec4u>;
@group(0) @binding(1) var<storage, read> keys: array<vec2u>;
@group(0) @binding(2) var<storage, read_write> blocks: array<vec4u>;
@group(0) @binding(3) var<uniform> params: Params;

// blocks[i] = philox4x32_10(counters[i], keys[i]), one block per invocation.
@compute @workgroup_size(${WORKGROUP_X})
fn main(
  @builtin(workgroup_id) group: vec3u,
  @builtin(num_workgroups) groups: vec3u,
  @builtin(local_invocation_index) lane: u32,
) {
  let i = (group.y * groups.x + group.x) * ${WORKGROUP_X}u + lane;
  if (i >= params.n) {
    return;
  }
  blocks[i] = philox4x32_10(counters[i], keys[i]);
}
#endif
