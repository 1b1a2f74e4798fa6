import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import type { BigIntStats } from 'node:fs';
import { dirname } from 'node:path';
import { tempFileFor } from './fs-writer.js';

export { withFileLock } from './fs-lock.js';

/**
 * Writes a file so that a reader, another writer or a crash sees either the old content or
 * the new, never a torn file: write a temp file beside it, fsync it, rename it over the target
 * (atomic on POSIX file systems), then fsync the directory so the rename itself is durable.
 * Temp files start with a dot, so cassette listings never see them. `data` may come in pieces,
 * written one after the other. A write that fails (ENOSPC, EROFS, EACCES, EIO) removes its temp
 * file and leaves the old file as it was.
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
  const tmp = tempFileFor(file);
  const handle = await open(tmp, 'wx', 0o644);
  let written: BigIntStats;
  try {
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
