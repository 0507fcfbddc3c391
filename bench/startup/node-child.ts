// One cold start in a fresh Node process (Dawn): `node <bundle> <example> [text file]`; prints the
// result as one JSON line. The runner builds this file into one bundle, so the process only loads it.
import { readFileSync } from 'node:fs';
import { STARTUP_EXAMPLES, type StartupExample, runStartup } from './cases.js';

const [example, textFile] = process.argv.slice(2);
if (!STARTUP_EXAMPLES.includes(example as StartupExample)) throw new Error(`unknown example ${example}`);
const text = textFile ? readFileSync(textFile, 'utf8') : '';
console.log(JSON.stringify(await runStartup(example as StartupExample, text)));
