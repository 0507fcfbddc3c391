// Gradient checks in float64 on the CPU: a backward reference against central finite differences
// of its forward reference. Used by the reference tests of every op that has a backward.

/**
 * Central-difference gradient of a scalar function: ∂f/∂x_i ≈ (f(x + h·e_i) − f(x − h·e_i)) / 2h.
 * `f` must compute in float64 for the difference to mean anything.
 */
export function numericGradient(f: (x: Float64Array) => number, x: Float64Array, h = 1e-6): Float64Array {
  const grad = new Float64Array(x.length);
  const probe = Float64Array.from(x);
  for (let i = 0; i < x.length; i++) {
    probe[i] = x[i]! + h;
    const up = f(probe);
    probe[i] = x[i]! - h;
    const down = f(probe);
    probe[i] = x[i]!;
    grad[i] = (up - down) / (2 * h);
  }
  return grad;
}

/**
 * Checks a vector-Jacobian product: for the loss L(x) = Σ_j forward(x)_j · dy_j, the backward's
 * `dx` must equal ∂L/∂x. Returns the largest |analytic − numeric| / (1 + |numeric|).
 */
export function vjpError(
  forward: (x: Float64Array) => ArrayLike<number>,
  dy: ArrayLike<number>,
  x: Float64Array,
  analytic: ArrayLike<number>,
  h = 1e-6,
): number {
  const loss = (probe: Float64Array): number => {
    const y = forward(probe);
    let sum = 0;
    for (let j = 0; j < y.length; j++) sum += y[j]! * dy[j]!;
    return sum;
  };
  const numeric = numericGradient(loss, x, h);
  let worst = 0;
  for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(analytic[i]! - numeric[i]!) / (1 + Math.abs(numeric[i]!)));
  return worst;
}

/** Uniform random float64 values in ±[lo, hi), never zero, from a seeded generator. */
export function randomFloat64(rng: { next(): number }, n: number, lo = 0.1, hi = 1): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = (rng.next() < 0.5 ? -1 : 1) * (lo + (hi - lo) * rng.next());
  return out;
}
