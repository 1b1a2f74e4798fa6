import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { defer, runCleanups } from './cleanup.js';

afterEach(runCleanups);

/**
 * A fresh temp directory, removed after the current test. Removal is a deferred cleanup, so it
 * runs after the servers that write into the directory (opened later) have stopped.
 */
export function tempDir(prefix = 'tapedeck-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  defer(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The same, for call sites that await. */
export function tmpDir(prefix = 'tapedeck-it-'): Promise<string> {
  return Promise.resolve(tempDir(prefix));
}
