// activation4(v): the activation a fused epilogue applies to four outputs at once.
// Pasted into kernels that have an ACTIVATION_FN placeholder (see src/kernels/activation-fn.ts).
fn activation4(v: vec4<f32>) -> vec4<f32> {
#if ${ACT_RELU}
  return max(v, vec4(0.0));
#else
  return v;
#endif
}
