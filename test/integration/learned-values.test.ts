import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCleanups } from '../helpers/cleanup.js';
import { header, send } from '../helpers/client.js';
import { layout, startTapedeck } from '../helpers/tapedeck.js';
import { tmpDir } from '../helpers/tmp.js';
import { startUpstream } from '../helpers/upstream.js';

afterEach(runCleanups);

const KEY_ENV = { TAPEDECK_REDACTION_KEY: 'learned-values-test-key-0123' };
const OTHER_KEY_ENV = { TAPEDECK_REDACTION_KEY: 'another-key-for-the-replay-99' };
const SESSION = 'abc123';
const REF = 'ord-7f3k9q2m';

/** httpbin's cookie routes, plus an echo of JSON bodies and one route that hands out a ref. */
async function cookieUpstream() {
  return startUpstream((req, res) => {
    const url = new URL(req.url, 'http://upstream.invalid');
    const cookies = Object.fromEntries(
      (req.headers.cookie ?? '')
        .split(';')
        .map((c) => c.trim().split('='))
        .filter((p) => p.length === 2),
    );
    const json = (status: number, body: unknown, extra: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...extra });
      res.end(`${JSON.stringify(body)}\n`);
    };
    switch (url.pathname) {
      case '/cookies/set': {
        const session = url.searchParams.get('session') ?? '';
        res.writeHead(302, { location: '/cookies', 'set-cookie': `session=${session}; Path=/` });
        res.end();
        return;
      }
      case '/cookies':
        return json(200, { cookies, args: Object.fromEntries(url.searchParams) });
      case '/login':
        return json(200, { ok: true }, { 'set-cookie': `ref=${REF}; Path=/; HttpOnly` });
      case '/orders':
        return json(200, { echo: JSON.parse(req.body.toString() || 'null'), path: url.pathname });
      default:
        return json(404, { error: 'not found' });
    }
  });
}

/** The client's flow: it knows the session value it chose, and sends back the ref it was given. */
const FLOW: readonly { path: string; method?: string; body?: string; cookie?: string }[] = [
  { path: `/cookies/set?session=${SESSION}` },
  { path: `/cookies?session=${SESSION}`, cookie: `session=${SESSION}` },
  { path: '/cookies', cookie: `session=${SESSION}` },
  { path: '/login', method: 'POST', body: '{}' },
  { path: `/orders/${REF}?ref=${REF}`, cookie: `ref=${REF}` },
  { path: '/orders', method: 'POST', body: JSON.stringify({ ref: REF, note: `for ${REF}` }) },
];

async function runFlow(url: string) {
  const answers = [];
  for (const step of FLOW) {
    answers.push(
      await send(url, step.path, {
        method: step.method ?? 'GET',
        headers: {
          ...(step.cookie === undefined ? {} : { cookie: step.cookie }),
          ...(step.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(step.body === undefined ? {} : { body: step.body }),
      }),
    );
  }
  return answers;
}

describe('values learned from answers while recording', () => {
  it('are redacted on replay the way the recorder redacted them: the identical flow replays', async () => {
    const root = await tmpDir();
    const upstream = await cookieUpstream();
    const proxy = await startTapedeck('record', {
      ...layout(root),
      target: upstream.url,
      env: KEY_ENV,
    });
    const recorded = await runFlow(proxy.url);
    await proxy.stop();
    // Every request reached the local upstream, and nothing else was asked.
    expect(upstream.requests.map((r) => r.url)).toEqual(FLOW.map((s) => s.path));

    const file = readFileSync(join(root, 'cassettes', 'default.json'), 'utf8');
    // The recorder learned both values from Set-Cookie and replaced them everywhere.
    expect(file).not.toContain(SESSION);
    expect(file).not.toContain(REF);
    const cassette = JSON.parse(file) as {
      meta: { keyId: string };
      interactions: { request: { query: Record<string, string> } }[];
    };
    expect(cassette.interactions[1]!.request.query['session']).toMatch(/^tdp_/);
    expect(cassette.meta.keyId).toMatch(/^tdp_[a-z2-7]{24}$/);

    const replay = await startTapedeck('replay', { ...layout(root), env: KEY_ENV });
    // Twice: the first pass goes through the full pipeline, the second may be keyed fast.
    for (let round = 0; round < 2; round++) {
      const replayed = await runFlow(replay.url);
      for (const [i, answer] of replayed.entries()) {
        expect(
          header(answer.headers, 'x-tapedeck-miss'),
          `${FLOW[i]!.path}: ${answer.text()}`,
        ).toBe(undefined);
        expect(answer.status).toBe(recorded[i]!.status);
      }
      // Replay sends back what was recorded: the pseudonym, never the client's value.
      expect(replayed[1]!.text()).toContain(cassette.interactions[1]!.request.query['session']);
    }
    expect(replay.logger.lines.some((e) => e.event === 'replay.key')).toBe(false);
  });

  it('under another key are not recognized: replay says why at start-up, and the miss shows it', async () => {
    const root = await tmpDir();
    const upstream = await cookieUpstream();
    const proxy = await startTapedeck('record', {
      ...layout(root),
      target: upstream.url,
      env: KEY_ENV,
    });
    await runFlow(proxy.url);
    await proxy.stop();

    const replay = await startTapedeck('replay', { ...layout(root), env: OTHER_KEY_ENV });
    const warning = replay.logger.lines.find((e) => e.event === 'replay.key');
    expect(warning?.message).toContain('TAPEDECK_REDACTION_KEY');
    expect(warning?.message).toContain('default');
    // The request carries no cookie of its own to learn the value from: only the key could tell.
    const miss = await send(replay.url, `/cookies/set?session=${SESSION}`);
    expect(header(miss.headers, 'x-tapedeck-miss')).toBe('1');
    expect(miss.text()).toContain('recorded "<redacted>", request has "abc123"');
    expect(miss.text()).toContain('redaction key');
    // A body with a learned value misses the same way; a request with the cookie still matches.
    const posted = await send(replay.url, '/orders', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ref: REF, note: `for ${REF}` }),
    });
    expect(header(posted.headers, 'x-tapedeck-miss')).toBe('1');
    const withCookie = await send(replay.url, `/cookies?session=${SESSION}`, {
      headers: { cookie: `session=${SESSION}` },
    });
    expect(header(withCookie.headers, 'x-tapedeck-miss')).toBe(undefined);
    await replay.stop();
    // Appending under another key is said too.
    const other = await startTapedeck('record', {
      ...layout(root),
      target: upstream.url,
      env: OTHER_KEY_ENV,
    });
    await send(other.url, '/cookies?fresh=1');
    await other.stop();
    expect(other.logger.lines.filter((l) => l.event === 'record.key')).toHaveLength(1);
  });

  it('still replay a request recorded before the value was learned, as it was recorded', async () => {
    const root = await tmpDir();
    const upstream = await cookieUpstream();
    const proxy = await startTapedeck('record', {
      ...layout(root),
      target: upstream.url,
      env: KEY_ENV,
    });
    // The client sends the value before the API makes it a cookie: the recorder cannot know yet.
    const steps = [
      `/cookies?early=${SESSION}`,
      `/cookies/set?session=${SESSION}`,
      `/cookies?session=${SESSION}`,
    ];
    const recorded = [];
    for (const path of steps) recorded.push(await send(proxy.url, path));
    await proxy.stop();
    const cassette = JSON.parse(readFileSync(join(root, 'cassettes', 'default.json'), 'utf8')) as {
      interactions: { request: { query: Record<string, string> } }[];
    };
    expect(
      cassette.interactions.map((i) => i.request.query['early'] ?? i.request.query['session']),
    ).toEqual([SESSION, expect.stringMatching(/^tdp_/), expect.stringMatching(/^tdp_/)]);

    const replay = await startTapedeck('replay', { ...layout(root), env: KEY_ENV });
    for (const path of steps) {
      const answer = await send(replay.url, path);
      expect(header(answer.headers, 'x-tapedeck-miss'), answer.text()).toBe(undefined);
    }
    // The first answer is the one recorded before: the value as the API echoed it then.
    expect((await send(replay.url, steps[0]!)).json()).toEqual(recorded[0]!.json());
  });
});
