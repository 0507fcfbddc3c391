// Plain-text corpora: the book text of a Project Gutenberg file, and a text's non-empty lines.
// Text arrives as a string; a caller holding bytes decodes them first (`new TextDecoder().decode(bytes)`).
import { ShapeError } from '../errors.js';
import { describe } from './check.js';

// The last line of the header: the modern "*** START OF THE PROJECT GUTENBERG EBOOK …" and the
// older "*END*THE SMALL PRINT! …*END*" (the Kant etext's "*END THE SMALL PRINT! …").
const HEADER_END = [/^\*{3}\s*START OF (THE|THIS) PROJECT GUTENBERG/i, /^\*END\*?\s*THE SMALL PRINT/i];
// The first line of the footer: "*** END OF THE PROJECT GUTENBERG EBOOK …" or "End of (the) Project Gutenberg…".
const FOOTER_START = [/^\*{3}\s*END OF (THE|THIS) PROJECT GUTENBERG/i, /^End of (the )?Project Gutenberg/i];

// Production credits that follow the header ("This etext was produced by …", "Produced by …").
const CREDIT = /^(this e-?(text|book) was )?produced by\b/i;

const LINE_BREAK = /\r\n|\n|\r/;

/**
 * The text between a Project Gutenberg header and footer: drops every line up to and including the
 * header's last line ("*** START OF …" or "*END*THE SMALL PRINT!…"), the blank and "Produced by …"
 * lines right after it, and every line from the footer's first ("*** END OF …" or "End of Project
 * Gutenberg…"), joining the rest with "\n". A part whose marker is missing is kept, so text that
 * is not a Gutenberg file comes back unchanged (the same string).
 */
export function stripGutenberg(text: string): string {
  if (typeof text !== 'string') throw new ShapeError(`stripGutenberg: text must be a string, got ${describe(text)}`);
  const lines = text.split(LINE_BREAK);
  const headerEnd = lines.findIndex((line) => HEADER_END.some((marker) => marker.test(line)));
  let first = headerEnd + 1; // 0 without a header
  while (headerEnd >= 0 && first < lines.length && (lines[first]!.trim() === '' || CREDIT.test(lines[first]!))) first++;
  let end = lines.findIndex((line, i) => i >= first && FOOTER_START.some((marker) => marker.test(line)));
  if (headerEnd < 0 && end < 0) return text;
  if (end < 0) end = lines.length;
  return lines.slice(first, end).join('\n');
}

/** The text's lines, trimmed, without the empty ones (paragraphs, for a file of one paragraph a line). */
export function corpusLines(text: string): string[] {
  if (typeof text !== 'string') throw new ShapeError(`corpusLines: text must be a string, got ${describe(text)}`);
  return text
    .split(LINE_BREAK)
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
}
