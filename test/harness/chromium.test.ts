// Finding Chromium: $CHROME_PATH first, then the system paths, else instructions to install it.
import { describe, expect, test } from 'vitest';
import { findChromium } from './chromium.js';

describe('findChromium', () => {
  test('a CHROME_PATH that does not exist is an error naming it', () => {
    expect(() => findChromium({ CHROME_PATH: '/nowhere/chrome' })).toThrowError('CHROME_PATH=/nowhere/chrome does not exist');
  });
  test('with no Chromium anywhere, the error says how to install one', () => {
    expect(() => findChromium({}, ['/nowhere/chromium'])).toThrowError(/No Chromium found[\s\S]*apt-get install -y chromium[\s\S]*CHROME_PATH/);
  });
  test('CHROME_PATH wins over the system paths', () => {
    expect(findChromium({ CHROME_PATH: process.execPath }, ['/nowhere/chromium'])).toBe(process.execPath);
  });
});
