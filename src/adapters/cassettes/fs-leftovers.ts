import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { removeIfStale } from './fs-lock.js';
import { tempWriter, writerAlive } from './fs-writer.js';

/** What `clearLeftovers` found: paths removed, and paths kept because their writer still runs. */
export interface Leftovers {
  readonly removed: string[];
  readonly kept: string[];
}

const LOCK = /^\.(.+)\.lock$/;
const MARKER = /^(\..+\.lock)\.([0-9a-z]+)\.takeover$/;

/**
 * Removes what writers killed mid-write left in a cassettes directory (and its folders, not
 * following symlinks nor entering dot folders such as .git): temp files whose writer is gone,
 * locks and takeover markers whose holder is gone (removed by the takeover protocol of
 * fs-lock.ts, so two processes starting together cannot remove each other's live lock). Files
 * of a writer that still runs (another recorder on the same folder) are kept.
 */
export async function clearLeftovers(directory: string): Promise<Leftovers> {
  const removed: string[] = [];
  const kept: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!entry.name.startsWith('.')) await walk(path);
        continue;
      }
      if (!entry.isFile() || !entry.name.startsWith('.')) continue;
      const writer = tempWriter(entry.name);
      if (writer !== undefined) {
        if (writerAlive(writer.pid, writer.tag)) kept.push(path);
        else {
          await rm(path, { force: true });
          removed.push(path);
        }
        continue;
      }
      const marker = MARKER.exec(entry.name);
      const lock = marker === null ? LOCK.exec(entry.name) : null;
      if (marker === null && lock === null) continue;
      const lockPath = marker === null ? path : join(dir, marker[1]!);
      if (await removeIfStale(lockPath, path)) removed.push(path);
      else kept.push(path);
    }
  };
  await walk(directory);
  return { removed, kept };
}
