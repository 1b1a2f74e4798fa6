/**
 * `tapedeck journal` as a tester meets it (built CLI: `npm run build` first): the journal of a
 * state directory `tapedeck tenants` made, as NDJSON and as text, one tenant's only; `--follow`
 * prints what is appended later (by another process, as a running sandbox would), line by line,
 * and ends cleanly on SIGTERM. No sleeps: each step waits for the line it needs.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteState } from '../../src/adapters/state/sqlite/index.js';
import type { JournalEntry } from '../../src/core/ports/journal.js';
import { defer, runCleanups } from '../helpers/cleanup.js';
import { runCli, runCliToEnd } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

afterEach(runCleanups);

const AT = Date.UTC(2025, 4, 1, 12);

function entry(i: number, tenant: string, over: Partial<JournalEntry> = {}): JournalEntry {
  return {
    at: AT + i * 1000,
    session: '',
    method: 'GET',
    path: `/widgets/${i}`,
    layer: 'state',
    status: 200,
    durationMs: 1.5,
    tenant,
    requestId: `req_${String(i).padStart(24, '0')}`,
    operation: 'getWidget',
    ...over,
  };
}

interface Line {
  readonly seq: number;
  readonly tenant: string;
  readonly path: string;
  readonly requestId: string;
}

const lines = (stdout: string): Line[] =>
  stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Line);

async function twoTenants(): Promise<{
  cwd: string;
  stateDir: string;
  acme: string;
  globex: string;
}> {
  const cwd = tempDir('tapedeck-journal-e2e-');
  const stateDir = join(cwd, 'state');
  for (const name of ['acme', 'globex']) {
    const created = await runCliToEnd(['tenants', 'create', name, '--state-dir', stateDir], {
      cwd,
    });
    expect(created.code, created.stderr).toBe(0);
  }
  const state = openSqliteState(stateDir);
  try {
    const acme = (await state.tenants.getByName('acme'))!.id;
    const globex = (await state.tenants.getByName('globex'))!.id;
    return { cwd, stateDir, acme, globex };
  } finally {
    await state.close();
  }
}

describe('tapedeck journal (built CLI)', () => {
  it('prints one tenant’s entries, oldest first: NDJSON with --json, one line each as text', async () => {
    const { cwd, stateDir, acme, globex } = await twoTenants();
    const state = openSqliteState(stateDir);
    await state.journal.append([
      entry(1, acme),
      entry(2, globex),
      entry(3, acme, { status: 404, layer: 'spec' }),
      entry(4, acme),
    ]);
    await state.close();

    const json = await runCliToEnd(
      ['journal', '--tenant', 'acme', '--json', '--state-dir', stateDir],
      {
        cwd,
      },
    );
    expect(json.code, json.stderr).toBe(0);
    const got = lines(json.stdout);
    expect(got.map((l) => l.path)).toEqual(['/widgets/1', '/widgets/3', '/widgets/4']);
    expect(got.every((l) => l.tenant === acme)).toBe(true);

    const filtered = await runCliToEnd(
      ['journal', '--tenant', acme, '--status', '4xx', '--json', '--state-dir', stateDir],
      { cwd },
    );
    expect(lines(filtered.stdout).map((l) => l.path)).toEqual(['/widgets/3']);

    const text = await runCliToEnd(
      ['journal', '--tenant', 'acme', '--limit', '2', '--state-dir', stateDir],
      {
        cwd,
      },
    );
    expect(text.code, text.stderr).toBe(0);
    const shown = text.stdout.trimEnd().split('\n');
    expect(shown).toHaveLength(2);
    expect(shown[0]).toMatch(
      /^2025-05-01T12:00:03\.000Z {2}404 {2}GET {5}\/widgets\/3 {2}spec {2}1\.5ms {2}getWidget {2}req=req_0+3 tenant=acme$/,
    );
    expect(text.stdout).not.toContain('\u001b['); // not a TTY: no colour

    const unknown = await runCliToEnd(['journal', '--tenant', 'initech', '--state-dir', stateDir], {
      cwd,
    });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('TD_TENANT_NOT_FOUND');
    const bad = await runCliToEnd(['journal', '--status', 'teapot', '--state-dir', stateDir], {
      cwd,
    });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--status must be a status such as 404');
  }, 60_000);

  it('--follow prints entries appended later, in order, and ends with 0 on SIGTERM', async () => {
    const { cwd, stateDir, acme, globex } = await twoTenants();
    const state = openSqliteState(stateDir);
    defer(() => state.close());
    await state.journal.append([entry(1, acme), entry(2, globex)]);

    const run = runCli(
      [
        'journal',
        '--tenant',
        'acme',
        '--follow',
        '--json',
        '--interval',
        '20ms',
        '--state-dir',
        stateDir,
      ],
      { cwd },
    );
    defer(() => {
      if (run.child.exitCode === null) run.child.kill('SIGKILL');
    });
    await run.waitFor(/"path":"\/widgets\/1"[^\n]*\n/);

    // Another process appends, as the sandbox does: only acme's reach the follower.
    await state.journal.append([entry(3, globex), entry(4, acme)]);
    await run.waitFor(/"path":"\/widgets\/4"[^\n]*\n/);
    await state.journal.append([entry(5, acme), entry(6, acme)]);
    await run.waitFor(/"path":"\/widgets\/6"[^\n]*\n/);

    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    const got = lines(run.stdout);
    expect(got.map((l) => l.path)).toEqual([
      '/widgets/1',
      '/widgets/4',
      '/widgets/5',
      '/widgets/6',
    ]);
    const seqs = got.map((l) => l.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
  }, 60_000);

  it('shows control characters in an entry as escapes, never raw to the terminal', async () => {
    // eslint-disable-next-line no-control-regex -- the characters a terminal must never get raw
    const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;
    // A state directory may come from anywhere: a path, session or violation holding ESC, a C1
    // CSI or a newline must not recolour the terminal or forge a second line.
    const { cwd, stateDir, acme } = await twoTenants();
    const state = openSqliteState(stateDir);
    await state.journal.append([
      entry(1, acme, {
        path: '/widgets/\u001b]0;pwned\u0007\u001b[2J',
        session: 'a\u009b31mb',
        conforms: false,
        violations: ['body /name: \r\n2025-05-01T00:00:00.000Z  200  GET /forged'],
      }),
    ]);
    await state.close();
    const text = await runCliToEnd(['journal', '--tenant', 'acme', '--state-dir', stateDir], {
      cwd,
    });
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).not.toMatch(RAW);
    const shown = text.stdout.trimEnd().split('\n');
    expect(shown).toHaveLength(1);
    expect(shown[0]).toContain('/widgets/\\u{1b}]0;pwned\\u{7}\\u{1b}[2J');
    expect(shown[0]).toContain('session=a\\u{9b}31mb');
    expect(shown[0]).toContain('"body /name: \\u{d}\\u{a}2025-05-01');
    // --json keeps the entry as stored: JSON escapes it.
    const json = await runCliToEnd(
      ['journal', '--tenant', 'acme', '--json', '--state-dir', stateDir],
      { cwd },
    );
    expect(json.stdout).not.toMatch(RAW);
    expect(lines(json.stdout)[0]!.path).toBe('/widgets/\u001b]0;pwned\u0007\u001b[2J');
  }, 60_000);

  it('--help shows examples and the exit codes', async () => {
    const cwd = tempDir('tapedeck-journal-help-');
    const help = await runCliToEnd(['journal', '--help'], { cwd });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('tapedeck journal --tenant acme --follow');
    expect(help.stdout).toContain('Exit codes: 0 done');
  });
});
