// A vocabulary: token ↔ id, with the bounds every file reader checks.
import { TokenizerError, describeValue } from './errors.js';

/** Largest id shaderformer accepts (2^21 - 1); pair keys of two ids stay exact in a double. */
export const MAX_TOKEN_ID = 2 ** 21 - 1;

/** Token ↔ id, both ways; ids need not be contiguous but stay below MAX_TOKEN_ID. */
export class Vocab {
  readonly tokenToId = new Map<string, number>();
  readonly idToToken: (string | undefined)[] = [];

  /** Builds a vocabulary from [token, id] entries; `where` names the caller and the file in errors. */
  static fromEntries(entries: Iterable<[string, unknown]>, where: string): Vocab {
    const vocab = new Vocab();
    for (const [token, id] of entries) vocab.add(token, id, where);
    vocab.checkDense(where);
    return vocab;
  }

  /** Adds `token` with `id`, checking both. */
  add(token: string, id: unknown, where: string): void {
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id > MAX_TOKEN_ID) {
      throw new TokenizerError(`${where}: the id of token ${describeValue(token)} must be an integer in [0, ${MAX_TOKEN_ID}], got ${describeValue(id)}`);
    }
    if (this.tokenToId.has(token)) throw new TokenizerError(`${where}: token ${describeValue(token)} appears twice`);
    const holder = this.idToToken[id];
    if (holder !== undefined) throw new TokenizerError(`${where}: id ${id} is given to both ${describeValue(holder)} and ${describeValue(token)}`);
    this.tokenToId.set(token, id);
    this.idToToken[id] = token;
  }

  /** Rejects id tables far larger than the number of tokens (a file with a few huge ids would otherwise cost memory). */
  checkDense(where: string): void {
    if (this.idLimit > 2 * this.size + 1024) {
      throw new TokenizerError(
        `${where}: the largest id is ${this.idLimit - 1} but there are only ${this.size} tokens; ids must be (nearly) contiguous from 0`,
      );
    }
  }

  /** Appends `token` with the next free id (the length of the id table) and returns that id. */
  push(token: string): number {
    const id = this.idToToken.length;
    // Trainers grow the vocabulary with push; past MAX_TOKEN_ID their pair keys (a·2^21 + b) would collide.
    if (id > MAX_TOKEN_ID) throw new TokenizerError(`Vocab.push: the vocabulary is full (ids stop at ${MAX_TOKEN_ID}); cannot add ${describeValue(token)}`);
    this.tokenToId.set(token, id);
    this.idToToken[id] = token;
    return id;
  }

  get size(): number {
    return this.tokenToId.size;
  }

  /** One past the largest id. */
  get idLimit(): number {
    return this.idToToken.length;
  }

  /** Entries in id order. */
  entries(): [string, number][] {
    const out: [string, number][] = [];
    this.idToToken.forEach((token, id) => {
      if (token !== undefined) out.push([token, id]);
    });
    return out;
  }
}
