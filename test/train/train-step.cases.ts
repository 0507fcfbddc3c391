// The compiled training step on WebGPU against the same model on the CPU backend (the reference
// loops), eager WebGPU, and its own memory counters.
import {
  AdamW,
  Adam,
  ArgumentError,
  NonFiniteError,
  SGD,
  BertForMaskedLM,
  type Backend,
  type BertConfig,
  type Optimizer,
  ParameterStore,
  type TrainStep,
  type TrainStepOptions,
  createTrainStep,
  F,
  linearWarmupDecay,
  normalInit,
  Parameter,
  type Var,
} from '../../src/index.js';
import { type CaseContext, type GpuCase, type Rng, type Tolerance, defineSuite } from '../harness/cases.js';

const B = 3;
const T = 12;
const CONFIG: BertConfig = {
  vocab_size: 50,
  hidden_size: 32,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  intermediate_size: 64,
  max_position_embeddings: T,
  type_vocab_size: 2,
  hidden_dropout_prob: 0.1,
  attention_probs_dropout_prob: 0.1,
  layer_norm_eps: 1e-12,
};

// f32 on both sides, different summation orders: the losses of a few steps agree to a few ulps of
// their O(1) size amplified by the steps (measured ≤ 2e-6 relative). Parameters agree to ~1e-5,
// except where a gradient is tiny and its relative error large (the query weights at
// initialisation): there up to 1e-4 was seen, so 2e-4, a fifteenth of one update at lr 3e-3. Adam
// divides by √v̂ + ε: with PyTorch's ε = 1e-8 a gradient at rounding-noise level (the query weights'
// at initialisation, ~1e-7) becomes a full ±lr step whose sign is noise, so the Adam cases use
// ε = 1e-4, which keeps updates proportional to such gradients. A wrong gradient, a lost update or
// a wrong dropout mask moves the loss by far more than 1e-4 relative.
const LOSS_TOLERANCE: Tolerance = { atol: 0, rtol: 1e-4 };
const PARAM_TOLERANCE: Tolerance = { atol: 2e-4, rtol: 1e-4 };

interface Batch {
  [name: string]: Int32Array;
  input_ids: Int32Array;
  labels: Int32Array;
  attention_mask: Int32Array;
  token_type_ids: Int32Array;
}

/** Two random batches, alternating (so the loss on a batch seen again must have fallen): ~30% of positions labelled, the last keys of one row padded, two segments. */
function makeBatches(rng: Rng, count: number): Batch[] {
  const distinct = Array.from({ length: 2 }, () => {
    const n = B * T;
    const input_ids = new Int32Array(n).map(() => Math.floor(rng.uniform(0, CONFIG.vocab_size)));
    const labels = new Int32Array(n).map((_, i) => (rng.next() < 0.3 ? input_ids[i]! : -100));
    labels[0] = input_ids[0]!; // at least one labelled position
    const attention_mask = new Int32Array(n).map((_, i) => (Math.floor(i / T) === 1 && i % T >= T - 3 ? 0 : 1));
    const token_type_ids = new Int32Array(n).map((_, i) => (i % T >= T / 2 ? 1 : 0));
    return { input_ids, labels, attention_mask, token_type_ids };
  });
  return Array.from({ length: count }, (_, i) => distinct[i % 2]!);
}

interface RunOptions {
  optimizer: () => Optimizer;
  mode?: 'compiled' | 'eager';
  accumulationSteps?: number;
  maxGradNorm?: number;
}

/** The case's BERT with parameters from seed 5 on `backend`, and a training step over it. */
function buildStep(backend: Backend, options: Omit<TrainStepOptions, 'parameters' | 'inputs' | 'loss'>): { step: TrainStep; parameters: ParameterStore } {
  const model = new BertForMaskedLM(CONFIG);
  const parameters = ParameterStore.create(backend, model.parameters(), { seed: 5 });
  const spec = { shape: [B, T], dtype: 'i32' } as const;
  const inputs = { input_ids: spec, labels: spec, attention_mask: spec, token_type_ids: spec };
  return { step: createTrainStep({ parameters, inputs, loss: (x) => model.loss(x), ...options }), parameters };
}

/** Trains the model from seed 5 on `batches`; returns the losses and the final parameter values. */
async function train(backend: Backend, batches: Batch[], options: RunOptions): Promise<{ losses: number[]; params: Record<string, Float32Array> }> {
  const { step, parameters } = buildStep(backend, {
    optimizer: options.optimizer(),
    seed: 11,
    ...(options.mode ? { mode: options.mode } : {}),
    ...(options.accumulationSteps ? { accumulationSteps: options.accumulationSteps } : {}),
    ...(options.maxGradNorm ? { maxGradNorm: options.maxGradNorm } : {}),
  });
  const losses: number[] = [];
  for (const batch of batches) losses.push(await step.step(batch));
  const params = await parameters.toRecord();
  step.dispose();
  parameters.dispose();
  return { losses, params };
}

function compareRuns(ctx: CaseContext, label: string, got: Awaited<ReturnType<typeof train>>, want: Awaited<ReturnType<typeof train>>): void {
  ctx.expectClose(`${label}: losses`, got.losses, want.losses, LOSS_TOLERANCE);
  for (const name of [
    'bert.embeddings.word_embeddings.weight',
    'bert.encoder.layer.0.attention.self.query.weight',
    'bert.encoder.layer.1.output.LayerNorm.weight',
    'cls.predictions.bias',
  ]) {
    ctx.expectClose(`${label}: ${name}`, got.params[name]!, want.params[name]!, PARAM_TOLERANCE);
  }
}

function agreementCase(name: string, steps: number, options: RunOptions): GpuCase {
  return {
    name,
    async run(ctx) {
      const batches = makeBatches(ctx.rng, steps);
      const reference = await train(ctx.cpu, batches, options);
      ctx.expectTrue('the loss on the first batch falls on the CPU', reference.losses[2]! < reference.losses[0]!, `losses ${reference.losses.join(', ')}`);
      compareRuns(ctx, 'compiled vs cpu', await train(ctx.gpu, batches, { ...options, mode: 'compiled' }), reference);
      compareRuns(ctx, 'eager vs cpu', await train(ctx.gpu, batches, { ...options, mode: 'eager' }), reference);
    },
  };
}

/**
 * The heads' ops in one small model: embeddings plus a [1, T, D] position table and a [T, 1] scale
 * (NumPy broadcasting of both sides), the masked rows gathered (gatherRows) through dense, tanh and
 * a decoder, and a pooler on the first position (slice, tanh) with a two-way classifier; the loss
 * is the sum of both cross-entropies. Trained on the CPU, eager WebGPU and compiled WebGPU.
 */
function headOpsCase(): GpuCase {
  const [V, D, P] = [23, 12, 5];
  const param = (name: string, shape: number[]) => new Parameter(name, shape, { init: (s, seed) => normalInit(s, { std: 0.3, seed }) });
  return {
    name: 'tanh, gatherRows, slice and broadcast add/mul train alike on cpu, eager and compiled (AdamW, 4 steps)',
    async run(ctx) {
      const params = {
        table: param('table', [V, D]),
        positions: param('positions', [1, T, D]),
        rowScale: param('rowScale', [T, 1]),
        dense: param('dense', [D, D]),
        decoder: param('decoder', [V, D]),
        pooler: param('pooler', [D, D]),
        classifier: param('classifier', [2, D]),
      };
      const inputs = {
        ids: { shape: [B, T], dtype: 'i32' },
        masked_positions: { shape: [P], dtype: 'i32' },
        masked_labels: { shape: [P], dtype: 'i32' },
        next: { shape: [B], dtype: 'i32' },
      } as const;
      const loss = (x: { ids: Var<'i32'>; masked_positions: Var<'i32'>; masked_labels: Var<'i32'>; next: Var<'i32'> }): Var => {
        const p = (q: Parameter) => x.ids.graph.param(q) as Var<'f32', 2>;
        const embedded = F.embedding(p(params.table), x.ids) as Var<'f32', 3>;
        const h = F.mul(F.add(embedded, p(params.positions)), p(params.rowScale));
        const rows = F.gatherRows(F.reshape(h, [B * T, D]), x.masked_positions as Var<'i32', 1>);
        const logits = F.linear(F.tanh(F.linear(rows, p(params.dense))), p(params.decoder));
        const pooled = F.tanh(F.linear(F.reshape(F.slice(h, 1, 0, 1), [B, D]), p(params.pooler)));
        const nsp = F.crossEntropy(F.linear(pooled, p(params.classifier)), x.next as Var<'i32', 1>);
        return F.add(F.crossEntropy(logits, x.masked_labels as Var<'i32', 1>), nsp);
      };
      const n = B * T;
      const batches = Array.from({ length: 2 }, () => ({
        ids: new Int32Array(n).map(() => Math.floor(ctx.rng.uniform(0, V))),
        masked_positions: new Int32Array(P).map(() => Math.floor(ctx.rng.uniform(0, n))),
        masked_labels: new Int32Array(P).map((_, i) => (i === P - 1 ? -100 : Math.floor(ctx.rng.uniform(0, V)))),
        next: new Int32Array(B).map(() => (ctx.rng.next() < 0.5 ? 0 : 1)),
      }));
      const results: { label: string; losses: number[]; values: Record<string, Float32Array> }[] = [];
      for (const { label, backend, mode } of modes(ctx)) {
        const parameters = ParameterStore.create(backend, Object.values(params), { seed: 3 });
        const step = createTrainStep({
          parameters,
          inputs,
          loss,
          optimizer: new AdamW({ lr: 1e-2, eps: 1e-4 }),
          ...(mode ? { mode } : {}),
        });
        const losses: number[] = [];
        for (let k = 0; k < 4; k++) losses.push(await step.step(batches[k % 2]!));
        results.push({ label, losses, values: await parameters.toRecord() });
        step.dispose();
        parameters.dispose();
      }
      const [cpu, ...gpu] = results;
      ctx.expectTrue('the loss on the first batch falls on the CPU', cpu!.losses[2]! < cpu!.losses[0]!, `losses ${cpu!.losses.join(', ')}`);
      for (const run of gpu) {
        ctx.expectClose(`${run.label}: losses`, run.losses, cpu!.losses, LOSS_TOLERANCE);
        for (const name of Object.keys(params)) ctx.expectClose(`${run.label}: ${name}`, run.values[name]!, cpu!.values[name]!, PARAM_TOLERANCE);
      }
    },
  };
}

const schedule = linearWarmupDecay({ peakLr: 3e-3, warmupSteps: 2, totalSteps: 10 });

/** The three ways a step runs: CPU eager, WebGPU eager, WebGPU compiled. */
function modes(ctx: CaseContext): { label: string; backend: Backend; mode?: 'eager' | 'compiled' }[] {
  return [
    { label: 'cpu eager', backend: ctx.cpu },
    { label: 'webgpu eager', backend: ctx.gpu, mode: 'eager' },
    { label: 'webgpu compiled', backend: ctx.gpu, mode: 'compiled' },
  ];
}

/** What `fn` throws synchronously, or undefined. */
function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}

/** Every parameter and optimizer state of a step, as bits (so NaN and ∞ compare exactly). */
async function snapshot(step: TrainStep, parameters: ParameterStore): Promise<Map<string, Uint32Array>> {
  const out = new Map<string, Uint32Array>();
  for (const [name, values] of Object.entries(await parameters.toRecord())) out.set(name, new Uint32Array(values.buffer));
  const states = step.optimizerState;
  for (const [i, p] of step.trainedParameters.entries()) {
    for (const [k, t] of states[i]!.entries()) out.set(`${p.name} state ${k}`, new Uint32Array(((await t.data()) as Float32Array).slice().buffer));
  }
  return out;
}

/** Names of the entries whose bits differ between two snapshots. */
function changed(a: Map<string, Uint32Array>, b: Map<string, Uint32Array>): string[] {
  return [...a]
    .filter(([name, x]) => {
      const y = b.get(name)!;
      return x.length !== y.length || x.some((w, i) => w !== y[i]);
    })
    .map(([name]) => name);
}

const rangeErrorsCase: GpuCase = {
  name: 'a label = V or an id = vocab throws the named ArgumentError before anything runs (cpu, eager, compiled)',
  async run(ctx) {
    const [batch] = makeBatches(ctx.rng, 1);
    for (const { label, backend, mode } of modes(ctx)) {
      const { step, parameters } = buildStep(backend, { optimizer: new AdamW({ lr: 1e-3 }), ...(mode ? { mode } : {}) });
      const before = await snapshot(step, parameters);
      const badLabel = { ...batch!, labels: batch!.labels.slice() };
      badLabel.labels[T + 5] = CONFIG.vocab_size;
      const badId = { ...batch!, input_ids: batch!.input_ids.slice() };
      badId.input_ids[2 * T] = CONFIG.vocab_size;
      const cases: [string, unknown, RegExp][] = [
        [
          'label = V',
          thrownBy(() => step.step(badLabel)),
          /^TrainStep\.step: batch\.labels\[1, 5\] = 50 is outside \[0, 50\) ∪ \{-100\} \(the classes of crossEntropy in cls\.predictions[^)]*\)$/,
        ],
        [
          'id = vocab',
          thrownBy(() => step.step(badId)),
          /^TrainStep\.step: batch\.input_ids\[2, 0\] = 50 is outside \[0, 50\) \(the rows of bert\.embeddings\.word_embeddings\.weight\)$/,
        ],
      ];
      for (const [what, error, message] of cases) {
        ctx.expectTrue(`${label}: ${what} is an ArgumentError`, error instanceof ArgumentError, String(error));
        ctx.expectTrue(`${label}: ${what}: the message`, message.test(String((error as Error)?.message)), String((error as Error)?.message));
      }
      ctx.expectTrue(`${label}: nothing ran`, step.microSteps === 0 && step.updates === 0, `${step.microSteps} micro-steps`);
      ctx.expectTrue(`${label}: nothing changed`, changed(before, await snapshot(step, parameters)).length === 0, 'changed');
      // The step still works after refusing a batch.
      ctx.expectTrue(`${label}: a valid batch trains`, Number.isFinite(await step.step(batch!)), 'non-finite loss');
      step.dispose();
      parameters.dispose();
    }
  },
};

/**
 * A step made non-finite (an ∞ in the output bias: every logit row holds ∞, so the loss and the
 * gradients are not finite) skips its update: every parameter and optimizer state is bit for bit as
 * before. 'throw' rejects with NonFiniteError, 'skip' resolves; both count it; once the bias is
 * finite again the next update trains normally.
 */
function nonFiniteCase(accumulationSteps: number): GpuCase {
  return {
    name: `a non-finite step skips its update, weights and state bit for bit unchanged (accumulation ${accumulationSteps}; cpu, eager, compiled; throw and skip)`,
    async run(ctx) {
      const batches = makeBatches(ctx.rng, 2);
      const cycle = (step: TrainStep) => Promise.all(Array.from({ length: accumulationSteps }, (_, i) => step.step(batches[i % 2]!)));
      for (const { label, backend, mode } of modes(ctx)) {
        for (const onNonFinite of ['throw', 'skip'] as const) {
          const what = `${label}, ${onNonFinite}`;
          const { step, parameters } = buildStep(backend, {
            optimizer: new AdamW({ lr: 1e-3 }),
            maxGradNorm: 1,
            accumulationSteps,
            onNonFinite,
            ...(mode ? { mode } : {}),
          });
          await cycle(step); // one finite update first: the optimizer state is not zero
          ctx.expectTrue(`${what}: a finite update reports its gradient norm`, (step.lastGradNorm ?? 0) > 0, `lastGradNorm ${step.lastGradNorm}`);
          const bias = await parameters.get('cls.predictions.bias');
          const poisoned = bias.slice();
          poisoned[3] = Number.POSITIVE_INFINITY;
          parameters.set('cls.predictions.bias', poisoned);
          const before = await snapshot(step, parameters);
          const settled = await Promise.allSettled(Array.from({ length: accumulationSteps }, (_, i) => step.step(batches[i % 2]!)));
          const last = settled.at(-1)!;
          if (onNonFinite === 'throw') {
            const error = last.status === 'rejected' ? last.reason : undefined;
            ctx.expectTrue(`${what}: rejects with NonFiniteError`, error instanceof NonFiniteError, String(error ?? 'resolved'));
            const message = String((error as Error | undefined)?.message);
            ctx.expectTrue(
              `${what}: the message names the loss, the update and the skip`,
              /^TrainStep\.step: the loss was (NaN|Infinity) at update 2 .*the update was skipped/.test(message),
              message,
            );
          } else {
            ctx.expectTrue(`${what}: resolves`, last.status === 'fulfilled', String(last.status === 'rejected' ? last.reason : ''));
          }
          ctx.expectTrue(`${what}: counted`, step.skippedUpdates === 1 && step.updates === 2, `${step.skippedUpdates} skipped, ${step.updates} updates`);
          const differing = changed(before, await snapshot(step, parameters));
          ctx.expectTrue(
            `${what}: parameters and optimizer state bit for bit unchanged`,
            differing.length === 0,
            `changed: ${differing.slice(0, 5).join(', ')}`,
          );
          // Finite again: the next update trains.
          parameters.set('cls.predictions.bias', bias);
          const restored = await snapshot(step, parameters);
          const losses = await cycle(step);
          const after = await snapshot(step, parameters);
          ctx.expectTrue(`${what}: the next step is finite`, losses.every(Number.isFinite) && Number.isFinite(step.lastGradNorm!), `losses ${losses}`);
          ctx.expectTrue(`${what}: and trains`, changed(restored, after).length > 50, `${changed(restored, after).length} tensors changed`);
          const record = await parameters.toRecord();
          ctx.expectTrue(
            `${what}: every weight finite`,
            Object.values(record).every((v) => v.every(Number.isFinite)),
            'a non-finite weight',
          );
          ctx.expectTrue(`${what}: still one skip`, step.skippedUpdates === 1 && step.updates === 3, `${step.skippedUpdates} skipped`);
          step.dispose();
          parameters.dispose();
        }
      }
    },
  };
}

export default defineSuite('train-step', [
  rangeErrorsCase,
  headOpsCase(),
  nonFiniteCase(1),
  nonFiniteCase(2),
  agreementCase('BERT MLM, AdamW with warm-up, clipping, dropout, padding: compiled = eager = cpu', 4, {
    optimizer: () => new AdamW({ lr: schedule, weightDecay: 0.01, eps: 1e-4 }),
    maxGradNorm: 1,
  }),
  agreementCase('gradient accumulation over 2 micro-batches (AdamW)', 4, {
    optimizer: () => new AdamW({ lr: 3e-3, eps: 1e-4 }),
    accumulationSteps: 2,
  }),
  agreementCase('Adam with coupled L2', 3, { optimizer: () => new Adam({ lr: 3e-3, weightDecay: 0.1, eps: 1e-4 }) }),
  agreementCase('SGD with Nesterov momentum and weight decay', 3, {
    optimizer: () => new SGD({ lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 0.01 }),
  }),
  {
    name: 'a compiled step allocates nothing after the first; its buffers are freed on dispose',
    async run(ctx) {
      const batches = makeBatches(ctx.rng, 5);
      const before = ctx.gpu.stats();
      const { step, parameters } = buildStep(ctx.gpu, { optimizer: new AdamW({ lr: 1e-3 }), maxGradNorm: 1 });
      await step.step(batches[0]!);
      const first = ctx.gpu.stats();
      for (const batch of batches.slice(1)) await step.step(batch);
      const last = ctx.gpu.stats();
      ctx.expectTrue(
        'no buffer created after the first step',
        last.createdBuffers === first.createdBuffers,
        `${last.createdBuffers - first.createdBuffers} buffers created in steps 2–5`,
      );
      ctx.expectTrue('live bytes flat', last.liveBytes === first.liveBytes, `live bytes ${first.liveBytes} after step 1, ${last.liveBytes} after step 5`);
      ctx.expectTrue('no pipeline compiled after the first step', last.pipelines === first.pipelines, `${last.pipelines - first.pipelines} new pipelines`);
      ctx.expectTrue(
        'the step is recorded, not dispatched op by op',
        last.dispatches === first.dispatches,
        `${last.dispatches - first.dispatches} eager dispatches`,
      );
      step.dispose();
      parameters.dispose();
      const after = ctx.gpu.stats();
      // The parameters go with their own dispose; the step must have returned everything else.
      ctx.expectTrue(
        'everything freed on dispose',
        after.liveBytes === before.liveBytes,
        `live bytes ${before.liveBytes} before the model and step were built, ${after.liveBytes} after both were disposed`,
      );
    },
  },
  {
    name: 'after the first compiled step, a step calls no op function (with and without accumulation)',
    async run(ctx) {
      const batches = makeBatches(ctx.rng, 5);
      // Every backend op, wrapped with a counter; the recording itself must be counted (the check is live).
      const ops = ctx.gpu.ops as unknown as Record<string, (...args: unknown[]) => unknown>;
      const originals = { ...ops };
      let calls = 0;
      for (const [name, fn] of Object.entries(originals)) {
        ops[name] = (...args: unknown[]) => {
          calls++;
          return fn(...args);
        };
      }
      try {
        for (const accumulationSteps of [1, 2]) {
          calls = 0;
          const { step, parameters } = buildStep(ctx.gpu, { optimizer: new AdamW({ lr: 1e-3 }), maxGradNorm: 1, accumulationSteps });
          const recorded = calls;
          await step.step(batches[0]!);
          calls = 0;
          const losses: number[] = [];
          for (const batch of batches.slice(1)) losses.push(await step.step(batch));
          ctx.expectTrue(`accumulation ${accumulationSteps}: recording the step calls ops`, recorded > 100, `${recorded} op calls while recording`);
          ctx.expectTrue(`accumulation ${accumulationSteps}: steps 2–5 call no op`, calls === 0, `${calls} op calls in steps 2–5`);
          ctx.expectTrue(`accumulation ${accumulationSteps}: the replayed steps compute`, losses.every(Number.isFinite), `losses ${losses.join(', ')}`);
          step.dispose();
          parameters.dispose();
        }
      } finally {
        Object.assign(ops, originals);
      }
    },
  },
  {
    name: 'an eager step frees every intermediate',
    async run(ctx) {
      const batches = makeBatches(ctx.rng, 3);
      const { step, parameters } = buildStep(ctx.gpu, { optimizer: new AdamW({ lr: 1e-3 }), mode: 'eager' });
      await step.step(batches[0]!);
      const first = ctx.gpu.stats();
      for (const batch of batches.slice(1)) await step.step(batch);
      const last = ctx.gpu.stats();
      ctx.expectTrue('live bytes flat', last.liveBytes === first.liveBytes, `live bytes ${first.liveBytes} after step 1, ${last.liveBytes} after step 3`);
      ctx.expectTrue(
        'buffers reused from the pool',
        last.createdBuffers === first.createdBuffers,
        `${last.createdBuffers - first.createdBuffers} buffers created after step 1`,
      );
      step.dispose();
      parameters.dispose();
    },
  },
  {
    name: 'ParameterStore.set reaches a compiled step; get returns what was set',
    async run(ctx) {
      const batches = makeBatches(ctx.rng, 2);
      const run = async (backend: Backend) => {
        const { step, parameters } = buildStep(backend, { optimizer: new SGD({ lr: 0.1 }) });
        const first = await step.step(batches[0]!);
        const bias = new Float32Array(CONFIG.vocab_size).map((_, i) => (i % 5) - 2);
        parameters.set('cls.predictions.bias', bias);
        const stored = await parameters.get('cls.predictions.bias');
        const second = await step.step(batches[1]!);
        step.dispose();
        parameters.dispose();
        return { first, second, stored, bias };
      };
      const gpu = await run(ctx.gpu);
      const cpu = await run(ctx.cpu);
      ctx.expectClose('get after set', gpu.stored, gpu.bias, { atol: 0, rtol: 0 });
      ctx.expectClose('losses with the new bias', [gpu.first, gpu.second], [cpu.first, cpu.second], LOSS_TOLERANCE);
    },
  },
]);
