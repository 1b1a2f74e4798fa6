import type { BigIntStats } from 'node:fs';
import { open, readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { parseCassette, sealCassette, serializeCassetteChunks } from '../../core/cassette/codec.js';
import type { Cassette, NamedCassette } from '../../core/cassette/model.js';
import { checkCassetteName } from '../../core/cassette/name.js';
import { isTapedeckError, TapedeckError } from '../../core/errors.js';
import type { CassetteLoadProblem, CassetteStore, StoreLeftovers } from '../../core/ports/index.js';
import { withFileLock, writeFileAtomic } from './fs-atomic.js';
import { clearLeftovers } from './fs-leftovers.js';
import { shownPath } from '../system/paths.js';
import { loadEach } from './load-each.js';

/** What we last wrote to (or read from) a cassette file, and how to recognise that file. */
interface KnownFile {
  /** Device, inode, size, mtime and ctime of the file, as `identity` builds it. */
  readonly identity: string;
  /** Its content, sealed (deep-frozen): safe to hand to `update`'s change function. */
  readonly cassette: Cassette;
}

function identity(stats: BigIntStats): string {
  return `${stats.dev}:${stats.ino}:${stats.size}:${stats.mtimeNs}:${stats.ctimeNs}`;
}

/**
 * Cassettes as one pretty JSON file each (`NAME.json`) below a directory, ready for git.
 *
 * `update` remembers what it last wrote or read per file, with the file's identity (device,
 * inode, size, mtime, ctime). While the file on disk is still that file, the next update starts
 * from the remembered cassette without reading, parsing or validating it again; when anything
 * else changed it (another tapedeck process, a person, git), it is read and validated as usual.
 * The remembered cassette is deep-frozen and its interactions' serialized text is reused, so
 * appending to a big cassette costs little more than writing its bytes.
 */
export class FsCassetteStore implements CassetteStore {
  private readonly queues = new Map<string, Promise<unknown>>();
  private readonly known = new Map<string, KnownFile>();

  constructor(readonly directory: string) {}

  fileOf(name: string): string {
    return join(this.directory, `${checkCassetteName(name)}.json`);
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
      throw this.unreadable(file, error);
    }
    return parseCassette(text, shownPath(file)).cassette;
  }

  async loadAll(): Promise<{ cassettes: NamedCassette[]; problems: CassetteLoadProblem[] }> {
    return loadEach(await this.list(), (name) => {
      checkCassetteName(name, `cassette file name`);
      return this.load(name);
    });
  }

  /**
   * The cassette in `file` for an update (called under the file's lock): the remembered one when
   * the file is still the one we last wrote or read, else read, parsed and validated from disk.
   */
  private async current(file: string): Promise<Cassette | undefined> {
    const known = this.known.get(file);
    if (known !== undefined) {
      // Any doubt (the file is gone, or stat fails) means reading it the usual way below.
      const stats = await stat(file, { bigint: true }).catch(() => undefined);
      if (stats !== undefined && identity(stats) === known.identity) return known.cassette;
      this.known.delete(file);
    }
    let handle;
    try {
      handle = await open(file, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw this.unreadable(file, error);
    }
    let text: string;
    let stats: BigIntStats;
    try {
      // The identity is taken before reading: a change made while we read shows as a new one.
      stats = await handle.stat({ bigint: true });
      text = await handle.readFile('utf8');
    } catch (error) {
      throw this.unreadable(file, error);
    } finally {
      await handle.close();
    }
    const cassette = sealCassette(parseCassette(text, shownPath(file)).cassette, true);
    this.known.set(file, { identity: identity(stats), cassette });
    return cassette;
  }

  private unreadable(file: string, error: unknown): TapedeckError {
    return new TapedeckError(
      'TD_CASSETTE_INVALID',
      `Cannot read cassette ${shownPath(file)}: ${(error as Error).message}.`,
      {
        cause: error,
        details: { file: shownPath(file) },
      },
    );
  }

  /**
   * Removes temp files, locks and takeover markers left by writers killed mid-write (their
   * process is gone); keeps those of writers still running. Paths are shown relative.
   */
  async clearLeftovers(): Promise<StoreLeftovers> {
    const { removed, kept } = await clearLeftovers(this.directory);
    return { removed: removed.map((p) => shownPath(p)), kept: kept.map((p) => shownPath(p)) };
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
          const next = sealCassette(change(await this.current(file)));
          // Until the write is done, the file's state is not known for sure.
          this.known.delete(file);
          const written = await writeFileAtomic(file, serializeCassetteChunks(next));
          if (written !== undefined)
            this.known.set(file, { identity: identity(written), cassette: next });
        }),
      )
      .catch((error: unknown) => {
        if (isTapedeckError(error)) throw error;
        throw new TapedeckError(
          'TD_CASSETTE_WRITE_FAILED',
          `Could not write cassette ${shownPath(file)}: ${(error as Error).message}.`,
          {
            cause: error,
            details: { file: shownPath(file) },
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
