export { Tensor, type Backend, type BackendStats } from './tensor/tensor.js';
export { scope, keep } from './tensor/scope.js';
export type { DType, ArrayOf, TensorData } from './tensor/dtype.js';
export { floatToHalfBits, halfBitsToFloat } from './tensor/dtype.js';
export { CpuBackend, createCpuBackend, type CpuBackendOptions } from './backend/cpu/backend.js';
export {
  WebGPUBackend,
  createWebGPUBackend,
  type WebGPUBackendOptions,
  type WebGPUBackendEvents,
  type WebGPUStats,
} from './backend/webgpu/backend.js';
export type { AdapterReport, DeviceOptions } from './backend/webgpu/device.js';
export type { GemmTuning } from './backend/webgpu/ops/gemm.js';
export type { PoolStats } from './backend/webgpu/buffer-pool.js';
export { add, mul, scale, addScaled, accumulate } from './ops/elementwise.js';
export { matmul, GEMM_VARIANTS, type GemmVariant, type GemmActivation, type MatmulOptions } from './ops/gemm.js';
export * from './ops/norm.js';
export * from './ops/softmax.js';
export * from './ops/loss.js';
export * from './ops/embedding.js';
export * from './ops/activation.js';
export * from './ops/reduce.js';
export { adamwUpdate, sgdUpdate, clipByGlobalNorm, type AdamWOptions, type SgdOptions } from './ops/optim.js';
export { dropout, dropoutBackward, type DropoutOptions } from './ops/dropout.js';
export {
  attention,
  attentionWithProbabilities,
  attentionBackward,
  MAX_FUSED_HEAD_DIM,
  type AttentionOptions,
  type AttentionSaved,
  type AttentionResult,
  type AttentionProbabilitiesResult,
  type AttentionGrads,
} from './ops/attention.js';
export type { StepValues, StepSource } from './backend/step-values.js';
export * from './ops/layout.js';
export * from './optim/schedules.js';
export * from './nn/init.js';
export * from './tokenizers/index.js';
export * from './data/index.js';
export { lineByLineDataset, tokenizerSpecials, type TokenizerSpecials } from './data/text-datasets.js';
export { mlmLineBatches, type MlmLineBatch, type MlmLineBatchesOptions } from './data/line-batches.js';
export { nspExamples, nspBatches, type NspExample, type NspExamplesOptions, type NspBatch, type NspBatchesOptions } from './data/nsp.js';
export {
  readGlueTsv,
  classificationBatches,
  type GlueTask,
  type LabelledText,
  type ColaExample,
  type ClassificationBatch,
  type ClassificationBatchesOptions,
} from './data/glue.js';
export { heldOutSplit, type HeldOutSplitOptions } from './data/split.js';
export type { EpochBatchStream, EpochOptions, EpochStreamState } from './data/epochs.js';
export {
  accuracy,
  argmax,
  matthewsCorrelation,
  fixedMaskedSet,
  unigramBaseline,
  type FixedMaskedSet,
  type FixedMaskedSetOptions,
  corpusBleu,
  sentenceBleu,
  tokenize13a,
  type BleuOptions,
  type BleuScore,
  type BleuSmoothing,
  type BleuTokenizer,
  corpusChrf,
  type ChrfOptions,
  type ChrfScore,
  type ReferenceStreams,
} from './metrics/index.js';
export {
  type ByteSource,
  type ByteInput,
  type OpenBytesOptions,
  openBytes,
  readAllBytes,
  readText,
  SafetensorsFile,
  SAFETENSORS_DTYPE_BYTES,
  type SafetensorsDType,
  type SafetensorsEntry,
  type SafetensorsTensor,
  type ReadDType,
  type ReadArray,
  writeSafetensors,
  safetensorsBlob,
  nodeFileSink,
  streamSink,
  type TensorToWrite,
  type ByteSink,
  ShardedSafetensors,
  SAFETENSORS_INDEX_FILE,
  type ShardedEntry,
  type OpenShard,
} from './io/index.js';
export {
  ShaderformerError,
  ArgumentError,
  ShapeError,
  DisposedTensorError,
  DeviceLostError,
  WebGPUUnavailableError,
  CheckpointError,
  NonFiniteError,
  type NonFiniteQuantity,
  ByteSourceError,
  SafetensorsError,
  PretrainedError,
  DatasetError,
} from './errors.js';
export { Graph, Var, Parameter, type Node, type InputSpec, type Initializer, type ParameterOptions } from './graph/graph.js';
export * as F from './graph/ops.js';
export type { GraphMatmulOptions, GraphAttentionOptions, GraphCrossEntropyOptions } from './graph/ops.js';
export { gradients } from './graph/autograd.js';
export { execute, type ExecuteOptions, type ConstantCache } from './graph/execute.js';
export type { OpName as GraphOpName, OpAttrs as GraphOpAttrs, RunContext } from './graph/op-table.js';
export { ParameterStore, type ParameterStoreOptions, type ParameterValues, type ParameterLoadResult } from './graph/parameters.js';
export {
  TrainStep,
  createTrainStep,
  type TrainStepOptions,
  type WarmUpOptions,
  type StepReport,
  type StepCallOptions,
  type Batch,
  type KernelTime,
  type RecordedProgram,
} from './train/train-step.js';
export {
  train,
  type TrainOptions,
  type TrainResult,
  type StepProgress,
  type StopReason,
  type CheckpointOptions,
  type BatchState,
} from './train/loop.js';
export {
  saveCheckpoint,
  loadCheckpoint,
  type TrainerState,
  type SaveCheckpointOptions,
  type SavedCheckpoint,
  type LoadCheckpointOptions,
  MODEL_FILE,
  OPTIMIZER_FILE,
  TRAINER_STATE_FILE,
  CHECKPOINT_FORMAT_VERSION,
} from './train/checkpoint.js';
export {
  memoryCheckpointStore,
  nodeCheckpointStore,
  opfsCheckpointStore,
  checkpointFolderName,
  type CheckpointStore,
  type CheckpointStoreOptions,
  type CheckpointFileData,
  type StoredCheckpoint,
} from './train/checkpoint-store.js';
export * from './optim/optimizers.js';
export * from './nn/module.js';
export * from './nn/layers.js';
export {
  BertModel,
  EncoderModel,
  BertEmbeddings,
  BertEncoder,
  BertPooler,
  BertLMPredictionHead,
  BertForMaskedLM,
  resolveBertConfig,
  type BertConfig,
  type BertInputs,
  type BertMaskedLMInputs,
  type BertModelOptions,
  type EmbeddingsModule,
  type BertModelOutput,
  type BertForwardOptions,
  type HiddenAct,
  type MaskedLMOutput,
  type GatheredMaskedLMOutput,
} from './models/bert.js';
export {
  BertForPreTraining,
  BertForSequenceClassification,
  BertForTokenClassification,
  BertForQuestionAnswering,
  type BertPreTrainingInputs,
  type BertPreTrainingOutput,
  type SpanLabels,
  type QuestionAnsweringOutput,
} from './models/bert-heads.js';
export {
  RobertaModel,
  RobertaEmbeddings,
  RobertaLMHead,
  RobertaForMaskedLM,
  RobertaClassificationHead,
  RobertaForSequenceClassification,
  resolveRobertaConfig,
  robertaPositionIds,
  type RobertaConfig,
  type RobertaInputs,
  type RobertaMaskedLMInputs,
} from './models/roberta.js';
export {
  resolveClassifierConfig,
  type ClassifierConfig,
  type ResolvedClassifierConfig,
  type ClassifierOutput,
  type SequenceLabels,
  type MaskedLMLabels,
  type ForwardOptions,
} from './models/heads.js';
export {
  loadPretrained,
  savePretrained,
  savePretrainedZip,
  readConfig,
  type PretrainedFormat,
  type ConfigFieldKind,
  type FromPretrainedOptions,
  type Pretrained,
  type LoadReport,
  type LoadedTensor,
  type SaveTarget,
  type SavePretrainedOptions,
} from './models/pretrained.js';
export {
  Transformer,
  TRANSFORMER_SIZES,
  resolveTransformerConfig,
  type TransformerConfig,
  type TransformerInputs,
  type TransformerOutput,
  type DecodeStepOutput,
} from './models/transformer.js';
export { Seq2SeqGenerator, createSeq2SeqGenerator, type GenerateOptions } from './infer/seq2seq.js';
export {
  GPT2Model,
  GPT2LMHeadModel,
  GPT2Block,
  GPT2Attention,
  GPT2MLP,
  Conv1D,
  resolveGPT2Config,
  type GPT2Config,
  type ResolvedGPT2Config,
  type GPT2Activation,
  type GPT2Inputs,
  type GPT2LMInputs,
  type GPT2ModelOutput,
  type CausalLMOutput,
} from './models/gpt2.js';
export { GPT2_CONFIG_FIELDS, gpt2ConfigJson } from './models/gpt2-hf.js';
export { TextGenerator, createTextGenerator, sampleToken, type TextGenerateOptions } from './infer/generate.js';
export { BERT_CONFIG_FIELDS, CLASSIFIER_CONFIG_FIELDS, bertConfigJson } from './models/bert-hf.js';
export { ROBERTA_CONFIG_FIELDS, robertaConfigJson } from './models/roberta-hf.js';
export {
  openModelFolder,
  nodeDirectoryWriter,
  directoryHandleWriter,
  zipWriter,
  type FolderSource,
  type FolderFiles,
  type ModelFolder,
  type ModelFolderOptions,
  type FolderWriter,
} from './io/folder.js';
export {
  Inference,
  createInference,
  type InferenceOptions,
  type InferenceOutput,
  type InferenceOutputVars,
  type InferenceResult,
} from './infer/inference.js';
export { fillMask, type FillMaskOptions, type FillMaskPrediction, type FillMaskResult, type MaskedLMWithParameters } from './infer/fill-mask.js';
export {
  BERT_PRETRAINING_CONFIGS,
  BYTE_MLM_CONFIGS,
  COLA_CONFIG,
  fineTuneCola,
  type ColaConfig,
  type ColaEpoch,
  type ColaOptions,
  type ColaResult,
  type ColaStart,
  KANTAIBERT_CONFIGS,
  KANTAIBERT_PROMPTS,
  bertPretrainingConfig,
  byteMlmConfig,
  kantaiBertConfig,
  paragraphSentences,
  pretrainBert,
  type BertPretrainingConfig,
  type BertPretrainingOptions,
  type BertPretrainingResult,
  pretrainKantaiBert,
  type KantaiBertConfig,
  type KantaiBertOptions,
  type KantaiBertResult,
  createMaskedLMEvaluator,
  maskEverySelected,
  runMaskedLM,
  trainByteMlm,
  type ByteMlmConfig,
  type ByteMlmOptions,
  type ByteMlmResult,
  type GatheredMaskedLM,
  type GatheredMaskedLMVars,
  type MaskedLMEvaluation,
  type MaskedLMEvaluator,
  type MaskedLMMetrics,
  type MaskedLMRun,
  type MaskedLMRunResult,
  type RecipeRunOptions,
  type TrainingSchedule,
  checkSeq2SeqSchedule,
  runSeq2Seq,
  type Seq2SeqRun,
  type Seq2SeqRunResult,
  type Seq2SeqSchedule,
  type Seq2SeqShape,
  COPY_TASK_CONFIGS,
  copyTaskConfig,
  trainCopyTask,
  type CopyTaskConfig,
  type CopyTaskOptions,
  type CopyTaskResult,
  TRANSLATE_CONFIGS,
  translateConfig,
  trainTranslator,
  type TranslateConfig,
  type TranslateOptions,
  type TranslateResult,
  GPT_KANT_CONFIGS,
  GPT_KANT_PROMPTS,
  gptKantConfig,
  trainGptKant,
  type GptKantConfig,
  type GptKantMetrics,
  type GptKantOptions,
  type GptKantResult,
} from './recipes/index.js';
