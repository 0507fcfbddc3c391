// The page a fresh Chromium opens for one cold start: the runner hands it the text, then starts the example.
import { type StartupExample, type StartupResult, runStartup } from '../cases.js';

declare global {
  interface Window {
    shaderformerStartup: { setText(text: string): void; run(example: StartupExample): Promise<StartupResult> };
  }
}

let text = '';
window.shaderformerStartup = {
  setText: (value) => {
    text = value;
  },
  run: (example) => runStartup(example, text),
};
