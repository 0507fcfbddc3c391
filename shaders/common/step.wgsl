// The values that change from one training step to the next, in one small uniform buffer. A
// compiled training step rewrites the buffer once per step and replays its recorded dispatches,
// which read it; an eager op gets a buffer of its own with this call's values. The layout is
// src/backend/step-values.ts `packStepValues`. Pasted into kernels through a STEP placeholder.

struct Step {
  // Philox stream position where this micro-step's random draws start (a multiple of 4), as the
  // low and high words of a 64-bit number. Dropout masks read position random_offset + their own.
  random_offset_lo: u32,
  random_offset_hi: u32,
  // The optimizer update t, from 1 (SGD starts its momentum buffer when t = 1).
  update: u32,
  // The learning rate of update t.
  lr: f32,
  // Adam and AdamW: 1 − β1^t and 1 − β2^t, formed in double precision on the CPU.
  bias_correction1: f32,
  bias_correction2: f32,
  _pad0: u32,
  _pad1: u32,
}
