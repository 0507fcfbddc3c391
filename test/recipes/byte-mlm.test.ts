// The byte-level MLM recipe on the CPU backend at a tiny size: the run trains, evaluates on the
// held-out set with fixed masks, and its baseline is the unigram loss of exactly those tokens.
import { describe, expect, test } from 'vitest';
import { ByteVocabulary, createCpuBackend, trainByteMlm } from '../../src/index.js';

const TEXT = 'The transcendental unity of apperception is the condition of all knowledge. '.repeat(40);

describe('trainByteMlm', () => {
  test('trains a tiny model and evaluates it against the unigram baseline of the held-out tokens', async () => {
    const evaluations: number[] = [];
    const result = await trainByteMlm({
      backend: createCpuBackend(),
      text: TEXT,
      config: {
        layers: 1,
        hidden: 16,
        heads: 2,
        intermediate: 32,
        seqLength: 16,
        maxPredictions: 4,
        batchSize: 4,
        steps: 6,
        warmupSteps: 2,
        heldOutFraction: 0.1,
        evalTokens: 200,
      },
      evaluateEvery: 3,
      onEvaluate: (step) => void evaluations.push(step),
    });
    try {
      expect(result.training.steps).toBe(6);
      expect(evaluations).toEqual([3, 6]);
      expect(result.evaluations.map((e) => e.step)).toEqual([3, 6]);
      const { heldout_mlm_loss, unigram_loss, ratio_to_unigram, heldout_accuracy } = result.final;
      expect(Number.isFinite(heldout_mlm_loss) && heldout_mlm_loss > 0).toBe(true);
      expect(ratio_to_unigram).toBeCloseTo(heldout_mlm_loss / unigram_loss, 12);
      expect(heldout_accuracy).toBeGreaterThanOrEqual(0);
      expect(heldout_accuracy).toBeLessThanOrEqual(1);
      // The text repeats one sentence: its bytes' add-one-smoothed frequencies give a baseline far
      // below ln 260 (uniform over the vocabulary).
      expect(unigram_loss).toBeLessThan(Math.log(new ByteVocabulary().size) - 1);
    } finally {
      result.parameters.dispose();
    }
  });

  test('refuses a bad configuration naming the field', async () => {
    await expect(trainByteMlm({ backend: createCpuBackend(), text: TEXT, config: { steps: 0 } })).rejects.toThrow(/trainByteMlm: steps must be an integer ≥ 1/);
    await expect(trainByteMlm({ backend: createCpuBackend(), text: TEXT, config: 'huge' as 'ci' })).rejects.toThrow(/config must be one of ci, recorded/);
    await expect(trainByteMlm({ backend: createCpuBackend(), text: 'short' })).rejects.toThrow(/too short/);
  });
});
