// The schedules against their published formulas, worked by hand, and their argument checks.
import { describe, expect, test } from 'vitest';
import { ShapeError, constantSchedule, linearWarmupDecay, noamSchedule } from '../../src/index.js';

describe('noamSchedule', () => {
  const lr = noamSchedule({ dModel: 512, warmupSteps: 4000 });
  test('rises linearly to its peak 1/√(d_model·warmup) at the end of warm-up, then decays as 1/√step', () => {
    expect(lr(1)).toBeCloseTo(512 ** -0.5 * 4000 ** -1.5, 15);
    expect(lr(2000) / lr(1000)).toBeCloseTo(2, 12);
    expect(lr(4000)).toBeCloseTo(1 / Math.sqrt(512 * 4000), 15);
    expect(lr(16000)).toBeCloseTo(lr(4000) / 2, 15);
    expect(lr(4000)).toBeGreaterThan(lr(3999));
    expect(lr(4000)).toBeGreaterThan(lr(4001));
  });
  test('factor scales every step', () => {
    const twice = noamSchedule({ dModel: 512, warmupSteps: 4000, factor: 2 });
    expect(twice(123)).toBeCloseTo(2 * lr(123), 15);
  });
});

describe('linearWarmupDecay', () => {
  const lr = linearWarmupDecay({ peakLr: 1e-4, warmupSteps: 10, totalSteps: 110 });
  test('matches Hugging Face get_linear_schedule_with_warmup (its step = ours − 1)', () => {
    expect(lr(1)).toBe(0); // HF step 0
    expect(lr(6)).toBeCloseTo(0.5e-4, 18); // HF step 5 of 10
    expect(lr(11)).toBeCloseTo(1e-4, 18); // HF step 10: the peak
    expect(lr(61)).toBeCloseTo(0.5e-4, 18); // half way down
    expect(lr(111)).toBe(0);
    expect(lr(500)).toBe(0);
  });
  test('no warm-up starts at the peak', () => {
    expect(linearWarmupDecay({ peakLr: 2, warmupSteps: 0, totalSteps: 4 })(1)).toBe(2);
  });
});

describe('schedules check their arguments', () => {
  test.each([
    ['noam dModel', () => noamSchedule({ dModel: 0, warmupSteps: 10 }), /^noamSchedule: dModel must be a finite number > 0, got 0$/],
    ['noam warmup', () => noamSchedule({ dModel: 8, warmupSteps: 1.5 }), /^noamSchedule: warmupSteps must be an integer ≥ 1/],
    ['noam step 0', () => noamSchedule({ dModel: 8, warmupSteps: 10 })(0), /^noamSchedule: step must be an integer ≥ 1 \(the first update is step 1\), got 0$/],
    ['linear warmup > total', () => linearWarmupDecay({ peakLr: 1, warmupSteps: 5, totalSteps: 4 }), /warmupSteps \(5\) must not exceed totalSteps \(4\)/],
    ['linear peak NaN', () => linearWarmupDecay({ peakLr: NaN, warmupSteps: 1, totalSteps: 4 }), /peakLr must be a finite number > 0/],
    ['constant lr', () => constantSchedule(-1), /^constantSchedule: lr must be a finite number > 0, got -1$/],
  ])('%s', (_name, call, message) => {
    expect(call).toThrow(ShapeError);
    expect(call).toThrow(message);
  });
});
