import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser } from 'puppeteer-core';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable'];

/** The Chromium binary: $CHROME_PATH, else the usual system paths; a clear error when there is none. */
export function findChromium(env: Record<string, string | undefined> = process.env, candidates: readonly string[] = CANDIDATES): string {
  const fromEnv = env.CHROME_PATH;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`CHROME_PATH=${fromEnv} does not exist`);
    return fromEnv;
  }
  const found = candidates.find((path) => existsSync(path));
  if (found) return found;
  throw new Error(
    [
      `No Chromium found for the GPU tests (looked at $CHROME_PATH, ${candidates.join(', ')}).`,
      'Install it:  sudo apt-get install -y chromium      (Debian/Ubuntu; Ubuntu may need the snap or a .deb of Google Chrome)',
      '        or:  point CHROME_PATH at any Chrome/Chromium 113+ binary.',
    ].join('\n'),
  );
}

/** Flags that give headless Chromium a WebGPU adapter (SwiftShader without a GPU) and keep it off the network. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--enable-unsafe-webgpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--disable-dev-shm-usage',
];

/** Launches headless Chromium with WebGPU enabled and a fresh profile. */
export async function launchChromium(): Promise<Browser> {
  return puppeteer.launch({
    executablePath: findChromium(),
    headless: true,
    args: CHROMIUM_ARGS,
    userDataDir: mkdtempSync(join(tmpdir(), 'shaderformer-chromium-')),
  });
}
