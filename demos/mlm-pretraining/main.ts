// Pretrains a small byte-level BERT masked-LM on a text the user loads, with a live loss chart,
// then fills in masked bytes of a sentence with the trained model.
import {
  AdamW,
  BertForMaskedLM,
  ByteVocabulary,
  Graph,
  ParameterStore,
  type TrainStep,
  type WebGPUBackend,
  createTrainStep,
  createWebGPUBackend,
  execute,
  linearWarmupDecay,
  mlmBatches,
  stripGutenberg,
  train as trainSteps,
} from '../../src/index.js';

const SEED = 1;
const vocab = new ByteVocabulary();
const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const status = $('status');
const body = document.body;

interface Settings {
  layers: number;
  hidden: number;
  heads: number;
  steps: number;
  batch: number;
  seq: number;
  lr: number;
}
/** The trained model, kept for "fill the mask" until the next run. */
interface Trained {
  model: BertForMaskedLM;
  parameters: ParameterStore;
  seq: number;
}

let gpu: WebGPUBackend | undefined;
let tokens: Int32Array | undefined;
let trained: Trained | undefined;
let stop: AbortController | undefined;
let gpuError: string | undefined;

function setState(state: 'idle' | 'training' | 'done' | 'error', message: string): void {
  body.dataset.state = state;
  status.className = state === 'error' ? 'bad' : state === 'done' ? 'ok' : '';
  status.textContent = message;
  const training = state === 'training';
  $<HTMLButtonElement>('start').disabled = training || !gpu || !tokens;
  $<HTMLButtonElement>('stop').disabled = !training;
  $<HTMLButtonElement>('predict').disabled = training || !trained;
  document.querySelectorAll<HTMLInputElement>('#settings input, #file, #url, #load-url').forEach((input) => (input.disabled = training));
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

function readSettings(): Settings {
  const read = (id: string, integer = true): number => {
    const input = $<HTMLInputElement>(id);
    const value = Number(input.value);
    const label = input.parentElement?.firstChild?.textContent?.trim() ?? id;
    if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value)))
      throw new Error(`${label} must be a ${integer ? 'whole number ≥ 1' : 'number > 0'}, got "${input.value}"`);
    return value;
  };
  const s = {
    layers: read('layers'),
    hidden: read('hidden'),
    heads: read('heads'),
    steps: read('steps'),
    batch: read('batch'),
    seq: read('seq'),
    lr: read('lr', false),
  };
  const headDim = s.hidden / s.heads;
  // The fused attention kernel needs a head size that is a multiple of 4, at most 128.
  if (!Number.isInteger(headDim) || headDim % 4 !== 0 || headDim > 128)
    throw new Error(`hidden size / heads = ${s.hidden} / ${s.heads} must be a whole multiple of 4, at most 128`);
  return s;
}

function useText(raw: string, source: string): void {
  const text = stripGutenberg(raw);
  tokens = undefined;
  if (text.trim().length === 0) throw new Error(`${source} is empty`);
  tokens = vocab.encode(text);
  const stripped = text.length < raw.length ? ' (Project Gutenberg header and footer stripped)' : '';
  $('text-info').textContent = `${source}: ${tokens.length.toLocaleString('en')} bytes${stripped}. Starts: “${text.trim().slice(0, 80)}…”`;
  if (gpu) setState('idle', 'Text loaded. Choose the settings and press Start.');
}

async function loadUrl(): Promise<void> {
  const url = $<HTMLInputElement>('url').value.trim();
  if (!url) throw new Error('Enter a URL first');
  let response: Response;
  try {
    response = await fetch(new URL(url, location.href));
  } catch (error) {
    throw new Error(
      `Could not fetch ${url}: ${messageOf(error)}. The server may not allow cross-origin requests (CORS); download the file and choose it with the file picker instead.`,
    );
  }
  if (!response.ok) throw new Error(`Could not fetch ${url}: HTTP ${response.status} ${response.statusText}`);
  useText(await response.text(), url);
}

/** Draws the losses as a line over [0, totalSteps] steps, y from 0 to the largest loss. */
function drawChart(losses: readonly number[], totalSteps: number): void {
  const canvas = $<HTMLCanvasElement>('chart');
  const ratio = window.devicePixelRatio || 1;
  const width = 640;
  const height = 240;
  canvas.width = width * ratio;
  canvas.height = height * ratio;
  canvas.style.width = `${width}px`;
  const ctx = canvas.getContext('2d')!;
  ctx.scale(ratio, ratio);
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, width, height);
  const left = 44,
    right = 12,
    top = 12,
    bottom = 28;
  const maxLoss = Math.max(1e-6, ...losses.filter(Number.isFinite));
  const yTop = Math.ceil(maxLoss);
  const x = (step: number) => left + ((width - left - right) * step) / Math.max(1, totalSteps - 1);
  const y = (loss: number) => top + (height - top - bottom) * (1 - loss / yTop);
  ctx.strokeStyle = '#ddd';
  ctx.fillStyle = '#555';
  ctx.font = '11px system-ui, sans-serif';
  ctx.lineWidth = 1;
  for (let i = 0; i <= 4; i++) {
    const value = (yTop * i) / 4;
    ctx.beginPath();
    ctx.moveTo(left, y(value));
    ctx.lineTo(width - right, y(value));
    ctx.stroke();
    ctx.fillText(value.toFixed(value < 10 ? 1 : 0), 8, y(value) + 4);
  }
  ctx.fillText('step 1', left, height - 8);
  ctx.fillText(`step ${totalSteps}  ·  MLM loss (nats)`, width - right - 170, height - 8);
  ctx.strokeStyle = '#1a73e8';
  ctx.lineWidth = 2;
  ctx.beginPath();
  losses.forEach((loss, i) => (i === 0 ? ctx.moveTo(x(i), y(loss)) : ctx.lineTo(x(i), y(loss))));
  ctx.stroke();
}

async function train(): Promise<void> {
  const settings = readSettings();
  const backend = gpu!;
  const { layers, hidden, heads, steps, batch, seq, lr } = settings;
  if (!tokens || tokens.length < seq) {
    throw new Error(
      `The text has ${tokens?.length ?? 0} bytes, fewer than one training window of ${seq} (the sequence length). Load a longer text or lower the sequence length.`,
    );
  }
  disposeTrained();
  const model = new BertForMaskedLM({
    vocab_size: vocab.size,
    hidden_size: hidden,
    num_hidden_layers: layers,
    num_attention_heads: heads,
    intermediate_size: 4 * hidden,
    max_position_embeddings: seq,
    type_vocab_size: 0,
  });
  const parameters = ParameterStore.create(backend, model.parameters(), { seed: SEED });
  trained = { model, parameters, seq };
  body.dataset.parameterLiveBytes = String(backend.stats().liveBytes); // the GPU memory held once the run is over
  const losses: number[] = [];
  const warmupSteps = Math.ceil(steps / 15);
  stop = new AbortController();
  gpuError = undefined;
  Object.assign(body.dataset, { step: '0', steps: String(steps), loss: '', firstLoss: '' });
  setState('training', `Building the training step for ${(parameters.size / 1e6).toFixed(2)} M parameters…`);
  drawChart(losses, steps);
  await new Promise((resolve) => setTimeout(resolve, 0)); // let the page paint before recording the step
  let step: TrainStep | undefined;
  let stopped = 'done';
  try {
    step = createTrainStep({
      parameters,
      inputs: { input_ids: { shape: [batch, seq], dtype: 'i32' }, labels: { shape: [batch, seq], dtype: 'i32' } },
      loss: (x) => model.loss(x),
      optimizer: new AdamW({ lr: linearWarmupDecay({ peakLr: lr, warmupSteps, totalSteps: steps }), weightDecay: 0.01 }),
      maxGradNorm: 1,
      seed: SEED,
    });
    const batches = mlmBatches(tokens, {
      batchSize: batch,
      seqLength: seq,
      seed: SEED,
      maskId: vocab.maskId,
      randomTokenRange: vocab.byteCount,
      specialIds: vocab.specialIds,
    });
    const inputs = (function* () {
      for (const b of batches) yield { input_ids: b.inputIds, labels: b.labels };
    })();
    const result = await trainSteps({
      step,
      batches: inputs,
      steps,
      signal: stop.signal,
      onCompile: ({ done, total, kernel }) => {
        status.textContent = `Compiling the GPU kernels: ${done} of ${total} (${kernel}). On a software adapter this takes a while, once per page.`;
      },
      onStep: (p) => {
        losses.push(p.loss);
        if (p.step === 1) status.textContent = `Training ${(parameters.size / 1e6).toFixed(2)} M parameters (warm-up ${warmupSteps} steps).`;
        const pace =
          p.step > 1
            ? ` · ${p.stepMs.toFixed(0)} ms per step · ${Math.round(p.tokensPerSecond).toLocaleString('en')} tokens/s · ETA ${(p.etaMs / 1000).toFixed(0)} s`
            : ` (first step ${(p.stepMs / 1000).toFixed(1)} s)`;
        $('progress').textContent =
          `step ${p.step} / ${steps} · loss ${p.loss.toFixed(4)} · lr ${p.lr.toExponential(2)}${pace} · ${(p.elapsedMs / 1000).toFixed(0)} s elapsed`;
        Object.assign(body.dataset, { step: String(p.step), steps: String(steps), loss: String(p.loss), firstLoss: String(losses[0]) });
        drawChart(losses, steps);
        if (gpuError) stop?.abort();
      },
    });
    stopped = result.stopped;
    if (gpuError) throw new Error(`WebGPU reported: ${gpuError}`);
    if (stopped === 'non-finite-loss') {
      // The loop stops after the step whose loss or gradient norm was not finite; that update was skipped, so the weights are intact.
      const norm = step.lastGradNorm;
      const what = Number.isFinite(losses.at(-1)) ? `the gradient norm became ${norm}` : `the loss became ${losses.at(-1)}`;
      throw new Error(`${what} at step ${losses.length}: training diverged (its update was skipped; try a lower learning rate)`);
    }
  } catch (error) {
    disposeTrained();
    throw error;
  } finally {
    step?.dispose();
  }
  body.dataset.liveBytes = String(backend.stats().liveBytes);
  const summary = losses.length > 0 ? `loss ${losses[0]!.toFixed(3)} → ${losses.at(-1)!.toFixed(3)}` : 'no step completed';
  setState('done', `${stopped === 'aborted' ? 'Stopped' : 'Done'} after ${losses.length} of ${steps} steps: ${summary}. Try the model below.`);
  await fillMask().catch(showMaskError);
}

function disposeTrained(): void {
  trained?.parameters.dispose();
  trained = undefined;
}

/** Predicts each `_` byte of the sentence: the most likely byte of the model's logits there, with the top 3. */
async function fillMask(): Promise<void> {
  const output = $('mask-output');
  if (!trained || !gpu) return;
  const sentence = $<HTMLInputElement>('mask-input').value;
  const ids = vocab.encode(sentence);
  const masked = [...ids.keys()].filter((i) => ids[i] === 0x5f); // '_' is one byte in UTF-8
  if (masked.length === 0) return void (output.textContent = 'Type at least one _ to hide a byte.');
  if (ids.length > trained.seq)
    return void (output.textContent = `The model reads at most ${trained.seq} bytes (its sequence length); this sentence has ${ids.length}.`);
  for (const i of masked) ids[i] = vocab.maskId;
  const { model, parameters } = trained;
  model.eval(); // no dropout at inference
  const graph = new Graph();
  const logits = model.logits({ input_ids: graph.input('input_ids', [1, ids.length], 'i32') }); // [T, V]
  const input = gpu.tensor(ids, [1, ids.length], 'i32');
  const [result] = execute(graph, [logits], { backend: gpu, inputs: { input_ids: input }, parameter: (p) => parameters.tensor(p) });
  const values = (await result!.data()) as Float32Array;
  result!.dispose();
  input.dispose();
  body.dataset.liveBytes = String(gpu.stats().liveBytes);

  const guesses = masked.map((position) => {
    // Only bytes: the special ids ([PAD], [MASK], …) are never an answer.
    const row = values.subarray(position * vocab.size, position * vocab.size + vocab.byteCount);
    const max = Math.max(...row);
    const expSum = row.reduce((sum, v) => sum + Math.exp(v - max), 0);
    const ranked = [...row.keys()].sort((a, b) => row[b]! - row[a]!).slice(0, 3);
    return ranked.map((byte) => ({ char: byte < 128 ? String.fromCharCode(byte) : `\\x${byte.toString(16)}`, p: Math.exp(row[byte]! - max) / expSum }));
  });
  const filled = document.createElement('p');
  filled.id = 'mask-filled';
  let next = 0;
  for (const char of sentence) {
    if (char !== '_') filled.append(char);
    else filled.append(Object.assign(document.createElement('mark'), { textContent: guesses[next++]![0]!.char }));
  }
  const details = document.createElement('p');
  details.className = 'hint';
  details.textContent = `Top guesses: ${guesses.map((g, i) => `_${i + 1}: ${g.map(({ char, p }) => `${char === ' ' ? 'space' : `“${char}”`} ${(100 * p).toFixed(0)}%`).join(', ')}`).join(' · ')}`;
  output.replaceChildren(filled, details);
  body.dataset.filled = filled.textContent ?? '';
}

function showMaskError(error: unknown): void {
  $('mask-output').textContent = `Error: ${messageOf(error)}`;
}

function fail(error: unknown): void {
  setState('error', `Error: ${messageOf(error)}`);
}

async function main(): Promise<void> {
  gpu = await createWebGPUBackend(); // without WebGPU it throws a message that says which browsers have it
  const r = gpu.report;
  $('adapter').textContent =
    `Adapter: ${[r.vendor, r.architecture, r.description].filter(Boolean).join(' · ') || '(not reported)'}${r.isFallbackAdapter ? ' (software)' : ''}; features: ${r.features.join(', ') || 'none'}`;
  gpu.on('lost', (error) => fail(new Error(`${error.message}; reload the page`)));
  gpu.on('error', (message) => {
    gpuError ??= message;
    stop?.abort();
  });
  window.addEventListener('pagehide', () => {
    disposeTrained();
    gpu?.destroy();
  });
  setState('idle', tokens ? 'Text loaded. Choose the settings and press Start.' : 'Load a text to train on.');
}

$<HTMLInputElement>('file').addEventListener('change', (event) => {
  const file = (event.target as HTMLInputElement).files?.[0];
  if (file)
    file
      .text()
      .then((text) => useText(text, file.name))
      .catch(fail);
});
$('load-url').addEventListener('click', () => {
  loadUrl().catch(fail);
});
$('start').addEventListener('click', () => {
  train().catch(fail);
});
$('stop').addEventListener('click', () => {
  stop?.abort();
  status.textContent = 'Stopping after the current step…';
});
$('predict').addEventListener('click', () => {
  fillMask().catch(showMaskError);
});
main().catch(fail);
