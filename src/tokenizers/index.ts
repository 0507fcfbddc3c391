export {
  Tokenizer,
  type AddedToken,
  type DecoderSpec,
  type Encoding,
  type EncodeOptions,
  type EncodeBatchOptions,
  type DecodeOptions,
  type PaddingOptions,
  type TruncationOptions,
  type TokenizerParts,
  type TokenizerModel,
} from './tokenizer.js';
export { BpeModel, type BpeModelOptions } from './bpe.js';
export { WordPieceModel, type WordPieceOptions } from './wordpiece.js';
export { Vocab, MAX_TOKEN_ID } from './vocab.js';
export { BertNormalizer, type BertNormalizerOptions } from './normalizers.js';
export { splitBert, type PreTokenizerSpec } from './pre-tokenizers.js';
export { BYTE_TO_CHAR, byteLevelAlphabet, splitGpt2, toByteLevel } from './byte-level.js';
export { bertTemplate, robertaTemplate, type PostProcessor, type TemplatePiece } from './templates.js';
export { trainBpe, type BpeTrainerOptions, type BpeTrainingResult } from './bpe-trainer.js';
export { trainByteLevelBpe, trainWordPiece, type ByteLevelBpeTrainOptions, type WordPieceTrainOptions } from './trainers.js';
export {
  readTokenizerJson,
  writeTokenizerJson,
  readVocabTxt,
  writeVocabTxt,
  readVocabAndMerges,
  writeVocabJson,
  writeMergesTxt,
  type FileInput,
  type VocabTxtOptions,
  type VocabMergesOptions,
} from './hf-json.js';
export { TokenizerError } from './errors.js';
