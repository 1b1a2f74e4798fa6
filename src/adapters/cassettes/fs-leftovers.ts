import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { lockKeyOf, removeFile, removeIfStale } from './fs-lock.js';
import { FOREIGN_STALE_MS, tempWriter, writerAlive } from './fs-writer.js';

/**
 * What `clearLeftovers` found: paths removed, paths kept because their writer still runs (or
 * cannot be judged from here yet), and entries it could not handle, with the reason.
 */
export interface Leftovers {
  readonly removed: string[];
  readonly kept: string[];
  readonly failed: { readonly path: string; readonly reason: string }[];
}

const LOCK = /^\.(.+)\.lock$/;
/** A takeover marker: `.td-KEY.ID.takeover`, and the name before keys, `.NAME.lock.ID.takeover`. */
const MARKER = /^\.td-([0-9a-f]{16})\.([0-9a-z]+)\.takeover$/;
const OLD_MARKER = /^(\..+\.lock)\.([0-9a-z]+)\.takeover$/;

/** An error's message without the path it repeats (the report names the path once). */
function reasonOf(error: unknown): string {
  return String((error as Error).message).replace(/,? '[^']*'( -> '[^']*')?$/, '');
}

/** Whether the temp file `path` (named `name`) is a dead writer's. */
async function deadTemp(path: string, name: string): Promise<boolean | undefined> {
  const writer = tempWriter(name);
  if (writer === undefined) return undefined;
  if (writer.byPid) return !writerAlive(writer.pid, writer.tag);
  // Another container, machine or boot: its pid means nothing here.
  const { mtimeMs } = await stat(path);
  return Date.now() - mtimeMs > FOREIGN_STALE_MS;
}

/**
 * Removes what writers killed mid-write left in a cassettes directory (and its folders, not
 * following symlinks nor entering dot folders such as .git): temp files whose writer is gone,
 * locks and takeover markers whose holder is gone (removed by the takeover protocol of
 * fs-lock.ts, so two processes starting together cannot remove each other's live lock). Files
 * of a writer that still runs (another recorder on the same folder) are kept, and so are those
 * of a writer of another host, pid namespace or boot until `FOREIGN_STALE_MS` old. An entry
 * that fails (a folder it cannot read, a file it cannot remove) is reported in `failed`; the
 * sweep goes on with the others.
 */
export async function clearLeftovers(directory: string): Promise<Leftovers> {
  const removed: string[] = [];
  const kept: string[] = [];
  const failed: { path: string; reason: string }[] = [];
  const walk = async (dir: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
        failed.push({ path: dir, reason: reasonOf(error) });
      return;
    }
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!entry.name.startsWith('.')) await walk(path);
        continue;
      }
      if (!entry.isFile() || !entry.name.startsWith('.')) continue;
      try {
        const temp = await deadTemp(path, entry.name);
        if (temp !== undefined) {
          if (temp) {
            await removeFile(path);
            removed.push(path);
          } else kept.push(path);
          continue;
        }
        const marker = MARKER.exec(entry.name);
        const oldMarker = marker === null ? OLD_MARKER.exec(entry.name) : null;
        const lock = LOCK.exec(entry.name);
        const key =
          marker !== null
            ? { dir, key: marker[1]! }
            : oldMarker !== null
              ? lockKeyOf(join(dir, oldMarker[1]!))
              : lock !== null
                ? lockKeyOf(path)
                : undefined;
        if (key === undefined) continue;
        if (await removeIfStale(key, path)) removed.push(path);
        else kept.push(path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
        failed.push({ path, reason: reasonOf(error) });
      }
    }
  };
  await walk(directory);
  return { removed, kept, failed };
}
