export {
  createMaskedLMEvaluator,
  maskEverySelected,
  type EvaluationBatch,
  type GatheredMaskedLM,
  type GatheredMaskedLMVars,
  type MaskedLMEvaluation,
  type MaskedLMEvaluator,
} from './masked-lm.js';
export {
  runMaskedLM,
  type MaskedLMMetrics,
  type MaskedLMRun,
  type MaskedLMRunResult,
  type RecipeRunOptions,
  type TrainingSchedule,
} from './pretrain.js';
export { BYTE_MLM_CONFIGS, byteMlmConfig, trainByteMlm, type ByteMlmConfig, type ByteMlmOptions, type ByteMlmResult } from './byte-mlm.js';
export {
  KANTAIBERT_CONFIGS,
  KANTAIBERT_PROMPTS,
  kantaiBertConfig,
  pretrainKantaiBert,
  type KantaiBertConfig,
  type KantaiBertOptions,
  type KantaiBertResult,
} from './kantaibert.js';
export {
  BERT_PRETRAINING_CONFIGS,
  bertPretrainingConfig,
  paragraphSentences,
  pretrainBert,
  type BertPretrainingConfig,
  type BertPretrainingOptions,
  type BertPretrainingResult,
} from './bert-pretraining.js';
export { COLA_CONFIG, fineTuneCola, type ColaConfig, type ColaEpoch, type ColaOptions, type ColaResult, type ColaStart } from './cola.js';
export {
  checkSeq2SeqSchedule,
  runSeq2Seq,
  type Seq2SeqRun,
  type Seq2SeqModelSize,
  type Seq2SeqRunResult,
  type Seq2SeqSchedule,
  type Seq2SeqShape,
} from './seq2seq.js';
export { COPY_TASK_CONFIGS, copyTaskConfig, trainCopyTask, type CopyTaskConfig, type CopyTaskOptions, type CopyTaskResult } from './copy-task.js';
export { TRANSLATE_CONFIGS, translateConfig, trainTranslator, type TranslateConfig, type TranslateOptions, type TranslateResult } from './translate.js';
export {
  GPT_KANT_CONFIGS,
  GPT_KANT_PROMPTS,
  gptKantConfig,
  trainGptKant,
  type GptKantConfig,
  type GptKantMetrics,
  type GptKantOptions,
  type GptKantResult,
} from './gpt-kant.js';
