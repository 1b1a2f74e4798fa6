/**
 * Egress through the built CLI (issue 12, defect 1): with `forbiddenHosts: ["127.0.0.1",
 * "localhost"]`, every spelling of those hosts is refused before anything listens or connects —
 * record, replay --on-miss passthrough and drift — with exit code 2 (TD_TARGET_INVALID), and the
 * upstream on 127.0.0.1 never sees a connection. DNS rebinding needs an injected resolver and is
 * tested in test/integration/egress.test.ts.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BIN, runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { startUpstream } from '../helpers/upstream.js';
import { LOOPBACK_SPELLINGS } from '../helpers/loopback-spellings.js';

beforeAll(() => {
  if (!existsSync(join(BIN, '..', '..', 'dist', 'core', 'http', 'egress.js')))
    throw new Error('run `npm run build` before the e2e tests');
});

function project(forbiddenHosts: readonly string[]): string {
  const dir = tempDir();
  mkdirSync(join(dir, 'cassettes'));
  writeFileSync(
    join(dir, 'tapedeck.config.json'),
    JSON.stringify({ cassettes: 'cassettes', stateDir: 'state', upstream: { forbiddenHosts } }),
  );
  return dir;
}

/** Runs a command that must exit; one that listens instead is stopped and reported. */
async function refusedRun(args: readonly string[], cwd: string) {
  const run = runCli(args, { cwd });
  const listened = run.waitFor(/listening/, 15_000).then(
    () => run.child.kill('SIGTERM'),
    () => false,
  );
  const code = await run.exited;
  return { code, listened: await listened, stdout: run.stdout, stderr: run.stderr };
}

const SPELLINGS = LOOPBACK_SPELLINGS;

describe('tapedeck egress (built CLI)', () => {
  it('record refuses every spelling of a forbidden host, exit 2, nothing contacted', async () => {
    const up = await startUpstream((_req, res) => res.end('must not be reached'));
    const dir = project(['127.0.0.1', 'localhost']);
    for (const spelling of SPELLINGS) {
      const target = spelling.replace('PORT', String(up.port));
      const run = await refusedRun(['record', '--target', target, '--port', '0'], dir);
      expect(run.listened, `${target} started`).toBe(false);
      expect(run.code, `${target}: ${run.stderr}`).toBe(2);
      expect(run.stderr).toContain('TD_TARGET_INVALID');
      expect(run.stderr).toContain('forbiddenHosts');
      expect(run.stdout).not.toContain('listening');
    }
    expect(up.connections()).toBe(0);
  });

  it('replay --on-miss passthrough and drift refuse [::ffff:7f00:1], exit 2', async () => {
    const up = await startUpstream((_req, res) => res.end('must not be reached'));
    const dir = project(['127.0.0.1', 'localhost']);
    const target = `http://[::ffff:7f00:1]:${up.port}`;
    const replay = await refusedRun(
      ['replay', '--on-miss', 'passthrough', '--target', target, '--port', '0'],
      dir,
    );
    expect(replay.listened).toBe(false);
    expect(replay.code, replay.stderr).toBe(2);
    expect(replay.stderr).toContain('forbiddenHosts');
    const drift = await refusedRun(['drift', '--target', target], dir);
    expect(drift.code, drift.stderr).toBe(2);
    expect(drift.stderr).toContain('forbiddenHosts');
    expect(up.connections()).toBe(0);
  });

  it('a list entry that is no host is refused at load, named by index', async () => {
    const dir = project(['localhost', 'https://api.example.com/v1']);
    const run = await refusedRun(['record', '--target', 'http://127.0.0.3:9', '--port', '0'], dir);
    expect(run.listened).toBe(false);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('upstream.forbiddenHosts[1]');
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});
