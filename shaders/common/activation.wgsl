// The activations shared by the activation kernels and the fused GEMM epilogues, so both compute
// the same GELU: activate(v), derivative(v), and activation4(v) for four values at once.
// GELU is exact x·Φ(x); GELU_TANH is 0.5·x·(1 + tanh(√(2/π)(x + 0.044715x³))); RELU is max(x, 0)
// with ReLU'(0) = 0; TANH is tanh(x) (the elementwise kernels only, not the GEMM epilogues); none
// of them is the identity. Pasted into kernels whose source has an
// ACTIVATION_FNS placeholder (src/kernels/activation-fn.ts renders it).

const FRAC_1_SQRT_2 = 0.70710678118654752;
const FRAC_1_SQRT_2PI = 0.39894228040143268;
const SQRT_2_OVER_PI = 0.79788456080286536;
const GELU_TANH_CUBIC = 0.044715;

// WGSL has no erf. Two least-squares polynomial fits (600 Chebyshev nodes each, fitted in float64
// against mpmath's erf). Evaluated in f32 (checked at 220,000 points of [0, 12]), the
// pair gives |erf error| ≤ 7.4e-8 for all t (about 1.2 ulp of erf near 1), and erfc keeps a
// relative error ≤ 1.5e-6 for t ≤ 4 and ≤ 8e-6 up to t = 10 (mostly from rounding t² in f32), so
// Φ(x) stays accurate relative to itself in the negative tail.

// erf(t) for |t| < 1: t + t·P(t²), P fitted to erf(t)/t − 1 (the t + t·P form keeps the large
// leading term exact).
fn erf_small(t: f32) -> f32 {
  let s = t * t;
  var p = 7.64065699e-05;
  p = p * s - 7.9402572e-04;
  p = p * s + 5.17948717e-03;
  p = p * s - 2.68484335e-02;
  p = p * s + 1.12834252e-01;
  p = p * s - 3.76126051e-01;
  p = p * s + 1.28379151e-01;
  return t + t * p;
}

// erfc(t) for 1 ≤ t < 10: u·exp(−t² + Q(u)), u = 1/(1 + t/2), Q fitted to log(erfc(t)·e^(t²)/u),
// which is smooth and bounded in u. erfc(10) ≈ 2e-45 is below every f32, so t ≥ 10 gives 0.
fn erfc_large(t: f32) -> f32 {
  if (t >= 10.0) {
    return 0.0;
  }
  let u = 1.0 / (1.0 + 0.5 * t);
  var q = -2.51916409e-01;
  q = q * u + 6.83086634e-01;
  q = q * u - 5.05577266e-01;
  q = q * u - 2.17490811e-02;
  q = q * u - 9.41468477e-02;
  q = q * u + 7.80136883e-02;
  q = q * u + 3.76675963e-01;
  q = q * u + 9.99798298e-01;
  q = q * u - 1.26550305;
  return u * exp(q - t * t);
}

// Φ(x) = 0.5·(1 + erf(x/√2)). Below −√2 it is 0.5·erfc(|x|/√2) directly, so it keeps its
// relative accuracy in the negative tail instead of cancelling 1 + erf.
fn normal_cdf(v: f32) -> f32 {
  let t = abs(v) * FRAC_1_SQRT_2;
  if (t < 1.0) {
    return 0.5 + 0.5 * erf_small(v * FRAC_1_SQRT_2);
  }
  let tail = 0.5 * erfc_large(t);
  return select(tail, 1.0 - tail, v > 0.0);
}

// e^(−2u) for the tanh form, using 0.5·(1 + tanh(u)) = 1/(1 + e^(−2u)), which has no
// cancellation; 2u is clamped so exp never overflows (the result is 0 or x to f32 there).
fn gelu_tanh_exp(v: f32) -> f32 {
  let u = SQRT_2_OVER_PI * (v + GELU_TANH_CUBIC * v * v * v);
  return exp(-clamp(2.0 * u, -80.0, 80.0));
}

// tanh(x) written out rather than WGSL's tanh(), whose accuracy the spec leaves to the
// implementation (sinh/cosh forms overflow to NaN for large |x|). For |x| ≥ 0.5 it is
// sign(x)·(1 − e)/(1 + e), e = e^(−2|x|) ≤ e^(−1), with no cancellation; below 0.5 1 − e would
// cancel, so the odd Taylor series to x¹³ is used (truncation < 1e-7 relative at 0.5).
fn tanh_of(v: f32) -> f32 {
  let t = abs(v);
  if (t < 0.5) {
    let s = v * v;
    var p = 21844.0 / 6081075.0;
    p = p * s - 1382.0 / 155925.0;
    p = p * s + 62.0 / 2835.0;
    p = p * s - 17.0 / 315.0;
    p = p * s + 2.0 / 15.0;
    p = p * s - 1.0 / 3.0;
    return v + v * s * p;
  }
  let e = exp(-2.0 * t);
  return sign(v) * (1.0 - e) / (1.0 + e);
}

fn activate(v: f32) -> f32 {
#if ${GELU}
  return v * normal_cdf(v);
#elif ${GELU_TANH}
  return v / (1.0 + gelu_tanh_exp(v));
#elif ${RELU}
  return select(0.0, v, v > 0.0);
#elif ${TANH}
  return tanh_of(v);
#else
  return v;
#endif
}

fn derivative(v: f32) -> f32 {
#if ${GELU}
  // Φ(x) + x·φ(x)
  return normal_cdf(v) + v * FRAC_1_SQRT_2PI * exp(-0.5 * v * v);
#elif ${GELU_TANH}
  // With σ = 1/(1 + e), e = e^(−2u): σ + 2x·σ(1 − σ)·u', and σ(1 − σ) = e·σ² (no cancellation).
  let e = gelu_tanh_exp(v);
  let sigma = 1.0 / (1.0 + e);
  let du = SQRT_2_OVER_PI * (1.0 + 3.0 * GELU_TANH_CUBIC * v * v);
  return sigma + 2.0 * v * du * (e * sigma) * sigma;
#elif ${RELU}
  return select(0.0, 1.0, v > 0.0);
#elif ${TANH}
  // 1 − tanh² = 4e/(1 + e)², e = e^(−2|x|): no cancellation as tanh → ±1 (e underflows to 0 far out).
  let e = exp(-2.0 * abs(v));
  let q = 1.0 + e;
  return 4.0 * e / (q * q);
#else
  return 1.0;
#endif
}

fn activation4(v: vec4<f32>) -> vec4<f32> {
  return vec4(activate(v.x), activate(v.y), activate(v.z), activate(v.w));
}
