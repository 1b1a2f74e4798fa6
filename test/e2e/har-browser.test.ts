/**
 * HAR in and out with a real browser: Debian's Chromium (never a downloaded build), driven by
 * playwright-core, records a HAR of a page on a local server that sets a session cookie and
 * calls its API with a bearer token. The built CLI imports it; the cassettes hold neither secret
 * in any form; `tapedeck replay` answers the same requests; an export reads back into the same
 * interactions, and Playwright itself serves the page from the exported HAR (routeFromHAR), so a
 * second HAR consumer reads what tapedeck writes. One browser launch for all of it.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { runCliToEnd, startServerCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const CHROMIUM = '/usr/bin/chromium';
const KEY = { TAPEDECK_REDACTION_KEY: 'har-e2e-redaction-key-0123456789abcdef' };
// Characters that base64 and URL encoding change, so each encoded form is a different string.
const TOKEN = 'k7Q+pX/2mN9=wR4tZ8vB1yL6';
const COOKIE = 'sess-1f9e8d7c6b5a4f3e2d1c';
const BINARY = Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 53) % 256));

/** Every form in which a secret could sit in a file. */
function forms(secret: string): string[] {
  const b64 = Buffer.from(secret).toString('base64');
  return [
    secret,
    encodeURIComponent(secret),
    b64,
    b64.replace(/=+$/, ''),
    Buffer.from(secret).toString('base64url'),
    Buffer.from(`Bearer ${secret}`).toString('base64'),
  ];
}

const PAGE = `<!doctype html><html><head><title>loading</title><link rel="icon" href="data:,"></head><body>
<img src="data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7">
<script>
const token = ${JSON.stringify(TOKEN)};
(async () => {
  const auth = { Authorization: 'Bearer ' + token };
  const me = await (await fetch('/api/me', { headers: auth })).json();
  const made = await (await fetch('/api/items?page=2&sort=name', {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'widget', qty: 3 }),
  })).json();
  const session = await (await fetch('/api/session')).json();
  const packed = await (await fetch('/api/gzip')).json();
  const bin = await (await fetch('/bin')).arrayBuffer();
  document.title = ['done', me.user, made.id, session.seen, packed.items.length, bin.byteLength].join(' ');
})().catch((e) => { document.title = 'failed ' + e; });
</script></body></html>`;

interface Hit {
  readonly method: string;
  readonly url: string;
  readonly authorization?: string;
  readonly cookie?: string;
}

function testServer(): Promise<{ origin: string; server: Server; hits: Hit[] }> {
  const hits: Hit[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      hits.push({
        method: req.method ?? '',
        url: req.url ?? '',
        ...(req.headers.authorization === undefined
          ? {}
          : { authorization: req.headers.authorization }),
        ...(req.headers.cookie === undefined ? {} : { cookie: req.headers.cookie }),
      });
      const authorized = req.headers.authorization === `Bearer ${TOKEN}`;
      const json = (status: number, value: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(value));
      };
      const path = (req.url ?? '/').split('?')[0];
      if (path === '/') {
        res.writeHead(200, {
          'content-type': 'text/html; charset=utf-8',
          'set-cookie': `session=${COOKIE}; Path=/; HttpOnly; SameSite=Lax`,
        });
        res.end(PAGE);
      } else if (path === '/api/me') {
        json(authorized ? 200 : 401, authorized ? { user: 'ada', plan: 'team' } : { error: 'no' });
      } else if (path === '/api/items' && req.method === 'POST') {
        const sent = JSON.parse(Buffer.concat(chunks).toString()) as { name: string };
        json(authorized ? 201 : 401, { id: 'item_1', name: sent.name, query: req.url });
      } else if (path === '/api/session') {
        // Echoes the cookie value: value tracking must redact it in the body too.
        const value = /session=([^;]+)/.exec(req.headers.cookie ?? '')?.[1] ?? '';
        json(200, { seen: value === COOKIE ? 'yes' : 'no', session: value });
      } else if (path === '/api/gzip') {
        const body = gzipSync(JSON.stringify({ items: [1, 2, 3], padding: 'x'.repeat(400) }));
        res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
        res.end(body);
      } else if (path === '/bin') {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        res.end(BINARY);
      } else {
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('not found');
      }
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ origin: `http://127.0.0.1:${port}`, server, hits });
    });
  });
}

function filesBelow(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...filesBelow(path));
    else out.push(path);
  }
  return out;
}

interface HarFile {
  log: {
    entries: {
      request: {
        method: string;
        url: string;
        headers: { name: string; value: string }[];
        postData?: { text?: string };
      };
      response: {
        status: number;
        content: { text?: string; encoding?: string; size: number };
      };
    }[];
  };
}

function harBody(content: { text?: string; encoding?: string }): Buffer {
  if (content.text === undefined) return Buffer.alloc(0);
  return Buffer.from(content.text, content.encoding === 'base64' ? 'base64' : 'utf8');
}

/** Interactions of every cassette below a directory, by cassette name. */
function interactionsBelow(dir: string): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  for (const file of filesBelow(dir).filter((f) => f.endsWith('.json'))) {
    const name = file.slice(dir.length + 1, -'.json'.length);
    out[name] = (
      JSON.parse(readFileSync(file, 'utf8')) as { interactions: unknown[] }
    ).interactions;
  }
  return out;
}

/**
 * The members HAR 1.2 requires, with the types Chromium's devtools importer insists on (it
 * throws on a date that does not parse, a number that is NaN, a member that is not an object).
 */
function expectHar12(doc: unknown): void {
  const log = (doc as { log: Record<string, unknown> }).log;
  expect(log['version']).toBe('1.2');
  expect(log['creator']).toMatchObject({
    name: 'tapedeck',
    version: expect.any(String) as unknown,
  });
  const entries = log['entries'] as Record<string, Record<string, unknown>>[];
  expect(entries.length).toBeGreaterThan(0);
  const nameValues = expect.arrayContaining([]) as unknown;
  for (const entry of entries) {
    expect(Number.isNaN(Date.parse(entry['startedDateTime'] as unknown as string))).toBe(false);
    expect(entry['time']).toEqual(expect.any(Number));
    expect(entry['cache']).toEqual({});
    expect(entry['timings']).toMatchObject({
      send: expect.any(Number) as unknown,
      wait: expect.any(Number) as unknown,
      receive: expect.any(Number) as unknown,
    });
    expect(entry['request']).toMatchObject({
      method: expect.any(String) as unknown,
      url: expect.stringMatching(/^https?:\/\//) as unknown,
      httpVersion: expect.any(String) as unknown,
      headers: nameValues,
      queryString: nameValues,
      cookies: nameValues,
      headersSize: expect.any(Number) as unknown,
      bodySize: expect.any(Number) as unknown,
    });
    expect(entry['response']).toMatchObject({
      status: expect.any(Number) as unknown,
      statusText: expect.any(String) as unknown,
      httpVersion: expect.any(String) as unknown,
      headers: nameValues,
      cookies: nameValues,
      content: { size: expect.any(Number) as unknown, mimeType: expect.any(String) as unknown },
      redirectURL: expect.any(String) as unknown,
      headersSize: expect.any(Number) as unknown,
      bodySize: expect.any(Number) as unknown,
    });
  }
}

const hasChromium = existsSync(CHROMIUM);
let closeBrowser: (() => Promise<void>) | undefined;
afterAll(async () => {
  await closeBrowser?.();
});

describe.skipIf(!hasChromium && process.env['CI'] !== 'true')('HAR from a real browser', () => {
  it('imports a Chromium HAR with no secret on disk, replays it, and round-trips through export', async () => {
    const dir = tempDir();
    const env = { ...KEY, TAPEDECK_STATE_DIR: join(dir, '.state') };
    const { origin, server, hits } = await testServer();
    try {
      const browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-quic',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
        ],
      });
      closeBrowser = () => browser.close();
      const harPath = join(dir, 'session.har');
      const recording = await browser.newContext({ recordHar: { path: harPath } });
      const page = await recording.newPage();
      await page.goto(`${origin}/`);
      await page.waitForFunction("document.title !== 'loading'", undefined, {
        timeout: 10_000,
      });
      expect(await page.title()).toBe('done ada item_1 yes 3 300');
      await recording.close(); // writes the HAR

      const har = JSON.parse(readFileSync(harPath, 'utf8')) as HarFile;
      const http = har.log.entries.filter((e) => e.request.url.startsWith('http'));
      // Every request the browser made reached the local server, and nothing else was asked.
      expect(http.every((e) => e.request.url.startsWith(`${origin}/`))).toBe(true);
      expect(hits.map((h) => `${h.method} ${h.url}`).sort()).toEqual(
        http.map((e) => `${e.request.method} ${e.request.url.slice(origin.length)}`).sort(),
      );
      // The HAR really carries the secrets (else the redaction check below proves nothing).
      const raw = readFileSync(harPath, 'utf8');
      expect(raw).toContain(COOKIE);
      expect(raw).toContain(JSON.stringify(TOKEN).slice(1, -1));
      expect(hits.find((h) => h.url === '/api/me')?.authorization).toBe(`Bearer ${TOKEN}`);
      expect(hits.find((h) => h.url === '/api/session')?.cookie).toBe(`session=${COOKIE}`);

      // Import through the built CLI.
      const imported = await runCliToEnd(['import', 'har', harPath, '--json'], { cwd: dir, env });
      expect(imported.stderr).not.toContain('TD_');
      expect(imported.code).toBe(0);
      const report = JSON.parse(imported.stdout) as {
        cassettes: { name: string; target: string; interactions: number }[];
        skipped: { entry: number; reason: string; url: string }[];
      };
      expect(report.cassettes).toEqual([
        { name: 'session', target: origin, interactions: http.length },
      ]);
      // Whatever Chromium put in the HAR that is not HTTP (the data: image, if recorded) is
      // listed as skipped, never imported.
      for (const s of report.skipped) expect(s.reason).toBe('not-http');
      expect(report.skipped.length).toBe(har.log.entries.length - http.length);

      const cassettes = join(dir, 'cassettes');
      for (const file of filesBelow(cassettes)) {
        const text = readFileSync(file, 'utf8');
        for (const form of [...forms(TOKEN), ...forms(COOKIE)]) {
          expect(text, `${form} in ${file}`).not.toContain(form);
          expect(text, `${form} in ${file}`).not.toContain(JSON.stringify(form).slice(1, -1));
        }
      }
      for (const out of [imported.stdout, imported.stderr]) {
        for (const form of [...forms(TOKEN), ...forms(COOKIE)]) expect(out).not.toContain(form);
      }
      const cassette = JSON.parse(readFileSync(join(cassettes, 'session.json'), 'utf8')) as {
        interactions: { request: { path: string; headers: Record<string, string> } }[];
      };
      expect(cassette.interactions.map((i) => i.request.path)).toEqual(
        http.map((e) => new URL(e.request.url).pathname),
      );
      const me = cassette.interactions.find((i) => i.request.path === '/api/me')!;
      expect(me.request.headers['authorization']).toMatch(/^Bearer /);

      // Replay answers the same requests with what the browser got.
      const replay = await startServerCli(['replay', '--port', '0', '--strict'], {
        cwd: dir,
        env,
      });
      try {
        for (const entry of http) {
          const url = new URL(entry.request.url);
          const headers: Record<string, string> = {};
          for (const h of entry.request.headers) {
            const name = h.name.toLowerCase();
            if (name.startsWith(':') || ['host', 'content-length', 'connection'].includes(name))
              continue;
            headers[name] = h.value;
          }
          const answer = await request(`${replay.url}${url.pathname}${url.search}`, {
            method: entry.request.method as 'GET',
            headers,
            ...(entry.request.postData?.text === undefined
              ? {}
              : { body: entry.request.postData.text }),
          });
          const wire = Buffer.from(await answer.body.arrayBuffer());
          // Replay gives the coding back as the API sent it (the HAR holds the decoded text).
          const body = answer.headers['content-encoding'] === 'gzip' ? gunzipSync(wire) : wire;
          expect(answer.statusCode, `${entry.request.method} ${url.pathname}`).toBe(
            entry.response.status,
          );
          const recorded = harBody(entry.response.content);
          const secret = [TOKEN, COOKIE].some((s) => recorded.includes(s));
          if (secret) {
            // Replay gives back the redacted body: the pseudonym in place of the secret.
            for (const s of [TOKEN, COOKIE]) expect(body.includes(s)).toBe(false);
            expect(body.length).toBeGreaterThan(0);
          } else {
            expect(body.equals(recorded), `${url.pathname} body`).toBe(true);
          }
        }
      } finally {
        replay.run.child.kill('SIGINT');
        expect(await replay.run.exited).toBe(0);
      }

      // Export, then import the export: the same interactions, under the same cassette names.
      const exportedPath = join(dir, 'exported.har');
      const exported = await runCliToEnd(['export', 'har', '--out', exportedPath], {
        cwd: dir,
        env,
      });
      expect(exported.code).toBe(0);
      expect(exported.stderr).toContain(`wrote ${exportedPath}`);
      const exportedHar = readFileSync(exportedPath, 'utf8');
      expectHar12(JSON.parse(exportedHar));
      for (const form of [...forms(TOKEN), ...forms(COOKIE)])
        expect(exportedHar).not.toContain(form);
      const again = await runCliToEnd(
        ['import', 'har', exportedPath, '--cassettes', 'again', '--json'],
        { cwd: dir, env },
      );
      expect(again.code).toBe(0);
      expect(interactionsBelow(join(dir, 'again'))).toEqual(interactionsBelow(cassettes));

      // A second HAR reader: Playwright serves the page from tapedeck's export, not the server.
      const before = hits.length;
      const replaying = await browser.newContext();
      await replaying.routeFromHAR(exportedPath, { notFound: 'abort' });
      const second = await replaying.newPage();
      await second.goto(`${origin}/`);
      await second.waitForFunction("document.title !== 'loading'", undefined, {
        timeout: 10_000,
      });
      expect(await second.title()).toBe('done ada item_1 yes 3 300');
      expect(hits.length).toBe(before);
      await replaying.close();
    } finally {
      await closeBrowser?.();
      closeBrowser = undefined;
      server.close();
    }
  }, 90_000);
});
