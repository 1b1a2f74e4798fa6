import { createRequire } from 'node:module';
import { Octokit } from '@octokit/rest';
import { afterEach, describe, expect, it } from 'vitest';
import { runCleanups, defer } from '../helpers/cleanup.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

// Runs the built CLI: `npm run build` first (npm test does).
afterEach(runCleanups);

const require = createRequire(import.meta.url);
const GITHUB_SPEC = require.resolve('@octokit/openapi/generated/api.github.com.json');

describe('Octokit against the built `tapedeck mock` on GitHub’s description', () => {
  it('paginates to the last page and every request it made reached the mock', async () => {
    const started = performance.now();
    const run = runCli(['mock', GITHUB_SPEC, '--port', '0'], { cwd: tempDir() });
    defer(async () => {
      run.child.kill('SIGINT');
      await run.exited;
    });
    // 13 MB of JSON: a few seconds alone, longer on a busy machine; the time is printed.
    const url = (await run.waitFor(/listening on (http:\/\/\S+)/, 90_000))[1]!;
    console.info(
      `tapedeck mock on GitHub's description listening after ${Math.round(performance.now() - started)} ms`,
    );
    const origin = new URL(url).origin;
    expect(origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const fetched: string[] = [];
    const octokit = new Octokit({
      baseUrl: url,
      auth: 'ghp_test0000000000000000000000000000000000',
      request: {
        fetch: (target: string | URL, init?: RequestInit) => {
          fetched.push(String(target));
          return fetch(target, init);
        },
      },
    });
    const issues = await octokit.paginate(octokit.issues.listForRepo, {
      owner: 'octocat',
      repo: 'Hello-World',
      per_page: 1,
    });
    expect(issues.length).toBeGreaterThan(0);
    expect(fetched.map((u) => new URL(u).searchParams.get('page'))).toEqual([
      null,
      '2',
      '3',
      '4',
      '5',
    ]);
    for (const u of fetched) expect(new URL(u).origin).toBe(origin);
    const journal = (await (await fetch(`${url}/__tapedeck/journal?limit=100`)).json()) as {
      entries: { layer: string; path: string; status: number }[];
    };
    const served = journal.entries.filter((e) => e.layer === 'spec');
    expect(served.length).toBe(fetched.length);
    expect(served.every((e) => e.path === '/repos/{owner}/{repo}/issues' && e.status === 200)).toBe(
      true,
    );
  }, 120_000);
});
