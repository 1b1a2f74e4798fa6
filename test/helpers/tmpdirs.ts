import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defer } from './cleanup.js';

/**
 * A fresh temporary directory, removed after the test by `runCleanups` (after the servers
 * that write into it have stopped, since cleanups run in reverse order).
 */
export async function tmpDir(prefix = 'tapedeck-it-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  defer(() => rm(dir, { recursive: true, force: true }));
  return dir;
}
