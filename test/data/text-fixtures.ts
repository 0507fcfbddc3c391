// Small tokenizers for the data tests, trained here on a few sentences written for the tests (so the
// tests run without the data folder): a byte-level BPE with RoBERTa's specials and a WordPiece with BERT's.
import { type Tokenizer, trainByteLevelBpe, trainWordPiece } from '../../src/index.js';

/** Sentences about nothing in particular, enough for a few hundred merges. */
export const SENTENCES = [
  'The quick brown fox jumps over the lazy dog.',
  'Reason is the faculty which furnishes the principles of knowledge a priori.',
  'All our knowledge begins with experience, but it does not follow that it arises from experience.',
  'Space is not a conception which has been derived from outward experiences.',
  'Time is not an empirical conception which can be deduced from experience.',
  'The understanding cannot intuite, and the sensuous faculty cannot think.',
  'Human thinking involves human reason and human experience.',
  'A tokenizer splits text into pieces that a model can count.',
  'Every sentence here ends with a full stop, and some have commas.',
  'Masked language models learn to fill the blanks from both sides.',
];

let bpe: Tokenizer | undefined;
let wordPiece: Tokenizer | undefined;

/** Byte-level BPE, specials `<s> <pad> </s> <unk> <mask>` = ids 0..4, RoBERTa's template. */
export function byteBpe(): Tokenizer {
  bpe ??= trainByteLevelBpe(SENTENCES, { vocabSize: 400, minFrequency: 2 });
  return bpe;
}

/** WordPiece, specials `[PAD] [UNK] [CLS] [SEP] [MASK]` = ids 0..4, BERT's template. */
export function bertWordPiece(): Tokenizer {
  // The digits too, so that numbered test sentences have no [UNK].
  wordPiece ??= trainWordPiece([...SENTENCES, '0 1 2 3 4 5 6 7 8 9'], { vocabSize: 300, minFrequency: 1 });
  return wordPiece;
}
