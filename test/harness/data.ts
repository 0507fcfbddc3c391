// Where the tests find the real data sets they read (Kant's Critique, CoLA, Multi30k): the folder
// named by $SHADERFORMER_DATA, else the data folder checked out beside the repository. The project
// commits none of them; a test that needs one says so and skips (or falls back) when it is absent.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The data folder: $SHADERFORMER_DATA, or the default location beside the repository. */
export const DATA_DIR = process.env.SHADERFORMER_DATA ?? fileURLToPath(new URL('../../../shared/data/', import.meta.url));

/** A data file's path (relative to the data folder, e.g. `kant/critique_of_pure_reason.txt`), whether it is there, and a message for when it is not. */
export function dataFile(relative: string): { path: string; present: boolean; missing: string } {
  const path = join(DATA_DIR, relative);
  return { path, present: existsSync(path), missing: `${path} is absent (set SHADERFORMER_DATA to the folder holding ${relative})` };
}

/** Kant's Critique of Pure Reason, Project Gutenberg #4280, plain text. */
export const KANT = dataFile('kant/critique_of_pure_reason.txt');

/** CoLA (GLUE), the training and out-of-domain dev TSVs. */
export const COLA_TRAIN = dataFile('cola/in_domain_train.tsv');
export const COLA_DEV = dataFile('cola/out_of_domain_dev.tsv');
