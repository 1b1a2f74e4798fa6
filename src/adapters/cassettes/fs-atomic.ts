import { mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import type { BigIntStats } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

let sequence = 0;

/**
 * Writes a file so that a reader, another writer or a crash sees either the old content or
 * the new, never a torn file: write a temp file beside it, fsync it, rename it over the target
 * (atomic on POSIX file systems), then fsync the directory so the rename itself is durable.
 * Temp files start with a dot, so cassette listings never see them. `data` may come in pieces,
 * written one after the other.
 *
 * Resolves to the `stat` of the file as it stands after the rename when it is still the file
 * written here (same device, inode, size and mtime as the temp file had), so a caller can tell
 * later whether the file has changed since; to undefined when it was replaced meanwhile.
 */
export async function writeFileAtomic(
  file: string,
  data: string | Uint8Array | readonly Uint8Array[],
): Promise<BigIntStats | undefined> {
  const dir = dirname(file);
  await mkdir(dir, { recursive: true });
  const tmp = join(dir, `.${basename(file)}.${process.pid}.${sequence++}.tmp`);
  const handle = await open(tmp, 'wx', 0o644);
  let written: BigIntStats;
  try {
    if (typeof data === 'string' || data instanceof Uint8Array) {
      await handle.writeFile(data);
    } else {
      // Pieces go out in one writev (libuv loops over IOV_MAX and short writes).
      const expected = data.reduce((sum, chunk) => sum + chunk.byteLength, 0);
      const { bytesWritten } = await handle.writev(data as Uint8Array[]);
      if (bytesWritten !== expected) {
        throw new Error(`short write to ${tmp}: ${bytesWritten} of ${expected} bytes`);
      }
    }
    await handle.sync();
    written = await handle.stat({ bigint: true });
  } finally {
    await handle.close();
  }
  try {
    await rename(tmp, file);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
  await syncDirectory(dir);
  // The rename changes the ctime; stat again so the identity includes it.
  const now = await stat(file, { bigint: true }).catch(() => undefined);
  return now !== undefined &&
    now.dev === written.dev &&
    now.ino === written.ino &&
    now.size === written.size &&
    now.mtimeNs === written.mtimeNs
    ? now
    : undefined;
}

async function syncDirectory(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch (error) {
    // Some file systems refuse fsync on a directory (EINVAL, EISDIR on a few platforms);
    // the rename has still happened, only its durability across power loss is weaker.
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'EISDIR' && code !== 'EPERM') throw error;
  } finally {
    await handle?.close();
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * A lock file beside `file` (created exclusively, holding our pid) so two tapedeck processes
 * updating the same cassette take turns instead of losing each other's interactions. A lock
 * left by a process that no longer runs is taken over.
 */
export async function withFileLock<T>(
  file: string,
  work: () => Promise<T>,
  timeoutMs = 10_000,
): Promise<T> {
  const lock = join(dirname(file), `.${basename(file)}.lock`);
  await mkdir(dirname(file), { recursive: true });
  const started = Date.now();
  let wait = 5;
  for (;;) {
    try {
      const handle = await open(lock, 'wx', 0o644);
      await handle.writeFile(String(process.pid));
      await handle.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number.parseInt(await readFile(lock, 'utf8').catch(() => ''), 10);
      const age = await stat(lock).then(
        (s) => Date.now() - s.mtimeMs,
        () => 0,
      );
      // A lock with no pid yet may be mid-creation; give it a moment before calling it stale.
      if (
        (Number.isInteger(holder) && !processAlive(holder)) ||
        (!Number.isInteger(holder) && age > 2_000)
      ) {
        await rm(lock, { force: true });
        continue;
      }
      if (Date.now() - started > timeoutMs) {
        throw new Error(
          `timed out after ${timeoutMs} ms waiting for lock ${lock} (held by pid ${holder})`,
        );
      }
      await sleep(wait);
      wait = Math.min(wait * 2, 100);
    }
  }
  try {
    return await work();
  } finally {
    await rm(lock, { force: true });
  }
}
