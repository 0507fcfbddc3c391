// stripGutenberg on the real Kant etext (when the data folder has it) and on small synthetic
// files in the modern and the old header styles; corpusLines.
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { ShapeError, corpusLines, stripGutenberg } from '../../src/index.js';
import { KANT as KANT_FILE } from '../harness/data.js';

const KANT = KANT_FILE.path;
const haveKant = KANT_FILE.present;
if (!haveKant) console.warn(`test/data/corpus: skipping the Kant tests: ${KANT_FILE.missing}`);

describe('stripGutenberg on the Kant etext (Project Gutenberg #4280)', () => {
  test.skipIf(!haveKant)('keeps the book: from its title line to the last paragraph, no licence', () => {
    const raw = readFileSync(KANT, 'utf8');
    const book = stripGutenberg(raw);
    const lines = book.split('\n');
    // File lines 98..1545: after "*END THE SMALL PRINT!…" (96) and the credit line (97), before "End of Project Gutenberg's…" (1546).
    expect(lines.length).toBe(1448);
    expect(lines.slice(0, 4)).toEqual([
      'THE CRITIQUE OF PURE REASON',
      'by Immanuel Kant',
      'translated by J. M. D. Meiklejohn',
      'PREFACE TO THE FIRST EDITION, 1781',
    ]);
    expect(lines.at(-1)).toMatch(/^As regards those who wish to pursue a scientific method, they have now the choice/);
    // Booleans, so that a failure does not print the whole book.
    expect(/gutenberg|small print|\betext\b/i.test(book)).toBe(false);
    expect(raw.includes(book)).toBe(true);
    expect(corpusLines(book)).toHaveLength(1448);
  });
});

describe('stripGutenberg on synthetic files', () => {
  test('modern markers, CRLF line ends and a "Produced by" credit', () => {
    const text = [
      'The Project Gutenberg eBook of Tiny',
      'Title: Tiny',
      '*** START OF THE PROJECT GUTENBERG EBOOK TINY ***',
      '',
      'Produced by Someone',
      '',
      'First line.',
      '',
      'Second line.',
      '*** END OF THE PROJECT GUTENBERG EBOOK TINY ***',
      'Licence text.',
    ].join('\r\n');
    expect(stripGutenberg(text)).toBe('First line.\n\nSecond line.');
  });

  test('old "*END*THE SMALL PRINT!" header and "End of the Project Gutenberg" footer', () => {
    const text =
      'Header\n*END*THE SMALL PRINT! FOR PUBLIC DOMAIN ETEXTS*Ver.02/11/02*END*\nBody one\nBody two\nEnd of the Project Gutenberg EBook of X\n*** END OF THIS PROJECT GUTENBERG EBOOK X ***\n';
    expect(stripGutenberg(text)).toBe('Body one\nBody two');
  });

  test('without markers the text comes back unchanged; a missing footer or header keeps that end', () => {
    const plain = 'Title: not a Gutenberg file\r\nsome text\n';
    expect(stripGutenberg(plain)).toBe(plain);
    expect(stripGutenberg('')).toBe('');
    expect(stripGutenberg('*** START OF THE PROJECT GUTENBERG EBOOK A ***\nbody\nmore')).toBe('body\nmore');
    expect(stripGutenberg("body\nmore\nEnd of Project Gutenberg's A\nlicence")).toBe('body\nmore');
  });

  test('a footer line before the header is not taken for the footer', () => {
    const text = 'End of Project Gutenberg notices\n*** START OF THE PROJECT GUTENBERG EBOOK A ***\nbody\n*** END OF THE PROJECT GUTENBERG EBOOK A ***';
    expect(stripGutenberg(text)).toBe('body');
  });

  test('only lines starting with a marker count', () => {
    const text = 'He said: *** START OF THE PROJECT GUTENBERG EBOOK, quoted\nbody';
    expect(stripGutenberg(text)).toBe(text);
  });

  test('arguments are checked', () => {
    expect(() => stripGutenberg(undefined as unknown as string)).toThrow(new ShapeError('stripGutenberg: text must be a string, got undefined'));
    expect(() => corpusLines(new Uint8Array(2) as unknown as string)).toThrow(/^corpusLines: text must be a string, got Uint8Array$/);
  });
});

describe('corpusLines', () => {
  test('trims lines and drops the empty ones, for \\n, \\r\\n and \\r', () => {
    expect(corpusLines('  first paragraph \n\n\t\nsecond\r\nthird\rfourth\n')).toEqual(['first paragraph', 'second', 'third', 'fourth']);
    expect(corpusLines('')).toEqual([]);
    expect(corpusLines(' \n \r\n')).toEqual([]);
  });
});
