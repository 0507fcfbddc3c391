// Files written by Hugging Face's own libraries (test/fixtures/tokenizers/, made by
// scripts/hf/make_tokenizer_fixtures.py with tokenizers 0.23.2 and transformers 5.18.0) load, give
// the ids the Rust library gave, and keep its layouts of added tokens: ids after the vocabulary,
// ids reused inside it ([MASK], <mask>, a word added that the vocabulary holds). Offsets agree
// except where docs/tokenizers.md says they differ (a prefix space right after an added token).
// Then the bound on added-token ids and the degenerate vocabularies, refused with a TokenizerError
// that names the problem, through the files and through the JavaScript API.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import {
  type AddedToken,
  BpeModel,
  MAX_TOKEN_ID,
  Tokenizer,
  TokenizerError,
  Vocab,
  WordPieceModel,
  readTokenizerJson,
  readVocabAndMerges,
  readVocabTxt,
  writeTokenizerJson,
} from '../../src/index.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/tokenizers/', import.meta.url));
const fixture = (folder: string, file: string) => readFileSync(`${FIXTURES}${folder}/${file}`, 'utf8');

interface RustEncoding {
  text: string;
  ids: number[];
  tokens: string[];
  offsets: [number, number][];
}

// What each saved folder holds, as the script printed it: model vocabulary size (one past its
// largest id), the added tokens' [content, id], and the tokenizer's size with them.
const FOLDERS = {
  bert: {
    vocab: 26,
    added: [
      ['[MASK]', 4],
      ['hello', 17],
      ['newword', 26],
      ['<new>', 27],
      ['[X]', 28],
    ],
    size: 29,
  },
  roberta: {
    vocab: 300,
    added: [
      ['<mask>', 4],
      ['newword', 300],
      ['<new>', 301],
      ['<x>', 302],
    ],
    size: 303,
  },
  'byte-level': {
    vocab: 300,
    added: [
      ['<mask>', 4],
      ['cat', 284],
      ['<sep>', 300],
      ['world', 301],
    ],
    size: 302,
  },
} as const;

describe("Hugging Face's own files", () => {
  test.each(Object.keys(FOLDERS) as (keyof typeof FOLDERS)[])('%s: loads with its added tokens, the same ids and tokens as Rust, and writes back', (folder) => {
    const expected = FOLDERS[folder];
    const tokenizer = readTokenizerJson(fixture(folder, 'tokenizer.json'));
    expect(tokenizer.model.vocab.idLimit).toBe(expected.vocab);
    expect(tokenizer.vocabSize).toBe(expected.size);
    for (const [content, id] of expected.added) {
      expect(tokenizer.tokenToId(content)).toBe(id);
      expect(tokenizer.addedTokens.some((t) => t.content === content && t.id === id)).toBe(true);
    }
    const encodings: RustEncoding[] = JSON.parse(fixture(folder, 'encodings.json'));
    expect(encodings.length).toBe(7);
    for (const rust of encodings) {
      const ours = tokenizer.encode(rust.text);
      expect(ours.ids, rust.text).toEqual(rust.ids);
      expect(ours.tokens, rust.text).toEqual(rust.tokens);
    }
    const again = readTokenizerJson(writeTokenizerJson(tokenizer));
    expect(again.vocabSize).toBe(expected.size);
    for (const rust of encodings) expect(again.encode(rust.text).ids).toEqual(rust.ids);
  });

  test('offsets: the same as Rust, except a prefix-space token right after an added token, where ours is the true span and Rust starts one later', () => {
    const differences: string[] = [];
    for (const folder of ['bert', 'roberta', 'byte-level'] as const) {
      const tokenizer = readTokenizerJson(fixture(folder, 'tokenizer.json'));
      for (const rust of JSON.parse(fixture(folder, 'encodings.json')) as RustEncoding[]) {
        const ours = tokenizer.encode(rust.text).offsets;
        ours.forEach(([start, end], i) => {
          const [rustStart, rustEnd] = rust.offsets[i]!;
          if (start === rustStart && end === rustEnd) return;
          const token = rust.tokens[i]!;
          const before = tokenizer.addedTokens.find((t) => t.id === rust.ids[i - 1]);
          // Only here: a byte-level token carrying the prefix space ("Ġ"), right after an added token.
          expect(before, `${folder} ${rust.text} ${token}`).toBeDefined();
          expect(token.startsWith('Ġ')).toBe(true);
          expect([start + 1, Math.max(end, start + 1)]).toEqual([rustStart, rustEnd]);
          // Ours covers exactly the token's text (the virtual space has no character); Rust's drops its first character.
          expect(rust.text.slice(start, end)).toBe(token.slice(1));
          differences.push(`${folder} ${JSON.stringify(rust.text)} ${token}: ours [${start}, ${end}), Rust [${rustStart}, ${rustEnd})`);
        });
      }
    }
    // The example of docs/tokenizers.md is among them.
    expect(differences).toContain('roberta "the dog<x>cat sat" Ġcat: ours [10, 13), Rust [11, 13)');
    expect(differences).toEqual([
      'roberta "the dog<x>cat sat" Ġcat: ours [10, 13), Rust [11, 13)',
      'roberta "<mask>hello world" Ġ: ours [6, 6), Rust [7, 7)',
      'roberta "newword, hello<new>" Ġ: ours [7, 7), Rust [8, 8)',
      'byte-level "<mask>hello world" Ġhello: ours [6, 11), Rust [7, 11)',
    ]);
  });
  test('offsets without trimming (trim_offsets false): a lone prefix-space token is empty in ours, the next character in Rust', () => {
    const spec = JSON.parse(fixture('roberta', 'tokenizer.json'));
    spec.pre_tokenizer.trim_offsets = false;
    spec.post_processor.trim_offsets = false;
    const tokenizer = readTokenizerJson(spec);
    const differences: string[] = [];
    for (const rust of JSON.parse(fixture('roberta', 'encodings-untrimmed.json')) as RustEncoding[]) {
      const ours = tokenizer.encode(rust.text);
      expect(ours.ids, rust.text).toEqual(rust.ids);
      ours.offsets.forEach(([start, end], i) => {
        const [rustStart, rustEnd] = rust.offsets[i]!;
        if (start !== rustStart || end !== rustEnd)
          differences.push(`${JSON.stringify(rust.text)} ${rust.tokens[i]}: ours [${start}, ${end}), Rust [${rustStart}, ${rustEnd})`);
      });
    }
    expect(differences).toEqual([
      '"hello world" Ġ: ours [0, 0), Rust [0, 1)',
      '"<mask>hello world" Ġ: ours [6, 6), Rust [6, 7)',
      '"hello <mask> world" Ġ: ours [0, 0), Rust [0, 1)',
      '"newword, hello<new>" Ġ: ours [7, 7), Rust [7, 8)',
    ]);
  });
});

/** Expects `run` to throw a TokenizerError whose message matches `message`. */
function refused(run: () => unknown, message: RegExp): void {
  expect(run).toThrow(TokenizerError);
  expect(run).toThrow(message);
}

describe('added-token ids: at most one past the vocabulary per new token', () => {
  const roberta = JSON.parse(fixture('roberta', 'tokenizer.json'));
  const withAdded = (edit: (added: { id: number; content: string }[]) => void) => {
    const j = structuredClone(roberta);
    edit(j.added_tokens);
    return JSON.stringify(j);
  };

  test('tokenizer.json: an id far past the vocabulary is refused, naming the token, the id and the bound', () => {
    // Rust's reader warns and renumbers this token to 300; we refuse it.
    refused(
      () => readTokenizerJson(withAdded((a) => (a[5]!.id = 2_000_000))),
      /^readTokenizerJson: added_tokens\[5\]: added token "newword" has id 2000000, past the ids added tokens may take: the 3 added token\(s\) not in the vocabulary take ids from 300 \(one past its largest id\) on, so every id must be below 303$/,
    );
    // The bound exactly: 303 is one too many, 302 is the last (it was <x>'s).
    refused(() => readTokenizerJson(withAdded((a) => (a[7]!.id = 303))), /added token "<x>" has id 303, .* every id must be below 303/);
    refused(
      () => readTokenizerJson(withAdded((a) => (a[5]!.id = 302))),
      /^readTokenizerJson: added_tokens\[7\]: added token "<x>" has id 302, which added token "newword" has too$/,
    );
  });

  test('tokenizer.json: any order and holes within the bound load (a hand-edited file)', () => {
    const swapped = readTokenizerJson(
      withAdded((a) => {
        a[5]!.id = 302;
        a[7]!.id = 300;
      }),
    );
    expect([swapped.tokenToId('newword'), swapped.tokenToId('<x>'), swapped.vocabSize]).toEqual([302, 300, 303]);
    expect(swapped.encode('a<x>b').ids).toContain(300);
  });

  test("tokenizer.json: an added token must keep the vocabulary's id for its text, and not take another token's id", () => {
    refused(
      () => readTokenizerJson(withAdded((a) => (a[4]!.id = 300))),
      /^readTokenizerJson: added_tokens\[4\]: added token "<mask>" has id 300, but the vocabulary gives it id 4$/,
    );
    refused(
      () => readTokenizerJson(withAdded((a) => (a[5]!.id = 7))),
      /^readTokenizerJson: added_tokens\[5\]: added token "newword" has id 7, which the vocabulary gives to "/,
    );
    refused(
      () => readTokenizerJson(withAdded((a) => (a[6]!.content = 'newword'))),
      /^readTokenizerJson: added_tokens\[6\]: added token "newword" appears twice$/,
    );
  });

  const wordPiece = () => new WordPieceModel(Vocab.fromEntries(Object.entries({ '[UNK]': 0, a: 1, b: 2 }), 'test'));
  const added = (id: unknown, content: unknown = '<x>', flags: Partial<AddedToken> = {}): AddedToken =>
    ({ id, content, special: true, singleWord: false, lstrip: false, rstrip: false, normalized: false, ...flags }) as AddedToken;

  test('the JavaScript API: the same bound, and every field checked', () => {
    const make = (addedTokens: unknown) => () => new Tokenizer({ model: wordPiece(), addedTokens: addedTokens as AddedToken[] });
    refused(
      make([added(2_000_000, '<far>')]),
      /^Tokenizer: addedTokens\[0\]: added token "<far>" has id 2000000, past the ids added tokens may take: .* from 3 .* below 4$/,
    );
    expect(make([added(4, '<y>'), added(3, '<x>')])().vocabSize).toBe(5);
    refused(make([added(5, '<y>'), added(3, '<x>')]), /addedTokens\[0\]: added token "<y>" has id 5, .* below 5$/);
    refused(make([added(3), added(3, '<y>')]), /addedTokens\[1\]: added token "<y>" has id 3, which added token "<x>" has too/);
    refused(make([added(2 ** 21)]), /addedTokens\[0\]: the id of added token "<x>" must be an integer in \[0, 2097151\], got 2097152/);
    refused(make([added(2.5)]), /addedTokens\[0\]: the id of added token "<x>" must be an integer .* got 2\.5/);
    refused(make([added(-1)]), /got -1/);
    refused(make([added('3')]), /got "3"/);
    refused(make([added(3, '')]), /^Tokenizer: addedTokens\[0\]\.content must be a non-empty string, got ""$/);
    refused(make([added(3, 7)]), /addedTokens\[0\]\.content must be a non-empty string, got 7/);
    refused(make([added(3, '<x>', { special: undefined })]), /^Tokenizer: addedTokens\[0\]\.special must be true or false, got undefined$/);
    refused(make([null]), /addedTokens\[0\] must be an added token object, got null/);
    refused(make({}), /^Tokenizer: addedTokens must be an array of added tokens, got a object$/);
    // [UNK] reuses its vocabulary id; a token in a hole below the vocabulary's end is fine too.
    const sparse = new WordPieceModel(Vocab.fromEntries(Object.entries({ '[UNK]': 0, a: 2 }), 'test'));
    const t = new Tokenizer({ model: sparse, addedTokens: [added(0, '[UNK]'), added(1, '<x>')] });
    expect([t.tokenToId('<x>'), t.vocabSize]).toEqual([1, 3]);
  });
});

describe('degenerate vocabularies are refused', () => {
  const bpeJson = JSON.parse(fixture('roberta', 'tokenizer.json'));
  const bertJson = JSON.parse(fixture('bert', 'tokenizer.json'));
  // biome-ignore lint/suspicious/noExplicitAny: the edits reach into arbitrary JSON
  const broken = (base: object, edit: (j: any) => void) => {
    const j = structuredClone(base);
    edit(j);
    return JSON.stringify(j);
  };

  test.each<[string, () => unknown, RegExp]>([
    [
      'empty BPE vocab (tokenizer.json)',
      () =>
        readTokenizerJson(
          broken(bpeJson, (j) => {
            j.model.vocab = {};
            j.model.merges = [];
          }),
        ),
      /^readTokenizerJson: model: the vocabulary is empty; a BPE model needs at least its alphabet$/,
    ],
    ['empty vocab.json', () => readVocabAndMerges('{}', '#version: 0.2\n'), /^readVocabAndMerges: vocab\.json is empty \(\{\}\)/],
    ['empty BPE vocab (API)', () => new BpeModel(new Vocab(), []), /^BpeModel: the vocabulary is empty/],
    [
      'a vocabulary grown past MAX_TOKEN_ID',
      () => {
        const vocab = new Vocab();
        vocab.add('last', MAX_TOKEN_ID, 'test');
        return vocab.push('one-more');
      },
      /^Vocab\.push: the vocabulary is full \(ids stop at 2097151\); cannot add "one-more"$/,
    ],
    [
      'empty WordPiece vocab (tokenizer.json)',
      () => readTokenizerJson(broken(bertJson, (j) => (j.model.vocab = {}))),
      /^readTokenizerJson: model: the vocabulary is empty; a WordPiece model needs at least its unk_token$/,
    ],
    ['empty vocab.txt', () => readVocabTxt(''), /^readVocabTxt: vocab\.txt is empty; it must list the vocabulary, one token a line$/],
    ['vocab.txt of one blank line', () => readVocabTxt('\n'), /^readVocabTxt: line 1 is empty$/],
    ['vocab.txt without its unk token', () => readVocabTxt('[PAD]\n[CLS]\nthe\n'), /^readVocabTxt: unk_token "\[UNK\]" is not in the vocabulary$/],
    [
      'WordPiece unk_token missing',
      () => readTokenizerJson(broken(bertJson, (j) => (j.model.unk_token = '<unk>'))),
      /unk_token "<unk>" is not in the vocabulary/,
    ],
    ['BPE unk_token missing', () => readTokenizerJson(broken(bpeJson, (j) => (j.model.unk_token = '<nope>'))), /unk_token "<nope>" is not in the vocabulary/],
    [
      'merge naming a token not in the vocab',
      () => readTokenizerJson(broken(bpeJson, (j) => (j.model.merges[3] = ['Ġ', 'zzz']))),
      /^readTokenizerJson: model: merge 3 \("Ġ" "zzz"\) uses "zzz", which is not in the vocabulary$/,
    ],
    [
      'merge whose result is missing',
      () =>
        readTokenizerJson(
          broken(bpeJson, (j) => {
            const [a, b] = j.model.merges[0];
            delete j.model.vocab[a + b];
          }),
        ),
      /^readTokenizerJson: model: merge 0 \(".*" ".*"\) uses ".*", which is not in the vocabulary$/,
    ],
    [
      'padding with an id no token has',
      () => readTokenizerJson(broken(bertJson, (j) => (j.padding = { strategy: 'BatchLongest', pad_id: 5000, pad_token: '[PAD]' }))),
      /^readTokenizerJson: padding\.pad_id 5000 is not the id of any token \(the vocabulary, added tokens included, has ids below 29\)$/,
    ],
    [
      'padding with an id no token has (API)',
      () => readTokenizerJson(fixture('bert', 'tokenizer.json')).encodeBatch(['a', 'a b'], { padding: { padId: 29 } }),
      /^Tokenizer\.encodeBatch: padding\.padId 29 is not the id of any token \(ids are below 29\)$/,
    ],
  ])('%s', (_name, run, message) => refused(run, message));
});
