// The KantaiBERT recipe on the CPU backend at a tiny size: BPE trained on the training lines only,
// a RoBERTa trained and evaluated on held-out lines against their unigram baseline, fill-mask at the end.
import { describe, expect, test } from 'vitest';
import { createCpuBackend, pretrainKantaiBert } from '../../src/index.js';

const SENTENCES = [
  'The understanding is the faculty of rules.',
  'Reason is the faculty of principles.',
  'Space is a necessary representation a priori.',
  'Time is the form of the internal sense.',
  'All our knowledge begins with experience.',
];
const TEXT = Array.from({ length: 60 }, (_, i) => `${SENTENCES[i % 5]} ${SENTENCES[(i * 3 + 1) % 5]}`).join('\n');

describe('pretrainKantaiBert', () => {
  for (const data of ['lines', 'packed'] as const) {
    test(`trains a tiny RoBERTa on ${data} and fills masks`, async () => {
      let vocabSize = 0;
      const result = await pretrainKantaiBert({
        backend: createCpuBackend(),
        text: TEXT,
        config: {
          vocabSize: 300,
          layers: 1,
          hidden: 16,
          heads: 2,
          intermediate: 32,
          maxPositions: 34,
          seqLength: 32,
          data,
          maxPredictions: 6,
          batchSize: 4,
          steps: 4,
          warmupSteps: 1,
          heldOutFraction: 0.1,
        },
        prompts: ['Reason is the <mask> of principles.', 'Time is the <mask> of the internal sense.'],
        onTokenizer: (tokenizer) => void (vocabSize = tokenizer.vocabSize),
      });
      try {
        expect(vocabSize).toBeGreaterThan(256);
        expect(result.tokenizer.vocabSize).toBe(vocabSize);
        expect(result.model.roberta.config.vocab_size).toBe(vocabSize);
        expect(result.training.steps).toBe(4);
        const { heldout_mlm_loss, unigram_loss, ratio_to_unigram } = result.final;
        expect(heldout_mlm_loss).toBeGreaterThan(0);
        expect(unigram_loss).toBeGreaterThan(0);
        expect(ratio_to_unigram).toBeCloseTo(heldout_mlm_loss / unigram_loss, 12);
        expect(result.fillMask).toHaveLength(2);
        for (const { predictions } of result.fillMask) {
          const top = predictions as { score: number; tokenStr: string }[];
          expect(top).toHaveLength(5);
          for (let i = 1; i < top.length; i++) expect(top[i]!.score).toBeLessThanOrEqual(top[i - 1]!.score);
        }
      } finally {
        result.parameters.dispose();
      }
    });
  }

  test('refuses a corpus of one line and an unknown configuration', async () => {
    await expect(pretrainKantaiBert({ backend: createCpuBackend(), text: 'one line only' })).rejects.toThrow(/needs at least 2/);
    await expect(pretrainKantaiBert({ backend: createCpuBackend(), text: TEXT, config: 'base' as 'ci' })).rejects.toThrow(
      /config must be one of seed, ci, recorded/,
    );
  });
});
