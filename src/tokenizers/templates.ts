// Post-processing templates: where the special tokens go around one sequence or a pair, and the
// token type id of every position. BERT: [CLS] A [SEP] (types 0…0) B [SEP] (types 1…1).
// RoBERTa: <s> A </s> </s> B </s>, every type id 0 (RoBERTa has one token type; Hugging Face's
// RobertaProcessing sets them all to 0).

/** One position of a template: a special token, or the tokens of sequence A (0) or B (1). */
export type TemplatePiece = { special: string; id: number; typeId: number } | { sequence: 0 | 1; typeId: number };

/** A post-processor as tokenizer.json names it, with the template it stands for. */
export interface PostProcessor {
  type: 'BertProcessing' | 'RobertaProcessing' | 'TemplateProcessing' | 'ByteLevel';
  single: TemplatePiece[];
  pair: TemplatePiece[];
  /** Trim spaces off byte-level token offsets (RobertaProcessing and ByteLevel's `trim_offsets`). */
  trimOffsets: boolean;
  /** RobertaProcessing/ByteLevel `add_prefix_space`, kept for writing the file back (the pre-tokenizer's adds the space; docs/tokenizers.md for offsets). */
  addPrefixSpace: boolean;
  /** TemplateProcessing's `special_tokens` section, kept for writing the file back. */
  specialTokens?: Record<string, { id: string; ids: number[]; tokens: string[] }>;
}

/** BERT's template: [CLS] A [SEP] and [CLS] A [SEP] B [SEP], B's tokens and its [SEP] with type id 1. */
export function bertTemplate(cls: [string, number], sep: [string, number]): PostProcessor {
  const c = { special: cls[0], id: cls[1] };
  const s = { special: sep[0], id: sep[1] };
  return {
    type: 'BertProcessing',
    single: [
      { ...c, typeId: 0 },
      { sequence: 0, typeId: 0 },
      { ...s, typeId: 0 },
    ],
    pair: [
      { ...c, typeId: 0 },
      { sequence: 0, typeId: 0 },
      { ...s, typeId: 0 },
      { sequence: 1, typeId: 1 },
      { ...s, typeId: 1 },
    ],
    trimOffsets: false,
    addPrefixSpace: false,
  };
}

/** RoBERTa's template: <s> A </s> and <s> A </s></s> B </s>, all type id 0. */
export function robertaTemplate(
  cls: [string, number],
  sep: [string, number],
  options: { trimOffsets?: boolean; addPrefixSpace?: boolean } = {},
): PostProcessor {
  const c = { special: cls[0], id: cls[1], typeId: 0 };
  const s = { special: sep[0], id: sep[1], typeId: 0 };
  return {
    type: 'RobertaProcessing',
    single: [c, { sequence: 0, typeId: 0 }, s],
    pair: [c, { sequence: 0, typeId: 0 }, s, s, { sequence: 1, typeId: 0 }, s],
    trimOffsets: options.trimOffsets ?? true,
    addPrefixSpace: options.addPrefixSpace ?? false,
  };
}

/** How many special tokens the template adds to one sequence or a pair. */
export function addedCount(processor: PostProcessor | null, pair: boolean): number {
  if (processor === null) return 0;
  return (pair ? processor.pair : processor.single).filter((piece) => 'special' in piece).length;
}
