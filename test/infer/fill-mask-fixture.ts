// A real WordPiece tokenizer for the fill-mask tests, its vocabulary the size of the test model's.
import { type Tokenizer, readVocabTxt } from '../../src/index.js';
import { CONFIG } from './bert-forward.js';

const SPECIALS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];
const WORDS = (
  'the cat dog sat on mat a ran to park big house tree and is was in of it he she they ' +
  'we saw ate fish bird sky sun moon car road green old new happy day . , ##s ##ed ##ing ##er night rain'
).split(' ');

/** vocab.txt lines: the BERT specials (unless `withMask` is false), then words, CONFIG.vocab_size in all. */
export function vocabTxt(withMask = true): string {
  const lines = [...SPECIALS.filter((s) => withMask || s !== '[MASK]'), ...WORDS].slice(0, CONFIG.vocab_size);
  if (withMask && lines.length !== CONFIG.vocab_size) throw new Error(`the test vocabulary has ${lines.length} tokens, the model ${CONFIG.vocab_size}`);
  return `${lines.join('\n')}\n`;
}

export function makeTokenizer(withMask = true): Tokenizer {
  return readVocabTxt(vocabTxt(withMask));
}

/** Texts of different lengths, one mask each except the third (two). */
export const TEXTS = [
  'the cat sat on the [MASK] .',
  'a big dog [MASK] to the park and ate fish in the rain',
  'she saw the [MASK] in the [MASK] sky',
  '[MASK] day',
];
