// Entry point of `npm run bench`: bench/cli.ts, compiled on the fly (scripts/run-ts.mjs).
import { runTs } from '../scripts/run-ts.mjs';

await runTs('/bench/cli.ts', ({ main }) => main(process.argv.slice(2)));
