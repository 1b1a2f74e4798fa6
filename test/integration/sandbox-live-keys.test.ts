// Live keys never get in, and never get written: every refusal is checked by its answer, then
// every byte the run wrote (the state directory's files, journal rows, log lines, the CLI's
// output, every response body) is searched for each live key in plain, base64 (Basic) and
// percent-encoded forms. A created test key appears only in the one output that created it.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCliToEnd } from '../helpers/cli.js';
import { startSandbox, stripeSpecFile } from '../helpers/sandbox.js';
import { startTenantServer, tenantsCli, type TenantServer } from '../helpers/sandbox-layers.js';

const LIVE = {
  stripe: 'sk_live_4eC39HqLyjWDarjtT1zdp7dcQx81',
  restricted: 'rk_live_51HabcdefGHIJklmnOPQRstu0987',
  github: 'ghp_16C7e42F292c6912E7710c838347Ae178B4a',
};

/** Every form a key could be written in. */
function formsOf(secret: string): string[] {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const b64url = (s: string) => Buffer.from(s).toString('base64url');
  return [
    secret,
    encodeURIComponent(secret),
    encodeURIComponent(encodeURIComponent(secret)),
    b64(`${secret}:`),
    b64(secret),
    b64url(secret),
    // The body of the key without its prefix: a store that kept a trimmed key would show it.
    secret.slice(secret.indexOf('_', 3) + 1),
  ];
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...filesUnder(path));
    else out.push(path);
  }
  return out;
}

/** Where each form of `secret` shows up among `places` (name → bytes). */
function foundIn(places: ReadonlyMap<string, Buffer>, secret: string): string[] {
  const hits: string[] = [];
  for (const [name, bytes] of places)
    for (const form of formsOf(secret)) if (bytes.includes(form)) hits.push(`${name}: ${form}`);
  return hits;
}

async function send(
  s: TenantServer,
  bodies: string[],
  path: string,
  headers: Record<string, string>,
): Promise<Response> {
  const response = await fetch(`${s.url}${path}`, { headers });
  const text = await response.text();
  bodies.push(
    `${response.status} ${[...response.headers].map((h) => h.join(': ')).join('\n')}\n${text}`,
  );
  return new Response(text, { status: response.status, headers: response.headers });
}

describe('live keys', () => {
  it('are refused with their messages and never reach a file, a log line, the journal or an answer', async () => {
    const s = await startTenantServer({ profile: 'stripe' });
    const bodies: string[] = [];
    const places = new Map<string, Buffer>();
    let created = '';
    const cliOut: string[] = [];
    try {
      // The CLI as a child process (the built bin/tapedeck: `npm run build` first), beside the server.
      const made = await runCliToEnd(
        ['tenants', 'create', 'acme', '--json', '--state-dir', s.stateDir, '--profile', 'stripe'],
        { cwd: s.root },
      );
      expect(made.code).toBe(0);
      created = (JSON.parse(made.stdout) as { key: string }).key;
      const createOutput = made.stdout + made.stderr;
      cliOut.push(made.stderr);

      const bearer = (k: string) => ({ authorization: `Bearer ${k}` });
      const basic = (k: string) => ({
        authorization: `Basic ${Buffer.from(`${k}:`).toString('base64')}`,
      });
      for (const key of Object.values(LIVE)) {
        for (const headers of [bearer(key), basic(key)]) {
          const r = await send(s, bodies, '/v1/customers', headers);
          expect(r.status).toBe(401);
          expect(r.headers.get('x-tapedeck-error')).toBe('live-key');
          const message = ((await r.json()) as { error: { message: string } }).error.message;
          expect(message).toContain('This is a live key. The sandbox never accepts live keys');
        }
        const inQuery = await send(
          s,
          bodies,
          `/v1/customers?api_key=${encodeURIComponent(key)}`,
          bearer(created),
        );
        expect(inQuery.status).toBe(400);
        expect(inQuery.headers.get('x-tapedeck-error')).toBe('key-in-query');
        expect(((await inQuery.json()) as { error: { message: string } }).error.message).toContain(
          'not accepted in the URL',
        );
        // Under a name that is not refused: the value's own shape gives it away.
        const hidden = await send(
          s,
          bodies,
          `/v1/customers?starting_after=${encodeURIComponent(key)}`,
          bearer(created),
        );
        expect(hidden.status).toBe(400);
      }
      // The test key itself in the query is refused too (and redacted like any other).
      expect((await send(s, bodies, `/v1/customers?key=${created}`, {})).status).toBe(400);
      expect((await send(s, bodies, `/v1/customers?q=${created}`, {})).status).toBe(400);
      // It works where it belongs.
      expect((await send(s, bodies, '/v1/customers', basic(created))).status).toBe(200);
      // And the CLI never shows it again.
      for (const args of [
        ['tenants', 'list'],
        ['tenants', 'list', '--json'],
        ['tenants', 'show', 'acme'],
        ['tenants', 'show', 'acme', '--json'],
        ['clock', '--tenant', 'acme', 'show'],
      ]) {
        const run = await runCliToEnd([...args, '--state-dir', s.stateDir, '--profile', 'stripe'], {
          cwd: s.root,
        });
        expect(run.code).toBe(0);
        cliOut.push(run.stdout, run.stderr);
      }
      const admin = await s.call('GET', 'tenants/acme');
      bodies.push(await admin.text());
      bodies.push(await (await s.call('GET', 'tenants')).text());

      // Wait for the journal to reach the state (it writes on a timer): journal rows are in it.
      await s.stop({ keep: true });
      for (const file of filesUnder(s.root)) places.set(file, readFileSync(file));
      expect([...places.keys()].some((f) => f.endsWith('state.db'))).toBe(true);
      places.set('responses', Buffer.from(bodies.join('\n')));
      places.set('cli output', Buffer.from(cliOut.join('\n')));
      places.set('log lines', Buffer.from(JSON.stringify(s.logger.lines)));

      for (const key of Object.values(LIVE)) expect(foundIn(places, key)).toEqual([]);
      expect(foundIn(places, created)).toEqual([]);
      // The one place the created key was printed.
      expect(createOutput).toContain(created);
      expect(createOutput).toContain('Store it now; it cannot be shown again.');
      // The search would have found them: the refusals were made, the journal has its rows.
      expect(bodies.length).toBeGreaterThan(10);
      expect(bodies.join('\n')).toContain('live-key');
    } finally {
      await s.stop();
      rmSync(s.root, { recursive: true, force: true });
    }
  });
});

describe('live keys on the full sandbox (Stripe spec, redaction, journal)', () => {
  it('never reach state.db, its WAL, the journal, a log line or an answer, even sent as data', async () => {
    const root = mkdtempSync(join(tmpdir(), 'tapedeck-live-'));
    const stateDir = join(root, 'state');
    const sandbox = await startSandbox({ spec: stripeSpecFile(), profile: 'stripe', stateDir });
    const bodies: string[] = [];
    const places = new Map<string, Buffer>();
    try {
      const created = await sandbox.admin('POST', 'tenants', { name: 'acme' });
      const createOutput = await created.text();
      const key = (JSON.parse(createOutput) as { key: string }).key;
      const call = async (
        method: string,
        path: string,
        headers: Record<string, string>,
        body?: string,
      ) => {
        const r = await fetch(`${sandbox.url}${path}`, {
          method,
          headers: {
            ...headers,
            ...(body === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' }),
          },
          ...(body === undefined ? {} : { body }),
        });
        const text = await r.text();
        bodies.push(`${r.status} ${[...r.headers].map((h) => h.join(': ')).join('\n')}\n${text}`);
        return { status: r.status, kind: r.headers.get('x-tapedeck-error'), text };
      };
      for (const live of Object.values(LIVE)) {
        expect((await call('GET', '/v1/customers', { authorization: `Bearer ${live}` })).kind).toBe(
          'live-key',
        );
        const asBasic = `Basic ${Buffer.from(`${live}:`).toString('base64')}`;
        expect((await call('GET', '/v1/customers', { authorization: asBasic })).kind).toBe(
          'live-key',
        );
        const q = await call('GET', `/v1/customers?api_key=${encodeURIComponent(live)}`, {
          authorization: `Bearer ${key}`,
        });
        expect(q.kind).toBe('key-in-query');
        // As a parameter's name, or inside a longer value.
        for (const query of [encodeURIComponent(live), `q=${encodeURIComponent(`key ${live}`)}`]) {
          const named = await call('GET', `/v1/customers?${query}`, {
            authorization: `Bearer ${key}`,
          });
          expect(named.kind, query).toBe('key-in-query');
        }
        // As data, with a good key: stored as its pseudonym, answered as it.
        const made = await call(
          'POST',
          '/v1/customers',
          { authorization: `Bearer ${key}` },
          `email=live%40example.com&description=${encodeURIComponent(live)}&metadata[note]=${encodeURIComponent(`see ${live}`)}`,
        );
        expect(made.status).toBe(200);
      }
      // The sandbox's own key in the query: refused, and journaled with the path redacted
      // (builtin/tapedeck-key recognises it by its checksum).
      expect((await call('GET', `/v1/customers?starting_after=${key}`, {})).kind).toBe(
        'key-in-query',
      );
      // The admin token in a tenant URL (path or query, with a key or without): the redactor
      // does not know it, so the tenant layer refuses it before anything is journaled.
      for (const path of [
        `/v1/nothing/${sandbox.adminToken}`,
        `/v1/customers/${sandbox.adminToken}`,
        `/v1/nothing?x=${sandbox.adminToken}`,
        `/v1/customers?${sandbox.adminToken}`,
      ]) {
        for (const headers of [{ authorization: `Bearer ${key}` }, {}])
          expect((await call('GET', path, headers)).kind, path).toBe('key-in-query');
      }
      const listed = await call('GET', '/v1/customers', { authorization: `Bearer ${key}` });
      expect((JSON.parse(listed.text) as { data: unknown[] }).data).toHaveLength(3);
      bodies.push(await (await sandbox.admin('GET', 'journal?limit=1000')).text());
      bodies.push(await (await sandbox.admin('GET', 'tenants/acme')).text());
      const cli = await tenantsCli(root, [
        'tenants',
        'show',
        'acme',
        '--state-dir',
        stateDir,
        '--profile',
        'stripe',
      ]);
      for (const file of filesUnder(root)) places.set(`${file} (open)`, readFileSync(file));
      await sandbox.stop();
      for (const file of filesUnder(root)) places.set(file, readFileSync(file));
      expect([...places.keys()].some((f) => f.endsWith('state.db'))).toBe(true);
      places.set('responses', Buffer.from(bodies.join('\n')));
      places.set('cli output', Buffer.from(cli.stdout + cli.stderr));
      places.set('log lines', Buffer.from(JSON.stringify(sandbox.logger.lines)));
      for (const live of Object.values(LIVE)) expect(foundIn(places, live)).toEqual([]);
      expect(foundIn(places, key)).toEqual([]);
      expect(foundIn(places, sandbox.adminToken)).toEqual([]);
      expect(createOutput).toContain(key);
      // What the journal kept: every request, live ones included, and their paths redacted.
      expect(bodies.join('\n')).toContain('/v1/customers');
    } finally {
      await sandbox.stop();
      rmSync(root, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('sandbox keys of the tdk_test_ prefix (standard profile)', () => {
  it('are refused in the query, and stored as a pseudonym when sent as data (builtin/tapedeck-key)', async () => {
    const root = mkdtempSync(join(tmpdir(), 'tapedeck-tdk-'));
    const stateDir = join(root, 'state');
    const sandbox = await startSandbox({
      spec: join(import.meta.dirname, '../fixtures/specs/widgets.yaml'),
      profile: 'standard',
      stateDir,
    });
    try {
      const key = await sandbox.createTenant('acme');
      expect(key).toMatch(/^tdk_test_/);
      const r = await fetch(`${sandbox.url}/widgets?after=${key}`);
      expect(r.status).toBe(400);
      expect(r.headers.get('x-tapedeck-error')).toBe('key-in-query');
      expect(await r.text()).not.toContain(key);
      const ok = await fetch(`${sandbox.url}/widgets`, { headers: { 'x-api-key': key } });
      expect(ok.status).toBe(200);
      // A key pasted into data (a support ticket's text): the redactor knows it by its checksum.
      const made = await fetch(`${sandbox.url}/widgets`, {
        method: 'POST',
        headers: { 'x-api-key': key, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'w', metadata: { note: `my key is ${key}` } }),
      });
      expect(made.status).toBe(200);
      const made2 = await made.text();
      expect(made2).not.toContain(key);
      expect(made2).toContain('my key is ');
      const journal = await (await sandbox.admin('GET', 'journal?limit=100')).text();
      expect(journal).toContain('/widgets');
      await sandbox.stop();
      const places = new Map<string, Buffer>([['journal answer', Buffer.from(journal)]]);
      for (const file of filesUnder(root)) places.set(file, readFileSync(file));
      places.set('log lines', Buffer.from(JSON.stringify(sandbox.logger.lines)));
      expect(foundIn(places, key)).toEqual([]);
    } finally {
      await sandbox.stop();
      rmSync(root, { recursive: true, force: true });
    }
  }, 60_000);
});
