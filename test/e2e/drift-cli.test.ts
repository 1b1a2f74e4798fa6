/**
 * `tapedeck drift` through the built CLI, as a user (or a CI job) runs it: exit codes, --out,
 * --json (file and stdout), --github against the fake GitHub, and the echoed credential in no
 * output. Needs `npm run build` first.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DRIFT_COMMENT_MARKER } from '../../src/core/render/drift-markdown.js';
import { leakedForms } from '../helpers/canaries.js';
import { runCleanups } from '../helpers/cleanup.js';
import { BIN, runCliToEnd } from '../helpers/cli.js';
import {
  recordCorpus,
  startDriftingUpstream,
  type DriftingUpstream,
} from '../helpers/drifting-upstream.js';
import { startGitHubFake } from '../helpers/github-fake.js';
import { layout, startTapedeck } from '../helpers/tapedeck.js';
import { tempDir } from '../helpers/tmp.js';

afterEach(runCleanups);

const KEY = 'e2e-drift-key-0123456789abcdef012';

beforeAll(() => {
  if (!existsSync(join(BIN, '..', '..', 'dist', 'cli', 'commands', 'drift.js')))
    throw new Error('run `npm run build` before the e2e tests');
});

interface Setup {
  root: string;
  upstream: DriftingUpstream;
  token: string;
  env: Record<string, string>;
}

async function recorded(): Promise<Setup> {
  const root = tempDir();
  const dirs = layout(root);
  const token = `canary${Buffer.from(crypto.getRandomValues(new Uint8Array(12))).toString('hex')}`;
  const upstream = await startDriftingUpstream(token);
  const env = { TAPEDECK_REDACTION_KEY: KEY, STAGING_TOKEN: token };
  const proxy = await startTapedeck('record', { ...dirs, target: upstream.url, env });
  await recordCorpus(proxy.url, token);
  await proxy.stop();
  const flowFile = join(dirs.cassettes, 'orders-flow.json');
  const flow = JSON.parse(await readFile(flowFile, 'utf8')) as { meta?: object };
  await writeFile(flowFile, JSON.stringify({ ...flow, meta: { ...flow.meta, replayable: true } }));
  await writeFile(
    join(root, 'tapedeck.config.json'),
    JSON.stringify({
      cassettes: 'cassettes',
      stateDir: 'state',
      drift: {
        target: upstream.url,
        credentials: { authorization: 'STAGING_TOKEN' },
        headers: ['x-seen-token'],
        timeoutMs: 1500,
        retries: 0,
      },
    }),
  );
  upstream.version = 'v2';
  return { root, upstream, token, env };
}

function expectNoLeak(token: string, outputs: Record<string, string>) {
  for (const [name, text] of Object.entries(outputs))
    expect(leakedForms(text, token), `${name} leaks the credential`).toEqual([]);
}

describe('tapedeck drift (built CLI)', () => {
  it('writes --out and --json, prints the summary, exits 1 on breaking drift, and leaks nothing', async () => {
    const { root, token, env } = await recorded();
    const run = await runCliToEnd(
      ['drift', '--out', 'report/drift.md', '--json', 'report/drift.json'],
      {
        cwd: root,
        env,
      },
    );
    expect(run.stderr).toContain('[TD_DRIFT_FOUND]');
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/breaking/);
    expect(run.stdout).toContain('wrote ');
    // Plain progress lines off a TTY.
    expect(run.stderr).toMatch(/drift: \d+\/23 interaction\(s\) checked/);
    const md = await readFile(join(root, 'report', 'drift.md'), 'utf8');
    const json = await readFile(join(root, 'report', 'drift.json'), 'utf8');
    expect(md).toContain(DRIFT_COMMENT_MARKER);
    const report = JSON.parse(json) as {
      version: number;
      verdict: string;
      totals: { unchecked: number };
    };
    expect(report).toMatchObject({ version: 1, verdict: 'breaking' });
    expect(report.totals.unchecked).toBe(6);
    expectNoLeak(token, { stdout: run.stdout, stderr: run.stderr, md, json });
  }, 60_000);

  it('--fail-on none exits 0; --json alone prints the report to stdout and the summary to stderr', async () => {
    const { root, token, env } = await recorded();
    const run = await runCliToEnd(['drift', '--json', '--fail-on', 'none'], { cwd: root, env });
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as { version: number; interactions: unknown[] };
    expect(report.version).toBe(1);
    expect(report.interactions).toHaveLength(23);
    expect(run.stderr).toMatch(/breaking/);
    expectNoLeak(token, { stdout: run.stdout, stderr: run.stderr });
  }, 60_000);

  it('--github creates the sticky comment once and updates it on the next run', async () => {
    const { root, token, env } = await recorded();
    const ghToken = 'ghs_e2e0123456789abcdefABCDEF01234567';
    const gh = await startGitHubFake({ token: ghToken, repository: 'acme/api', prs: [12] });
    const ghEnv = {
      ...env,
      GITHUB_TOKEN: ghToken,
      GITHUB_REPOSITORY: 'acme/api',
      GITHUB_API_URL: gh.url,
    };
    const first = await runCliToEnd(['drift', '--github', '--pr', '12', '--fail-on', 'none'], {
      cwd: root,
      env: ghEnv,
    });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/created the drift comment on pull request #12/);
    const second = await runCliToEnd(['drift', '--github', '--pr', '12', '--fail-on', 'none'], {
      cwd: root,
      env: ghEnv,
    });
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toMatch(/updated the drift comment on pull request #12/);
    const comments = gh.comments.get(12)!;
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toContain(DRIFT_COMMENT_MARKER);
    expect(gh.violations).toEqual([]);
    expectNoLeak(token, {
      comment: comments[0]!.body,
      stdout: second.stdout,
      stderr: second.stderr,
    });
    expectNoLeak(ghToken, {
      stdout: first.stdout + second.stdout,
      stderr: first.stderr + second.stderr,
    });

    // A rejected token: exit 4 with a clear error, after the report file and the summary.
    const badToken = 'ghs_revoked0123456789abcdefABCDEF012345';
    const third = await runCliToEnd(
      ['drift', '--github', '--pr', '12', '--fail-on', 'none', '--out', 'drift.md'],
      { cwd: root, env: { ...ghEnv, GITHUB_TOKEN: badToken } },
    );
    expect(third.code).toBe(4);
    expect(third.stderr).toContain('[TD_GITHUB_FAILED]');
    expect(third.stderr).toMatch(/rejected the token/);
    expect(third.stdout).toMatch(/wrote .*drift\.md/);
    expect(existsSync(join(root, 'drift.md'))).toBe(true);
    expectNoLeak(badToken, { stdout: third.stdout, stderr: third.stderr });
  }, 60_000);

  it('exits 4 when the target answers nothing, and 2 on a bad flag or a missing credential', async () => {
    const { root, env, upstream } = await recorded();
    await upstream.close();
    const down = await runCliToEnd(['drift'], { cwd: root, env });
    expect(down.code).toBe(4);
    expect(down.stderr).toContain('[TD_DRIFT_UNCHECKED]');

    const badFlag = await runCliToEnd(['drift', '--fail-on', 'sometimes'], { cwd: root, env });
    expect(badFlag.code).toBe(2);
    const noCredential = await runCliToEnd(['drift'], {
      cwd: root,
      env: { TAPEDECK_REDACTION_KEY: KEY },
    });
    expect(noCredential.code).toBe(2);
    expect(noCredential.stderr).toContain('STAGING_TOKEN');
    const noGitHubToken = await runCliToEnd(['drift', '--github', '--pr', '1'], { cwd: root, env });
    expect(noGitHubToken.code).toBe(4);
    expect(noGitHubToken.stderr).toContain('GITHUB_TOKEN is not set');
  }, 60_000);
});
