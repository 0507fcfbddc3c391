// Entry point of `npm run example`: examples/run.ts, compiled on the fly (scripts/run-ts.mjs); it
// runs on import and reads its arguments from process.argv.
import { runTs } from '../scripts/run-ts.mjs';

await runTs('/examples/run.ts');
