// The tokenizer benchmark. It runs in Node directly, with no browser and no GPU: tokenizers are
// plain computation, and Tokenizers.js (@huggingface/tokenizers, the peer) is plain JS too.
// Cases on the Kant text (from the data folder, see test/harness/data.ts; its Gutenberg header and footer stripped; each line one
// sequence with its "\n", as training from the file reads it):
//  - train-bpe-52000: seconds to train KantaiBERT's byte-level BPE (vocab 52,000, min_frequency 2;
//    it stops early when no pair reaches 2). Checked: the vocabulary and merge count of Hugging
//    Face's Rust trainer on the same lines (8450 tokens, 8189 merges, tokenizers 0.23.2).
//  - train-wordpiece-30522: seconds to train an uncased WordPiece (vocab 30,522, min_frequency 2).
//    Checked: Hugging Face's size on the same lines (7222).
//  - encode-bpe, encode-wordpiece: MB/s (UTF-8 bytes of text per second) encoding every line, with
//    [CLS]/[SEP] or <s>/</s>, by shaderformer and by Tokenizers.js loading the same tokenizer.json.
//    Checked: both give the same ids for every line. Both keep a per-word cache, warm after the
//    first pass (the warm-up).
// Tokenizers.js cannot train, so its training rows say so and are not counted.
import { existsSync, readFileSync } from 'node:fs';
import { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';
import { type Tokenizer, readTokenizerJson, trainByteLevelBpe, trainWordPiece, writeTokenizerJson } from '../../src/index.js';
import { type Benchmark, type CaseInfo, type Row, errorMessage, round3, timeOperations } from '../lib/bench.js';
import { KANT as KANT_FILE } from '../../test/harness/data.js';

const KANT = KANT_FILE.path;
const OURS = 'shaderformer/tokenizers';
const PEER = '@huggingface/tokenizers';
const HF_BPE_VOCAB = 8450;
const HF_BPE_MERGES = 8189;
const HF_WORDPIECE_VOCAB = 7222;

const CASES: CaseInfo[] = [
  { case: 'train-bpe-52000', detail: 'train byte-level BPE, vocab 52,000, min_frequency 2, <s> <pad> </s> <unk> <mask>, on the Kant text (seconds)' },
  {
    case: 'train-wordpiece-30522',
    detail: 'train uncased WordPiece, vocab 30,522, min_frequency 2, [PAD] [UNK] [CLS] [SEP] [MASK], on the Kant text (seconds)',
  },
  { case: 'encode-bpe', detail: 'encode every Kant line with the trained byte-level BPE and <s> … </s> (MB/s of UTF-8 text)' },
  { case: 'encode-wordpiece', detail: 'encode every Kant line with the trained WordPiece and [CLS] … [SEP] (MB/s of UTF-8 text)' },
];

/** The Kant etext's lines from "Title:" to before "End of Project Gutenberg". */
function kantLines(): string[] {
  if (!existsSync(KANT)) throw new Error(`the tokenizer benchmark needs the Kant text: ${KANT_FILE.missing}`);
  const lines = readFileSync(KANT, 'utf8').split('\n');
  const start = lines.findIndex((l) => l.startsWith('Title:'));
  const end = lines.findIndex((l) => l.startsWith('End of Project Gutenberg'));
  if (start < 0 || end < start) throw new Error(`${KANT}: no "Title:" … "End of Project Gutenberg" lines`);
  return lines.slice(start, end);
}

interface Prepared {
  lines: string[];
  sequences: string[];
  bytes: number;
  /** For encode cases: the tokenizer.json both sides load. */
  json?: string;
}

function trainOurs(caseName: string, sequences: string[]): Tokenizer {
  return caseName.includes('bpe')
    ? trainByteLevelBpe(sequences, { vocabSize: 52000, minFrequency: 2 })
    : trainWordPiece(sequences, { vocabSize: 30522, minFrequency: 2 });
}

/** The tokenizer benchmark (ours and Tokenizers.js), in Node. */
export function createTokenizerBenchmark(): Benchmark {
  const prepared = new Map<string, Prepared>();
  return {
    name: 'tokenizer',
    cases: CASES,
    impls: [OURS, PEER],

    async prepare(caseName) {
      const lines = kantLines();
      const sequences = lines.map((l) => `${l}\n`);
      const bytes = new TextEncoder().encode(lines.join('')).length;
      const p: Prepared = { lines, sequences, bytes };
      if (caseName.startsWith('encode-')) p.json = writeTokenizerJson(trainOurs(caseName, sequences));
      prepared.set(caseName, p);
    },

    async run(caseName, implName, budgetMs) {
      const p = prepared.get(caseName);
      if (!p) throw new Error(`tokenizer: case ${caseName} was not prepared`);
      const training = caseName.startsWith('train-');
      const row: Row = { case: caseName, impl: implName, metric: training ? 'seconds' : 'MB/s', value: null, maxAbsErr: null, ok: false };
      try {
        if (training) {
          if (implName === PEER) throw new Error('Tokenizers.js (@huggingface/tokenizers) loads and encodes; it has no trainer');
          // The first run in a fresh process (no JIT warm-up) is what a page pays once; timed apart.
          const coldStart = performance.now();
          trainOurs(caseName, p.sequences);
          const coldSeconds = (performance.now() - coldStart) / 1000;
          const timing = await timeOperations({ launch: () => trainOurs(caseName, p.sequences), wait: async () => {}, dispose: () => {} }, budgetMs);
          row.value = round3(timing.ms / 1000);
          row.ms = round3(timing.ms);
          row.rounds = timing.rounds;
          row.perRound = timing.perRound;
          const trained = timing.last;
          const merges = trained.model.vocab && 'merges' in trained.model ? trained.model.merges.length : undefined;
          const expected = caseName.includes('bpe') ? HF_BPE_VOCAB : HF_WORDPIECE_VOCAB;
          row.ok = trained.vocabSize === expected && (merges === undefined || merges === HF_BPE_MERGES);
          row.note = `first run ${coldSeconds.toFixed(2)} s; vocabulary ${trained.vocabSize}${merges === undefined ? '' : `, ${merges} merges`} (Hugging Face's Rust trainer: ${expected}${merges === undefined ? '' : `, ${HF_BPE_MERGES} merges`})`;
          if (!row.ok) row.error = `trained ${row.note}`;
          return row;
        }
        const ours = readTokenizerJson(p.json!);
        const peer = new HfTokenizer(JSON.parse(p.json!), {});
        const encode = implName === OURS ? (text: string) => ours.encode(text).ids : (text: string) => peer.encode(text).ids;
        const timing = await timeOperations(
          {
            launch: () => {
              let tokens = 0;
              for (const line of p.lines) tokens += encode(line).length;
              return tokens;
            },
            wait: async () => {},
            dispose: () => {},
          },
          budgetMs,
        );
        row.value = round3(p.bytes / 1e6 / (timing.ms / 1000));
        row.ms = round3(timing.ms);
        row.rounds = timing.rounds;
        row.perRound = timing.perRound;
        // The check, untimed: the two libraries give the same ids for every line.
        const mismatched = p.lines.filter((line) => {
          const a = ours.encode(line).ids;
          const b = peer.encode(line).ids;
          return a.length !== b.length || a.some((id, k) => id !== b[k]);
        }).length;
        row.maxAbsErr = mismatched;
        row.ok = mismatched === 0;
        row.note = `${p.lines.length} lines, ${(p.bytes / 1e6).toFixed(2)} MB, ${timing.last} tokens; ids identical in ${p.lines.length - mismatched} of ${p.lines.length} lines`;
        if (!row.ok) row.error = `ids differ from the other library's in ${mismatched} lines`;
      } catch (error) {
        row.error = errorMessage(error);
      }
      return row;
    },

    release(caseName) {
      prepared.delete(caseName);
    },
  };
}
