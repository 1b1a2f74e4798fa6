import { parseCassette, serializeCassette } from '../../core/cassette/codec.js';
import type { Cassette, NamedCassette } from '../../core/cassette/model.js';
import { checkCassetteName } from '../../core/cassette/name.js';
import type { CassetteLoadProblem, CassetteStore } from '../../core/ports/index.js';
import { loadEach } from './load-each.js';

/**
 * Cassettes held in memory as their serialized text, so they go through the same parse and
 * validation as files do. For tests and for embedding tapedeck in a test runner.
 */
export class MemoryCassetteStore implements CassetteStore {
  private readonly files = new Map<string, string>();
  private queue: Promise<unknown> = Promise.resolve();

  /** Puts raw text in place, as if a file had been written by hand (it may be invalid). */
  putRaw(name: string, text: string): void {
    this.files.set(checkCassetteName(name), text);
  }

  list(): Promise<string[]> {
    return Promise.resolve([...this.files.keys()].sort());
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- async turns throws into rejections
  async load(name: string): Promise<Cassette | undefined> {
    const text = this.files.get(checkCassetteName(name));
    return text === undefined ? undefined : parseCassette(text, `memory:${name}`).cassette;
  }

  async loadAll(): Promise<{ cassettes: NamedCassette[]; problems: CassetteLoadProblem[] }> {
    return loadEach(await this.list(), (name) => this.load(name));
  }

  update(name: string, change: (current: Cassette | undefined) => Cassette): Promise<void> {
    let checked: string;
    try {
      checked = checkCassetteName(name);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    const run = this.queue
      .catch(() => undefined)
      .then(async () => {
        const next = change(await this.load(checked));
        this.files.set(checked, serializeCassette(next));
      });
    this.queue = run;
    return run;
  }
}
