import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { postStickyComment } from '../../src/app/compose/drift.js';
import { resolveGitHubTarget } from '../../src/app/drift/github.js';
import { DRIFT_COMMENT_MARKER } from '../../src/core/render/drift-markdown.js';
import { runCleanups } from '../helpers/cleanup.js';
import { startGitHubFake } from '../helpers/github-fake.js';
import { tempDir } from '../helpers/tmp.js';

afterEach(runCleanups);

const TOKEN = 'ghs_faketoken0123456789abcdefABCDEF0123';
const REPO = 'acme/api';

function envFor(url: string, extra: Record<string, string> = {}) {
  return { GITHUB_TOKEN: TOKEN, GITHUB_REPOSITORY: REPO, GITHUB_API_URL: url, ...extra };
}

async function failure(promise: Promise<unknown> | (() => unknown)) {
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (error) {
    return error as Error & { code: string; hint?: string; describe(): string };
  }
  throw new Error('expected a failure');
}

describe('drift --github: the sticky comment', () => {
  it('creates the comment on the first run and updates that same one afterwards', async () => {
    const gh = await startGitHubFake({ token: TOKEN, repository: REPO, prs: [7], pageSize: 2 });
    // Other people's comments, over several pages: the drift comment is found across pages.
    for (let i = 0; i < 5; i++) gh.addComment(7, `reviewer${i}`, `looks good ${i}`);
    const target = resolveGitHubTarget(envFor(gh.url), 7);

    const first = await postStickyComment(target, `${DRIFT_COMMENT_MARKER}\nrun 1`);
    expect(first.action).toBe('created');
    const second = await postStickyComment(target, `${DRIFT_COMMENT_MARKER}\nrun 2`);
    expect(second).toMatchObject({ action: 'updated', id: first.id });

    const ours = gh.comments.get(7)!.filter((c) => c.body.includes(DRIFT_COMMENT_MARKER));
    expect(ours).toHaveLength(1);
    expect(ours[0]!.body).toContain('run 2');
    expect(gh.violations).toEqual([]);
    // list (3 pages) + create, then list (4 pages: 6 comments, 2 a page) + patch
    expect(gh.calls.map((c) => `${c.method} ${c.path}`)).toEqual([
      ...Array(3).fill(`GET /repos/${REPO}/issues/7/comments`),
      `POST /repos/${REPO}/issues/7/comments`,
      ...Array(3).fill(`GET /repos/${REPO}/issues/7/comments`),
      `PATCH /repos/${REPO}/issues/comments/${first.id}`,
    ]);
    expect(gh.calls.find((c) => c.method === 'POST')!.body).toEqual({
      body: `${DRIFT_COMMENT_MARKER}\nrun 1`,
    });
  });

  it('when several comments carry the marker, updates the one written by the token’s user', async () => {
    const gh = await startGitHubFake({
      token: TOKEN,
      repository: REPO,
      prs: [3],
      login: 'drift-bot',
    });
    gh.addComment(3, 'someone-else', `${DRIFT_COMMENT_MARKER} quoted by a human`);
    const mine = gh.addComment(3, 'drift-bot', `${DRIFT_COMMENT_MARKER} old report`);
    const posted = await postStickyComment(
      resolveGitHubTarget(envFor(gh.url), 3),
      `${DRIFT_COMMENT_MARKER} new`,
    );
    expect(posted).toMatchObject({ action: 'updated', id: mine.id });
    expect(gh.violations).toEqual([]);
  });

  it('takes the pull request from the event payload', () => {
    const dir = tempDir();
    const event = join(dir, 'event.json');
    writeFileSync(event, JSON.stringify({ pull_request: { number: 42 } }));
    expect(
      resolveGitHubTarget(envFor('http://x', { GITHUB_EVENT_PATH: event }), undefined).pr,
    ).toBe(42);
    writeFileSync(event, JSON.stringify({ issue: { number: 9 } }));
    expect(
      resolveGitHubTarget(envFor('http://x', { GITHUB_EVENT_PATH: event }), undefined).pr,
    ).toBe(9);
    // --pr wins over the payload
    expect(resolveGitHubTarget(envFor('http://x', { GITHUB_EVENT_PATH: event }), 5).pr).toBe(5);
    expect(resolveGitHubTarget({ GITHUB_TOKEN: TOKEN, GITHUB_REPOSITORY: REPO }, 1).apiUrl).toBe(
      'https://api.github.com',
    );
  });

  it('says clearly what is missing: token, repository, pull request', async () => {
    const noToken = await failure(() => resolveGitHubTarget({ GITHUB_REPOSITORY: REPO }, 1));
    expect(noToken.code).toBe('TD_GITHUB_FAILED');
    expect(noToken.message).toMatch(/GITHUB_TOKEN is not set/);
    const noRepo = await failure(() => resolveGitHubTarget({ GITHUB_TOKEN: TOKEN }, 1));
    expect(noRepo.message).toMatch(/GITHUB_REPOSITORY is not set/);
    const badRepo = await failure(() =>
      resolveGitHubTarget({ GITHUB_TOKEN: TOKEN, GITHUB_REPOSITORY: 'nope' }, 1),
    );
    expect(badRepo.message).toMatch(/not owner\/repo/);
    const noPr = await failure(() => resolveGitHubTarget(envFor('http://x'), undefined));
    expect(noPr.message).toMatch(/needs a pull request/);
    expect(noPr.describe()).toMatch(/--pr/);
  });

  it('401, 404 and rate limiting are TD_GITHUB_FAILED errors that say what to do, never the token', async () => {
    const gh = await startGitHubFake({ token: TOKEN, repository: REPO, prs: [7] });
    const bad = await failure(
      postStickyComment(
        { ...resolveGitHubTarget(envFor(gh.url), 7), token: 'wrong-token-123456' },
        'x',
      ),
    );
    expect(bad.code).toBe('TD_GITHUB_FAILED');
    expect(bad.message).toMatch(/rejected the token \(401: Bad credentials\)/);
    expect(bad.describe()).toMatch(/GITHUB_TOKEN/);

    const noRepo = await failure(
      postStickyComment(
        resolveGitHubTarget({ ...envFor(gh.url), GITHUB_REPOSITORY: 'acme/gone' }, 7),
        'x',
      ),
    );
    expect(noRepo.message).toMatch(/404/);
    expect(noRepo.describe()).toMatch(/GITHUB_REPOSITORY and the PR number/);
    const noPr = await failure(postStickyComment(resolveGitHubTarget(envFor(gh.url), 99), 'x'));
    expect(noPr.message).toMatch(/no pull request #99 in acme\/api/);

    const reset = Math.floor(Date.UTC(2030, 0, 1, 12, 0, 0) / 1000);
    gh.rateLimitUntil = reset;
    const limited = await failure(postStickyComment(resolveGitHubTarget(envFor(gh.url), 7), 'x'));
    expect(limited.message).toMatch(/rate-limited/);
    expect(limited.message).toContain('2030-01-01T12:00:00.000Z');

    for (const e of [bad, noRepo, noPr, limited]) {
      expect(e.describe()).not.toContain(TOKEN);
      expect(JSON.stringify((e as unknown as { details: unknown }).details)).not.toContain(TOKEN);
    }
    expect(gh.violations).toEqual([]);
  });
});
