// The guard of a training step's update, pasted into the optimizer kernels' guarded variants:
// `guard` is [loss, global gradient norm] (written by shaders/optim/guard.wgsl), and the update may
// run only when both are finite. Finiteness is tested on the bits (exponent all ones: ±∞ or NaN),
// never with `x != x` or `isinf`-style comparisons, which a compiler may fold away under fast math.

fn finite_bits(x: f32) -> bool {
  return (bitcast<u32>(x) & 0x7f800000u) != 0x7f800000u;
}

fn update_allowed() -> bool {
  return finite_bits(guard[0]) && finite_bits(guard[1]);
}
