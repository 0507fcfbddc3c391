// The CoLA fine-tuning recipe on the CPU backend at a tiny size, on the real CoLA files: from a
// Hugging Face folder (a tiny BERT fixture) and from a BERT pretrained here, with dev accuracy and
// MCC after every epoch.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { accuracy, createCpuBackend, fineTuneCola, matthewsCorrelation, pretrainBert } from '../../src/index.js';
import { COLA_DEV, COLA_TRAIN } from '../harness/data.js';

const present = COLA_TRAIN.present && COLA_DEV.present;
if (!present) console.warn(`[cola] skipping: ${COLA_TRAIN.present ? COLA_DEV.missing : COLA_TRAIN.missing}`);
const folder = fileURLToPath(new URL('../fixtures/hf/bert-mlm/', import.meta.url));

describe.skipIf(!present)('fineTuneCola', () => {
  const train = present ? readFileSync(COLA_TRAIN.path, 'utf8') : '';
  const dev = present ? readFileSync(COLA_DEV.path, 'utf8') : '';

  test('fine-tunes a BERT folder and reports dev accuracy and MCC per epoch', async () => {
    const epochs: number[] = [];
    const result = await fineTuneCola({
      backend: createCpuBackend(),
      train,
      dev,
      from: { folder },
      config: { epochs: 2, batchSize: 8, maxLength: 16, lr: 1e-3, trainExamples: 32 },
      onEvaluate: (step) => void epochs.push(step),
    });
    try {
      expect(result.training.steps).toBe(8);
      expect(epochs).toEqual([4, 8]);
      expect(result.epochs.map((e) => e.epoch)).toEqual([1, 2]);
      for (const e of result.epochs) {
        expect(e.accuracy).toBeGreaterThanOrEqual(0);
        expect(e.accuracy).toBeLessThanOrEqual(1);
        expect(Math.abs(e.mcc)).toBeLessThanOrEqual(1);
        expect(Number.isFinite(e.trainLoss)).toBe(true);
      }
      // The dev set has 516 sentences, 354 acceptable: whatever the model predicts, its accuracy is a multiple of 1/516.
      expect(Math.round(result.final.accuracy * 516) / 516).toBeCloseTo(result.final.accuracy, 9);
      expect(result.final).toEqual({ accuracy: result.epochs[1]!.accuracy, mcc: result.epochs[1]!.mcc });
      expect(accuracy([1, 1, 0], [1, 0, 0]) + matthewsCorrelation([1, 1, 0], [1, 0, 0])).toBeCloseTo(2 / 3 + 0.5, 9);
    } finally {
      result.parameters.dispose();
    }
  });

  test('starts from a BERT pretrained here: its encoder values carry over, the classifier is new', async () => {
    const text = Array.from({ length: 30 }, (_, i) => `The cat sat on mat ${i % 5}. A dog ran far. Birds sing at dawn.`).join('\n\n');
    const pretrained = await pretrainBert({
      backend: createCpuBackend(),
      text,
      config: {
        vocabSize: 120,
        layers: 1,
        hidden: 16,
        heads: 2,
        intermediate: 32,
        seqLength: 32,
        maxPredictions: 4,
        batchSize: 4,
        steps: 2,
        warmupSteps: 0,
        heldOutFraction: 0.2,
      },
    });
    try {
      const result = await fineTuneCola({
        backend: createCpuBackend(),
        train,
        dev,
        from: pretrained,
        config: { epochs: 1, batchSize: 8, maxLength: 24, lr: 1e-9, trainExamples: 16 },
      });
      try {
        const name = 'bert.encoder.layer.0.attention.self.query.weight';
        const before = await pretrained.parameters.get(name);
        const after = await result.parameters.get(name);
        // lr 1e-9 for 2 steps: the encoder is the pretrained one, to float precision.
        for (let i = 0; i < before.length; i++) expect(after[i]).toBeCloseTo(before[i]!, 5);
        expect(result.parameters.names()).toContain('classifier.weight');
        expect(result.epochs).toHaveLength(1);
      } finally {
        result.parameters.dispose();
      }
    } finally {
      pretrained.parameters.dispose();
    }
  });

  test('refuses a malformed TSV naming its line', async () => {
    await expect(fineTuneCola({ backend: createCpuBackend(), train: 'a\t2\t\tSentence.\n', dev, from: { folder } })).rejects.toThrow(/line 1: the label/);
  });
});
