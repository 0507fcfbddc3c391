// Runs inside a Web Worker (bundled by worker.test.ts): trains a byte-level BPE and a WordPiece
// tokenizer on the posted lines, encodes and decodes with them, writes and reads tokenizer.json.
import { readTokenizerJson, trainByteLevelBpe, trainWordPiece, writeTokenizerJson } from '../../src/tokenizers/index.js';

interface Request {
  lines: string[];
  probe: string;
}

self.onmessage = (event: MessageEvent<Request>) => {
  try {
    const { lines, probe } = event.data;
    const bpe = trainByteLevelBpe(lines, { vocabSize: 500 });
    const wordPiece = trainWordPiece(lines, { vocabSize: 300 });
    const reread = readTokenizerJson(writeTokenizerJson(bpe));
    self.postMessage({
      inWorker:
        typeof (globalThis as { document?: unknown }).document === 'undefined' &&
        typeof (globalThis as { importScripts?: unknown }).importScripts === 'function',
      bpeIds: bpe.encode(probe).ids,
      bpeDecoded: bpe.decode(reread.encode(probe).ids),
      wordPieceIds: wordPiece.encode(probe, probe).ids,
      wordPieceTypes: wordPiece.encode(probe, probe).typeIds,
    });
  } catch (error) {
    self.postMessage({ error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
  }
};
