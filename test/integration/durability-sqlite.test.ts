import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defer, runCleanups } from '../helpers/cleanup.js';
import { tempDir } from '../helpers/tmp.js';

afterEach(runCleanups);

/** The built state store (`npm run build` first): real processes, each with its connection. */
const STATE_MODULE = fileURLToPath(
  new URL('../../dist/adapters/state/sqlite/index.js', import.meta.url),
);

/**
 * A child that opens the state directory when it reads "go" (so every child opens a fresh
 * directory at once: the migration races too), appends `batches` journal batches of `rows` rows
 * and records drift findings, closing and opening the store again every 10 batches, and prints "done" or the error.
 */
const WRITER = `
import { openSqliteState } from ${JSON.stringify(STATE_MODULE)};
const [dir, name, batches, rows] = [process.argv[1], process.argv[2], Number(process.argv[3]), Number(process.argv[4])];
process.stdin.once('data', async () => {
  try {
    // Opened and closed again every 10 batches: each open meets the others' writes.
    let state = openSqliteState(dir);
    for (let b = 0; b < batches; b++) {
      if (b > 0 && b % 10 === 0) {
        await state.close();
        state = openSqliteState(dir);
      }
      const entries = Array.from({ length: rows }, (_, i) => ({
        at: b, session: name, method: 'GET', path: '/' + b + '/' + i, layer: 'upstream', status: 200, durationMs: 1,
      }));
      await state.journal.append(entries);
      await state.driftHistory.record(['f' + (b % 7)], b);
    }
    await state.close();
    process.stdout.write('done\\n');
    process.exit(0);
  } catch (error) {
    process.stdout.write('failed: ' + error.code + ' ' + error.message + '\\n');
    process.exit(1);
  }
});
process.stdout.write('ready\\n');
`;

function startWriter(
  dir: string,
  name: string,
  batches: number,
  rows: number,
): { child: ChildProcess; out: () => string; ready: Promise<void> } {
  const child = spawn(process.execPath, [
    '--input-type=module',
    '-e',
    WRITER,
    dir,
    name,
    String(batches),
    String(rows),
  ]);
  let out = '';
  const ready = new Promise<void>((resolve) => {
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('ready')) resolve();
    });
  });
  child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
  defer(() => child.kill('SIGKILL'));
  return { child, out: () => out, ready };
}

describe('two processes on one state directory', () => {
  it('opening, migrating and writing at once: busy waits, no lost journal row, 10 rounds, each process opening the file 10 times', async () => {
    expect(existsSync(STATE_MODULE), 'run `npm run build` first').toBe(true);
    const PROCESSES = 4;
    const ROUNDS = 10;
    const BATCHES = 100;
    const ROWS = 20;
    for (let round = 0; round < ROUNDS; round++) {
      const dir = join(tempDir(), 'state');
      const writers = Array.from({ length: PROCESSES }, (_, i) =>
        startWriter(dir, `p${i}`, BATCHES, ROWS),
      );
      await Promise.all(writers.map((w) => w.ready));
      for (const w of writers) w.child.stdin!.write('go\n');
      const codes = await Promise.all(writers.map((w) => once(w.child, 'exit')));
      const outputs = writers.map((w) => w.out()).join('');
      expect(outputs, `round ${round}`).not.toContain('failed');
      expect(codes.map(([code]) => code as number)).toEqual(writers.map(() => 0));
      const db = new Database(join(dir, 'state.db'), { readonly: true });
      defer(() => db.close());
      const perSession = db
        .prepare('SELECT session, COUNT(*) AS n FROM journal GROUP BY session ORDER BY session')
        .all() as { session: string; n: number }[];
      expect(perSession).toEqual(writers.map((_, i) => ({ session: `p${i}`, n: BATCHES * ROWS })));
      const seen = db.prepare('SELECT SUM(times_seen) AS n FROM drift_findings').get() as {
        n: number;
      };
      expect(seen.n).toBe(PROCESSES * BATCHES);
    }
  }, 60_000);
});
