import { createRequire } from 'node:module';
import { Octokit } from '@octokit/rest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { composeMockServer } from '../../src/app/compose/spec.js';
import { resolveConfig } from '../../src/app/config/config.js';
import type { MockServer } from '../../src/app/mock/server.js';
import { CollectingLogger } from '../helpers/logger.js';

/**
 * `@octokit/rest` against `tapedeck mock` on GitHub's own published description
 * (`@octokit/openapi`, 13 MB, ~1,100 operations), with Octokit's default headers
 * (`Accept: application/vnd.github.v3+json`): `repos.get`, a list and `paginate` work, and no
 * request leaves loopback — every URL Octokit fetched is the mock's, and the mock's journal
 * counts exactly as many requests as Octokit made.
 */

const require = createRequire(import.meta.url);
const GITHUB_SPEC = require.resolve('@octokit/openapi/generated/api.github.com.json');

interface Entry {
  readonly method: string;
  readonly path: string;
  readonly layer: string;
  readonly status: number;
}

let mock: { readonly server: MockServer; readonly url: string };
let loadMs = 0;
let cwd = '';

// One mock for the file (startMock's would be stopped after the first test), stopped after it.
// The whole description loads and listens in a few seconds (measured here, printed), so it is
// used as published: no subset is needed.
beforeAll(async () => {
  cwd = mkdtempSync(join(tmpdir(), 'tapedeck-octokit-'));
  const started = performance.now();
  const config = resolveConfig({
    cwd,
    env: {},
    flags: [
      { pointer: '/server/host', value: '127.0.0.1', flag: '--host' },
      { pointer: '/server/port', value: 0, flag: '--port' },
    ],
  }).config;
  const server = await composeMockServer(GITHUB_SPEC, config, new CollectingLogger(), {
    watch: false,
  });
  mock = { server, url: await server.listen() };
  loadMs = performance.now() - started;
  console.info(`GitHub description loaded and listening in ${Math.round(loadMs)} ms`);
}, 120_000);
afterAll(async () => {
  await mock?.server.stop();
  rmSync(cwd, { recursive: true, force: true });
});

/** An Octokit whose every fetched URL and every logged line is kept. */
function client(): { octokit: Octokit; fetched: string[]; answered: string[]; logged: string[] } {
  const fetched: string[] = [];
  const answered: string[] = [];
  const logged: string[] = [];
  const keep = (...args: unknown[]) => logged.push(args.map(String).join(' '));
  const octokit = new Octokit({
    baseUrl: mock.url,
    auth: 'ghp_test0000000000000000000000000000000000',
    log: { debug: keep, info: keep, warn: keep, error: keep },
    request: {
      fetch: (url: string | URL, init?: RequestInit) => {
        fetched.push(String(url));
        return fetch(url, init);
      },
    },
  });
  octokit.hook.after('request', (response) => {
    answered.push(response.url);
  });
  return { octokit, fetched, answered, logged };
}

async function journal(): Promise<Entry[]> {
  const response = await fetch(`${mock.url}/__tapedeck/journal?limit=500`);
  const { entries } = (await response.json()) as { entries: Entry[] };
  return entries.filter((e) => e.layer === 'spec');
}

function expectOnlyMock(urls: readonly string[]): void {
  const origin = new URL(mock.url).origin;
  expect(origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  for (const url of urls) expect(new URL(url).origin).toBe(origin);
}

describe('Octokit against the mock on GitHub’s description', () => {
  it('loads the whole description in reasonable time', () => {
    expect(readFileSync(GITHUB_SPEC).length).toBeGreaterThan(5_000_000);
    expect(mock.server).toBeDefined();
    expect(loadMs).toBeLessThan(60_000);
  });

  it('repos.get, a list and paginate succeed with the default headers and stay on loopback', async () => {
    const before = (await journal()).length;
    const { octokit, fetched, answered, logged } = client();

    const repo = await octokit.repos.get({ owner: 'octocat', repo: 'Hello-World' });
    expect(repo.status).toBe(200);
    expect(repo.data.full_name).toBe('octocat/Hello-World');
    // The example's API URLs now point at the mock; web URLs (github.com) are not the API.
    expect(repo.data.url).toBe(`${mock.url}/repos/octocat/Hello-World`);
    expect(repo.data.html_url).toBe('https://github.com/octocat/Hello-World');
    // A URL from a body is followable as is, and lands on the mock.
    const owned = await octokit.request(`GET ${repo.data.owner.repos_url}`);
    expect(owned.status).toBe(200);

    const page = await octokit.repos.listForOrg({ org: 'octo-org', per_page: 2 });
    expect(page.status).toBe(200);
    expect(Array.isArray(page.data)).toBe(true);
    expect(page.data.length).toBeGreaterThan(0);
    const link = page.headers.link ?? '';
    expect(link).toContain(`<${mock.url}/orgs/octo-org/repos?per_page=2&page=2>; rel="next"`);
    expect(link).toContain(`<${mock.url}/orgs/octo-org/repos?per_page=2&page=5>; rel="last"`);
    expect(link).not.toContain('api.github.com');

    const issues = await octokit.issues.listForRepo({ owner: 'octocat', repo: 'Hello-World' });
    expect(issues.status).toBe(200);
    expect(issues.data[0]?.repository_url).toBe(`${mock.url}/repos/octocat/Hello-World`);

    // The example's `rel="last"` is page 5: paginate reads five pages and stops.
    const all = await octokit.paginate(octokit.repos.listForOrg, { org: 'octo-org', per_page: 2 });
    expect(all.length).toBe(page.data.length * 5);

    const pages = fetched.filter((u) => new URL(u).pathname === '/orgs/octo-org/repos');
    expect(pages.map((u) => new URL(u).searchParams.get('page'))).toEqual([
      null,
      null,
      '2',
      '3',
      '4',
      '5',
    ]);

    // Nothing left loopback: every request Octokit made is one the mock answered.
    expect(fetched.length).toBe(1 + 1 + 1 + 1 + 5);
    expectOnlyMock(fetched);
    expectOnlyMock(answered);
    expect(answered.length).toBe(fetched.length);
    // Octokit's request log (one line per request) names only the mock.
    expect(logged.length).toBeGreaterThanOrEqual(fetched.length);
    // Octokit logs a request's URL with the base URL cut off: a URL elsewhere would show whole.
    for (const line of logged) {
      expect(line).not.toContain('api.github.com');
      for (const url of line.match(/https?:\/\/[^\s)]+/g) ?? []) expectOnlyMock([url]);
    }
    const entries = (await journal()).slice(0, (await journal()).length - before);
    expect(entries.length).toBe(fetched.length);
    expect(entries.every((e) => e.status === 200)).toBe(true);
    expect(entries.map((e) => e.path)).toContain('/orgs/{org}/repos');
  });

  it('keeps Octokit’s default Accept, and answers the GitHub media types alike', async () => {
    const { octokit, fetched } = client();
    const seen: string[] = [];
    octokit.hook.before('request', (options) => {
      seen.push(String(options.headers['accept']));
    });
    await octokit.repos.get({ owner: 'octocat', repo: 'Hello-World' });
    expect(seen).toEqual(['application/vnd.github.v3+json']);
    for (const accept of ['application/vnd.github+json', 'application/json; q=0.5, */*; q=0.1']) {
      const response = await fetch(`${mock.url}/repos/octocat/Hello-World`, {
        headers: { accept, authorization: 'token ghp_x' },
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    }
    const refused = await fetch(`${mock.url}/repos/octocat/Hello-World`, {
      headers: { accept: 'application/json;q=0, text/html', authorization: 'token ghp_x' },
    });
    expect(refused.status).toBe(406);
    expectOnlyMock(fetched);
  });
});
