// The real corpora for the tokenizer tests (test/harness/data.ts says where they are), read when
// present; each test that needs them skips, with the reason printed, when they are absent.
import { existsSync, readFileSync } from 'node:fs';
import { DATA_DIR } from '../harness/data.js';

const DATA = DATA_DIR.endsWith('/') ? DATA_DIR : `${DATA_DIR}/`;
const KANT = `${DATA}kant/critique_of_pure_reason.txt`;
const COLA = ['in_domain_train.tsv', 'out_of_domain_dev.tsv'].map((f) => `${DATA}cola/${f}`);

/** Why the shared data cannot be used, or '' when it can. */
export const dataSkipReason = existsSync(KANT) && COLA.every(existsSync) ? '' : `${DATA} (kant/critique_of_pure_reason.txt, cola/*.tsv) is absent`;

/** The lines of the Kant etext from its "Title:" line to just before "End of Project Gutenberg" (the licence header and footer stripped). */
export function kantLines(): string[] {
  const lines = readFileSync(KANT, 'utf8').split('\n');
  const start = lines.findIndex((l) => l.startsWith('Title:'));
  const end = lines.findIndex((l) => l.startsWith('End of Project Gutenberg'));
  if (start < 0 || end < start) throw new Error(`${KANT}: no "Title:" … "End of Project Gutenberg" lines`);
  return lines.slice(start, end);
}

/** The sentence column of every CoLA row (source, label, original label, sentence). */
export function colaSentences(): string[] {
  return COLA.flatMap((file) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => line.length > 0)
      .map((line) => {
        const sentence = line.split('\t')[3];
        if (sentence === undefined) throw new Error(`${file}: a row without a sentence column: ${line}`);
        return sentence;
      }),
  );
}
