import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { parseCassette, serializeCassette } from '../core/cassette/codec.js';
import type { Cassette, NamedCassette } from '../core/cassette/model.js';
import { checkCassetteName } from '../core/cassette/name.js';
import { isTapedeckError, TapedeckError } from '../core/errors.js';
import type { CassetteLoadProblem, CassetteStore } from '../core/ports.js';
import { withFileLock, writeFileAtomic } from './fs-atomic.js';

/** Cassettes as one pretty JSON file each (`NAME.json`) below a directory, ready for git. */
export class FsCassetteStore implements CassetteStore {
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(readonly directory: string) {}

  fileOf(name: string): string {
    return join(this.directory, `${checkCassetteName(name)}.json`);
  }

  /** The path shown to people: relative to the working directory when that is shorter. */
  private display(file: string): string {
    const rel = relative(process.cwd(), file);
    return rel.startsWith('..') ? file : rel;
  }

  async list(): Promise<string[]> {
    let entries;
    try {
      entries = await readdir(this.directory, { recursive: true, withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const names: string[] = [];
    for (const entry of entries) {
      if (!entry.isFile() || !entry.name.endsWith('.json')) continue;
      const rel = relative(this.directory, join(entry.parentPath, entry.name)).split(sep).join('/');
      // Dot files are temp files, locks or editor droppings; never cassettes.
      if (rel.split('/').some((segment) => segment.startsWith('.'))) continue;
      names.push(rel.slice(0, -'.json'.length));
    }
    return names.sort();
  }

  async load(name: string): Promise<Cassette | undefined> {
    const file = this.fileOf(name);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new TapedeckError(
        'TD_CASSETTE_INVALID',
        `Cannot read cassette ${this.display(file)}: ${(error as Error).message}.`,
        {
          cause: error,
          details: { file: this.display(file) },
        },
      );
    }
    return parseCassette(text, this.display(file)).cassette;
  }

  async loadAll(): Promise<{ cassettes: NamedCassette[]; problems: CassetteLoadProblem[] }> {
    const cassettes: NamedCassette[] = [];
    const problems: CassetteLoadProblem[] = [];
    for (const name of await this.list()) {
      try {
        checkCassetteName(name, `cassette file name`);
        const cassette = await this.load(name);
        if (cassette !== undefined) cassettes.push({ name, cassette });
      } catch (error) {
        if (!isTapedeckError(error)) throw error;
        problems.push({ name, error });
      }
    }
    return { cassettes, problems };
  }

  update(name: string, change: (current: Cassette | undefined) => Cassette): Promise<void> {
    let file: string;
    try {
      file = this.fileOf(name);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    const previous = this.queues.get(file) ?? Promise.resolve();
    const run = previous
      .catch(() => undefined)
      .then(() =>
        withFileLock(file, async () => {
          const next = change(await this.load(name));
          await writeFileAtomic(file, serializeCassette(next));
        }),
      )
      .catch((error: unknown) => {
        if (isTapedeckError(error)) throw error;
        throw new TapedeckError(
          'TD_CASSETTE_WRITE_FAILED',
          `Could not write cassette ${this.display(file)}: ${(error as Error).message}.`,
          {
            cause: error,
            details: { file: this.display(file) },
            hint: 'Check that the cassettes directory is writable and the disk has space.',
          },
        );
      });
    this.queues.set(file, run);
    void run
      .finally(() => {
        if (this.queues.get(file) === run) this.queues.delete(file);
      })
      .catch(() => undefined);
    return run;
  }
}
