/**
 * The github preset end to end: `@octokit/rest` against `tapedeck sandbox --profile github` on
 * GitHub's own description (@octokit/openapi, in node_modules; never the network). Issues are
 * numbered per repository, pages follow the `Link` header Octokit reads, `lock` answers 204,
 * every refusal is in GitHub's shape (`{message, documentation_url, status}`), and the search
 * limit's 403 carries the `x-ratelimit-*` headers Octokit hands to its caller.
 */
import { createRequire } from 'node:module';
import { Octokit } from '@octokit/rest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type RunningSandbox } from '../helpers/sandbox.js';

const GITHUB_SPEC = createRequire(import.meta.url).resolve(
  '@octokit/openapi/generated/api.github.com.json',
);

let sandbox: RunningSandbox;
let key: string;
let otherKey: string;

beforeAll(async () => {
  // GitHub's own limits: core 5000/h (far above what these tests send) and search 30/min.
  sandbox = await startSandbox({
    spec: GITHUB_SPEC,
    profile: 'github',
    flags: [{ pointer: '/sandbox/rateLimits', value: 'profile', flag: 'test' }],
  });
  key = await sandbox.createTenant('acme');
  otherKey = await sandbox.createTenant('globex');
}, 120_000);

afterAll(async () => {
  await sandbox?.stop();
});

function client(auth: string): Octokit {
  // Octokit sends `Authorization: token KEY`; the tenant layer reads it like a Bearer key.
  return new Octokit({ auth, baseUrl: sandbox.url, retry: { enabled: false } });
}

async function refusal(call: Promise<unknown>): Promise<{ status: number; data: unknown }> {
  try {
    await call;
  } catch (error) {
    const e = error as { name: string; status: number; response?: { data: unknown } };
    expect(e.name).toBe('HttpError');
    return { status: e.status, data: e.response?.data };
  }
  throw new Error('expected the call to be refused');
}

describe('Octokit on the github preset', () => {
  const repo = { owner: 'octo', repo: 'hello' };

  it('creates issues numbered 1, 2, 3 per repository, gets and updates them', async () => {
    const octokit = client(key);
    const created = [];
    for (const title of ['First', 'Second', 'Third'])
      created.push(await octokit.rest.issues.create({ ...repo, title, body: `About ${title}` }));
    expect(created.map((c) => c.status)).toEqual([201, 201, 201]);
    expect(created.map((c) => c.data.number)).toEqual([1, 2, 3]);
    // Answered by the state layer, not generated from the spec.
    expect(created.map((c) => c.headers['x-tapedeck-layer' as 'etag'])).toEqual([
      'state',
      'state',
      'state',
    ]);
    expect(created[0]!.data).toMatchObject({ title: 'First', body: 'About First', state: 'open' });
    // Another repository counts on its own.
    const elsewhere = await octokit.rest.issues.create({
      owner: 'octo',
      repo: 'other',
      title: 'x',
    });
    expect(elsewhere.data.number).toBe(1);

    const got = await octokit.rest.issues.get({ ...repo, issue_number: 2 });
    expect(got.status).toBe(200);
    expect(got.data).toMatchObject({ number: 2, title: 'Second', body: 'About Second' });

    const closed = await octokit.rest.issues.update({
      owner: 'octo',
      repo: 'other',
      issue_number: 1,
      state: 'closed',
    });
    expect(closed.data).toMatchObject({ number: 1, state: 'closed', title: 'x' });
    const again = await octokit.rest.issues.get({ owner: 'octo', repo: 'other', issue_number: 1 });
    expect(again.data.state).toBe('closed');
  });

  it('lists 35 issues through octokit.paginate, following Link rel="next"', async () => {
    const octokit = client(key);
    for (let i = 4; i <= 35; i++)
      await octokit.rest.issues.create({ ...repo, title: `Issue ${i}` });
    const pages: number[] = [];
    const layers = new Set<string | undefined>();
    const issues = await octokit.paginate(
      octokit.rest.issues.listForRepo,
      { ...repo, per_page: 10 },
      (response) => {
        pages.push(response.data.length);
        layers.add(response.headers['x-tapedeck-layer' as 'etag']);
        return response.data;
      },
    );
    expect(pages).toEqual([10, 10, 10, 5]);
    expect([...layers]).toEqual(['state']);
    const numbers = issues.map((i) => i.number);
    expect([...numbers].sort((a, b) => a - b)).toEqual(Array.from({ length: 35 }, (_, i) => i + 1));
    expect(numbers[0]).toBe(35); // newest first, as GitHub lists by default
  });

  it('locks an issue with 204 and no body', async () => {
    const octokit = client(key);
    const locked = await octokit.rest.issues.lock({ ...repo, issue_number: 1 });
    expect(locked.status).toBe(204);
    expect(locked.data).toBeFalsy();
    expect(locked.headers['x-tapedeck-layer' as 'etag']).toBe('state');
    const read = await octokit.rest.issues.get({ ...repo, issue_number: 1 });
    expect(read.data).toMatchObject({ number: 1, locked: true, title: 'First' });
    await octokit.rest.issues.unlock({ ...repo, issue_number: 1 });
    expect((await octokit.rest.issues.get({ ...repo, issue_number: 1 })).data.locked).toBe(false);
  });

  it('another tenant gets 404 Not Found in GitHub’s shape, and sees an empty repository', async () => {
    const other = client(otherKey);
    const missing = await refusal(other.rest.issues.get({ ...repo, issue_number: 2 }));
    expect(missing.status).toBe(404);
    expect(missing.data).toEqual({
      message: 'Not Found',
      documentation_url: 'https://docs.github.com/rest',
      status: '404',
    });
    const listed = await other.rest.issues.listForRepo({ ...repo, per_page: 10 });
    expect(listed.data).toEqual([]);
    // The same 404 as an issue that never existed in the first tenant.
    const never = await refusal(client(key).rest.issues.get({ ...repo, issue_number: 999 }));
    expect(never).toEqual(missing);
  });

  it('a bad token is 401 Bad credentials', async () => {
    const bad = await refusal(
      client('tdk_test_not-a-real-key').rest.issues.get({ ...repo, issue_number: 1 }),
    );
    expect(bad.status).toBe(401);
    expect(bad.data).toMatchObject({ message: 'Bad credentials', status: '401' });
  });

  it('the search limit: 30 a minute, then a 403 whose x-ratelimit headers Octokit passes on', async () => {
    const octokit = client(otherKey);
    const first = await octokit.rest.search.issuesAndPullRequests({ q: 'repo:octo/hello' });
    expect(first.headers['x-ratelimit-resource']).toBe('search');
    expect(first.headers['x-ratelimit-limit']).toBe('30');
    expect(first.headers['x-ratelimit-remaining']).toBe('29');
    for (let i = 0; i < 29; i++)
      await octokit.rest.search.issuesAndPullRequests({ q: 'repo:octo/hello' });
    let refused: { status: number; response?: { headers: Record<string, string> } } | undefined;
    try {
      await octokit.rest.search.issuesAndPullRequests({ q: 'repo:octo/hello' });
    } catch (error) {
      refused = error as typeof refused;
    }
    expect(refused?.status).toBe(403);
    const headers = refused?.response?.headers ?? {};
    expect(headers['x-ratelimit-remaining']).toBe('0');
    expect(headers['x-ratelimit-resource']).toBe('search');
    expect(Number(headers['retry-after'])).toBeGreaterThanOrEqual(1);
    // What a client waits for: x-ratelimit-reset is epoch seconds, in the future.
    expect(Number(headers['x-ratelimit-reset'])).toBeGreaterThan(Math.floor(Date.now() / 1000));
    // The core class is untouched by the search limit.
    const issues = await octokit.rest.issues.listForRepo({ ...repo, per_page: 1 });
    expect(issues.headers['x-ratelimit-resource']).toBe('core');
  });
});
