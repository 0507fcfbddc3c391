// The BERT pretraining recipe (WordPiece, MLM + NSP) on the CPU backend at a tiny size: sentence
// pairs from paragraphs, both losses trained, held-out MLM loss, its unigram baseline and NSP accuracy.
import { describe, expect, test } from 'vitest';
import { createCpuBackend, paragraphSentences, pretrainBert } from '../../src/index.js';

const SENTENCES = [
  'The understanding is the faculty of rules.',
  'Reason is the faculty of principles!',
  'Space is a necessary representation a priori.',
  'Is time the form of the internal sense?',
  'All our knowledge begins with experience.',
  'It does not follow that it all arises from experience.',
];
const TEXT = Array.from({ length: 40 }, (_, i) => [0, 1, 2].map((k) => SENTENCES[(i + k * 2) % 6]).join(' ')).join('\n\n');

describe('pretrainBert', () => {
  test('splits paragraphs into sentences after . ! ?', () => {
    expect(paragraphSentences('One. Two! "Three?" Four\n\nFive.\n')).toEqual([['One.', 'Two!', '"Three?"', 'Four'], ['Five.']]);
  });

  test('trains a tiny BERT on MLM + NSP and scores both on held-out pairs', async () => {
    const result = await pretrainBert({
      backend: createCpuBackend(),
      text: TEXT,
      config: {
        vocabSize: 200,
        layers: 1,
        hidden: 16,
        heads: 2,
        intermediate: 32,
        seqLength: 32,
        maxPredictions: 5,
        batchSize: 4,
        steps: 4,
        warmupSteps: 1,
        heldOutFraction: 0.2,
      },
    });
    try {
      expect(result.training.steps).toBe(4);
      expect(result.pairs.train).toBeGreaterThan(result.pairs.heldOut);
      expect(result.pairs.heldOut).toBeGreaterThan(0);
      const m = result.final;
      expect(m.heldout_mlm_loss).toBeGreaterThan(0);
      expect(m.unigram_loss).toBeGreaterThan(0);
      expect(m.nsp_accuracy).toBeGreaterThanOrEqual(0);
      expect(m.nsp_accuracy).toBeLessThanOrEqual(1);
      expect(m.heldout_nsp_loss).toBeGreaterThan(0);
      // The training loss is MLM + NSP: above the NSP part alone, whose untrained value is near ln 2.
      expect(result.training.losses[0]!).toBeGreaterThan(m.heldout_nsp_loss! * 0.5);
    } finally {
      result.parameters.dispose();
    }
  });
});
