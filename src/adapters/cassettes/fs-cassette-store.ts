import { constants, type BigIntStats, type Dirent, type Stats } from 'node:fs';
import { open, readdir, realpath, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, sep } from 'node:path';
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
    return (await this.scan()).names;
  }

  /**
   * The cassette names below the directory, and the entries that look like cassettes but cannot
   * be one (docs/cassette-format.md, "What tapedeck refuses to load"): a `.json` that is a
   * directory, a FIFO, a socket or a device; a link that cannot be followed; a link (to a file
   * or a directory) that leads out of the cassettes directory. Each is a problem of its own,
   * never skipped without a word.
   */
  private async scan(): Promise<{ names: string[]; problems: CassetteLoadProblem[] }> {
    let entries: Dirent[];
    try {
      entries = await readdir(this.directory, { recursive: true, withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { names: [], problems: [] };
      throw error;
    }
    const names: string[] = [];
    const problems: CassetteLoadProblem[] = [];
    for (const entry of entries) {
      const rel = relative(this.directory, join(entry.parentPath, entry.name)).split(sep).join('/');
      // Dot files are temp files, locks or editor droppings; never cassettes.
      if (rel.split('/').some((segment) => segment.startsWith('.'))) continue;
      const json = entry.name.endsWith('.json');
      if (entry.isFile()) {
        if (json) names.push(rel.slice(0, -'.json'.length));
      } else if (entry.isSymbolicLink()) {
        // A link to a directory is not walked by readdir: one out of the folder would hide
        // the cassettes in it, so it is refused like a link to a file out of it.
        const problem = await this.linkProblem(rel, json);
        if (problem !== undefined) problems.push(problem);
        else if (json) names.push(rel.slice(0, -'.json'.length));
      } else if (json) {
        problems.push(
          this.entryProblem(rel, `is ${kindOf(entry)}, not a cassette file`, kindHint(entry)),
        );
      }
    }
    names.sort();
    return { names, problems };
  }

  /** The directory itself, links resolved: what "inside the cassettes directory" is measured by. */
  private root: Promise<string> | undefined;

  /** Whether the link at `rel` may be followed; a problem when it may not. */
  private async linkProblem(rel: string, json: boolean): Promise<CassetteLoadProblem | undefined> {
    const link = join(this.directory, rel);
    let target: string;
    let stats: Stats;
    try {
      target = await realpath(link);
      stats = await stat(target);
    } catch (error) {
      if (!json) return undefined;
      const code = (error as NodeJS.ErrnoException).code;
      return this.entryProblem(
        rel,
        code === 'ELOOP'
          ? 'is a symbolic link that loops back on itself'
          : `is a symbolic link to a file that does not exist (${code ?? 'unreadable'})`,
        'Remove the link, or point it at a cassette file inside the cassettes directory.',
      );
    }
    this.root ??= realpath(this.directory);
    const inside = relative(await this.root, target);
    if (inside === '' || inside.startsWith('..') || isAbsolute(inside)) {
      if (!json && !stats.isDirectory()) return undefined;
      return this.entryProblem(
        rel,
        `is a symbolic link to ${target}, outside the cassettes directory; tapedeck does not follow links out of it`,
        'Move or copy the cassette into the cassettes directory (or point `cassettes` at the folder that holds it), then remove the link.',
      );
    }
    if (!json) return undefined; // a link to a folder inside: its cassettes are listed already
    if (!stats.isFile())
      return this.entryProblem(
        rel,
        `is a symbolic link to ${statsKind(stats)}, not a cassette file`,
        'Remove the link, or point it at a cassette file.',
      );
    return undefined;
  }

  private entryProblem(rel: string, what: string, hint: string): CassetteLoadProblem {
    const file = shownPath(join(this.directory, rel));
    const name = rel.endsWith('.json') ? rel.slice(0, -'.json'.length) : rel;
    return {
      name,
      // The next step is part of the message: replay lists the messages of every refused file.
      error: new TapedeckError('TD_CASSETTE_INVALID', `Cassette ${file} ${what}. ${hint}`, {
        details: { file, entry: rel },
        hint,
      }),
    };
  }

  async load(name: string): Promise<Cassette | undefined> {
    const file = this.fileOf(name);
    await this.checkInside(file);
    return this.loadFile(file);
  }

  /**
   * Refuses a cassette path that leads out of the cassettes directory through a link (the file,
   * or a folder on its way, links elsewhere): the listing refuses such entries, and a cassette
   * named by a request or by `--cassette` must not read or write through one either. A path that
   * does not exist yet is measured by its nearest existing folder.
   */
  private async checkInside(file: string): Promise<void> {
    let real: string | undefined;
    for (let path = file; real === undefined;) {
      // Only what lies below the directory can lead out of it: when nothing below it exists
      // yet (a first write, perhaps racing another that creates the folder), there is no link.
      const below = relative(this.directory, path);
      if (below === '' || below.split(sep)[0] === '..' || isAbsolute(below)) return;
      try {
        real = await realpath(path);
      } catch (error) {
        // Loops and the like are reported by the read itself, with the file's name.
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return;
        path = dirname(path);
      }
    }
    let root: string;
    try {
      this.root ??= realpath(this.directory);
      root = await this.root;
    } catch {
      this.root = undefined;
      return; // no cassettes directory yet: nothing can lead out of it
    }
    const inside = relative(root, real);
    if (inside !== '' && (inside.split(sep)[0] === '..' || isAbsolute(inside))) {
      const rel = relative(this.directory, file).split(sep).join('/');
      throw this.entryProblem(
        rel,
        `leads to ${real}, outside the cassettes directory, through a symbolic link; tapedeck does not follow links out of it`,
        'Move or copy the cassette into the cassettes directory (or point `cassettes` at the folder that holds it), then remove the link.',
      ).error;
    }
  }

  private async loadFile(file: string): Promise<Cassette | undefined> {
    const bytes = await this.readBytes(file);
    if (bytes === undefined) return undefined;
    return parseCassette(bytes, shownPath(file)).cassette;
  }

  /**
   * The bytes of a cassette file, or undefined when there is none. Opened without blocking and
   * checked to be a regular file before it is read: a FIFO named `x.json` would otherwise wait
   * for a writer forever, and a directory cannot be read.
   */
  private async readBytes(file: string): Promise<Uint8Array | undefined> {
    let handle;
    try {
      handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw this.unreadable(file, error);
    }
    try {
      const stats = await handle.stat();
      if (!stats.isFile()) throw notAFile(file, stats);
      return await handle.readFile();
    } catch (error) {
      if (error instanceof TapedeckError) throw error;
      throw this.unreadable(file, error);
    } finally {
      await handle.close();
    }
  }

  async loadAll(): Promise<{ cassettes: NamedCassette[]; problems: CassetteLoadProblem[] }> {
    const { names, problems } = await this.scan();
    const loaded = await loadEach(names, (name) => {
      checkCassetteName(name, `cassette file name`);
      // The listing has refused every link out of the folder already.
      return this.loadFile(this.fileOf(name));
    });
    return { cassettes: loaded.cassettes, problems: [...problems, ...loaded.problems] };
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
      // Without blocking: a FIFO in the cassette's place must not hang the recorder.
      handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw this.unreadable(file, error);
    }
    let text: Uint8Array;
    let stats: BigIntStats;
    try {
      // The identity is taken before reading: a change made while we read shows as a new one.
      stats = await handle.stat({ bigint: true });
      if (!stats.isFile()) throw notAFile(file, stats);
      text = await handle.readFile();
    } catch (error) {
      if (error instanceof TapedeckError) throw error;
      throw this.unreadable(file, error);
    } finally {
      await handle.close();
    }
    const cassette = sealCassette(parseCassette(text, shownPath(file)).cassette, true);
    this.known.set(file, { identity: identity(stats), cassette });
    return cassette;
  }

  private unreadable(file: string, error: unknown): TapedeckError {
    const code = (error as NodeJS.ErrnoException).code;
    const hint =
      code === 'EACCES' || code === 'EPERM'
        ? 'Give the user running tapedeck read access to it (chmod/chown), or remove it.'
        : code === 'EISDIR'
          ? 'Rename the directory: names ending in .json are cassette files.'
          : 'Check the file, or remove it and re-record with `tapedeck record`.';
    return new TapedeckError(
      'TD_CASSETTE_INVALID',
      `Cannot read cassette ${shownPath(file)}: ${(error as Error).message}.`,
      {
        cause: error,
        details: { file: shownPath(file) },
        hint,
      },
    );
  }

  /**
   * Removes temp files, locks and takeover markers left by writers killed mid-write (their
   * process is gone); keeps those of writers still running. Paths are shown relative.
   */
  async clearLeftovers(): Promise<StoreLeftovers> {
    const { removed, kept, failed } = await clearLeftovers(this.directory);
    return {
      removed: removed.map((p) => shownPath(p)),
      kept: kept.map((p) => shownPath(p)),
      failed: failed.map((f) => `${shownPath(f.path)}: ${f.reason}`),
    };
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
      .then(async () => {
        // Before the lock, which is a file beside the cassette: nothing is written out there.
        if (!this.known.has(file)) await this.checkInside(file);
        return withFileLock(file, async () => {
          const next = sealCassette(change(await this.current(file)));
          // Until the write is done, the file's state is not known for sure.
          this.known.delete(file);
          const written = await writeFileAtomic(file, serializeCassetteChunks(next));
          if (written !== undefined)
            this.known.set(file, { identity: identity(written), cassette: next });
        });
      })
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

/** What a directory entry that is not a regular file is, for a message. */
function kindOf(entry: Dirent): string {
  if (entry.isDirectory()) return 'a directory';
  if (entry.isFIFO()) return 'a FIFO (named pipe)';
  if (entry.isSocket()) return 'a socket';
  if (entry.isCharacterDevice() || entry.isBlockDevice()) return 'a device';
  return 'not a regular file';
}

function kindHint(entry: Dirent): string {
  return entry.isDirectory()
    ? 'Rename the directory: names ending in .json are cassette files (a folder of cassettes may have any other name).'
    : 'Remove it or give it another name: only regular files named *.json are cassettes.';
}

function notAFile(file: string, stats: Stats | BigIntStats): TapedeckError {
  return new TapedeckError(
    'TD_CASSETTE_INVALID',
    `Cassette ${shownPath(file)} is ${statsKind(stats)}, not a cassette file.`,
    { details: { file: shownPath(file) }, hint: 'Remove it or give it another name.' },
  );
}

function statsKind(stats: Stats | BigIntStats): string {
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a FIFO (named pipe)';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'a device';
  return 'not a regular file';
}
