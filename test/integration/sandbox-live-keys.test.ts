// Live keys never get in, and never get written: every refusal is checked by its answer, then
// every byte the run wrote (the state directory's files, journal rows, log lines, the CLI's
// output, every response body) is searched for each live key in plain, base64 (Basic) and
// percent-encoded forms. A created test key appears only in the one output that created it.
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
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
    try {
      const made = await tenantsCli(s.root, [
        'tenants',
        'create',
        'acme',
        '--json',
        '--state-dir',
        s.stateDir,
        '--profile',
        'stripe',
      ]);
      created = (JSON.parse(made.stdout) as { key: string }).key;
      const createOutput = made.stdout;

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
      const cliOut: string[] = [];
      for (const args of [
        ['tenants', 'list'],
        ['tenants', 'list', '--json'],
        ['tenants', 'show', 'acme'],
        ['tenants', 'show', 'acme', '--json'],
        ['clock', '--tenant', 'acme', 'show'],
      ]) {
        const run = await tenantsCli(s.root, [
          ...args,
          '--state-dir',
          s.stateDir,
          '--profile',
          'stripe',
        ]);
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
