/**
 * The leak test: tapedeck's promise is that no recognised secret or personal value reaches disk,
 * a log, an error body or a report, in any encoding. Canaries are planted everywhere a real API
 * puts credentials and personal data, recorded through the real proxy against a real upstream,
 * replayed, and then every byte tapedeck wrote or answered with is searched for every canary in
 * every encoding. Zero hits is the only pass.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import type { Interaction } from '../../src/core/cassette/model.js';
import { BASIC_FORMS, formsOf } from '../helpers/canaries.js';
import { runCleanups } from '../helpers/cleanup.js';
import { jsonOf } from '../helpers/redaction.js';
import { header, send, type Received, type SendOptions } from '../helpers/client.js';
import { listFiles, readCassette } from '../helpers/files.js';
import { layout, startTapedeck, type RunningTapedeck } from '../helpers/tapedeck.js';
import { tmpDir } from '../helpers/tmp.js';
import { startUpstream, type SeenRequest, type UpstreamHandler } from '../helpers/upstream.js';

afterEach(runCleanups);

// ---- canaries and their encodings ---------------------------------------------------------

/** A distinctive, high-entropy value nobody else writes: `canary` + random hex. */
function canaryCore(bytes = 12): string {
  return `canary${randomBytes(bytes).toString('hex')}`;
}

interface Canary {
  readonly name: string;
  /** What is planted (`sk_live_canary…`, `canary…@corp.io`, …). */
  readonly planted: string;
  /** The distinctive part, searched for on its own too (a leak of any part of it counts). */
  readonly core: string;
}

class Canaries {
  readonly all: Canary[] = [];

  /** A new canary; `wrap` turns the core into the planted value (an email, a token shape…). */
  add(name: string, wrap: (core: string) => string = (c) => c, bytes = 12): string {
    const core = canaryCore(bytes);
    const planted = wrap(core);
    this.all.push({ name, planted, core });
    return planted;
  }

  /** A short canary (too short to be tracked everywhere): five random URL-safe characters. */
  short(name: string): string {
    const value = randomBytes(6).toString('base64url').slice(0, 5);
    this.all.push({ name, planted: value, core: value });
    return value;
  }
}

const utf8 = (s: string) => Buffer.from(s, 'utf8');
const b64 = (s: string | Buffer) => (typeof s === 'string' ? utf8(s) : s).toString('base64');
const urlSafe = (s: string) => s.replace(/\+/g, '-').replace(/\//g, '_');
const unpadded = (s: string) => s.replace(/=+$/, '');

interface Place {
  readonly name: string;
  readonly bytes: Buffer;
}

interface LeakReport {
  readonly hits: string[];
  readonly canaries: number;
  readonly forms: number;
  readonly needles: number;
  readonly places: number;
}

/** Searches every place for every form of every canary (planted value and core). */
function searchLeaks(canaries: readonly Canary[], places: readonly Place[]): LeakReport {
  const hits: string[] = [];
  let needles = 0;
  for (const canary of canaries) {
    const values = canary.planted === canary.core ? [canary.core] : [canary.planted, canary.core];
    for (const value of values) {
      for (const [form, needle] of formsOf(value)) {
        needles++;
        const patterns = [Buffer.from(needle, 'utf8'), Buffer.from(needle, 'latin1')];
        for (const place of places) {
          if (patterns.some((p) => place.bytes.includes(p)))
            hits.push(`${canary.name} (${form} of ${value}) in ${place.name}`);
        }
      }
    }
  }
  return {
    hits,
    canaries: canaries.length,
    forms: formsOf('x').length,
    needles,
    places: places.length,
  };
}

/** Every file below the cassettes and state directories, as places (read now). */
async function filePlaces(label: string, dirs: readonly string[]): Promise<Place[]> {
  const places: Place[] = [];
  for (const dir of dirs) {
    for (const file of await listFiles(dir)) {
      try {
        places.push({
          name: `${label}:${join(dir, file)}`,
          bytes: await readFile(join(dir, file)),
        });
      } catch (error) {
        // A WAL or journal file can vanish between listing and reading.
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
  }
  return places;
}

/** A client-facing answer as a place: status, headers and body bytes (raw and decoded). */
function answerPlace(name: string, r: Received): Place {
  const head = `${r.status}\n${Object.entries(r.headers)
    .map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join('\n') : String(v)}`)
    .join('\n')}\n\n`;
  return { name, bytes: Buffer.concat([utf8(head), r.raw, utf8('\n'), r.body]) };
}

function logPlace(name: string, tapedeck: RunningTapedeck): Place {
  return { name, bytes: utf8(tapedeck.logger.text()) };
}

// ---- the upstream ---------------------------------------------------------------------------

/** Finds the first string under `key` anywhere in a JSON value. */
function findKey(node: unknown, key: string): string | undefined {
  if (Array.isArray(node)) {
    for (const child of node) {
      const found = findKey(child, key);
      if (found !== undefined) return found;
    }
  } else if (typeof node === 'object' && node !== null) {
    for (const [k, child] of Object.entries(node)) {
      if (k === key && typeof child === 'string') return child;
      const found = findKey(child, key);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

const METHODS = ['POST', 'PUT', 'PATCH', 'DELETE'] as const;

interface UpstreamSecrets {
  readonly issued: string;
  readonly refresh: string;
  readonly setCookies: readonly string[];
  readonly itemsResponse: Record<string, { blob: string; clientSecret: string }>;
  readonly gz: { email: string; apiKey: string };
  readonly br: { email: string; apiKey: string };
  readonly code: string;
  readonly locationToken: string;
  readonly debugOwner: string;
  readonly report: { ownerEmail: string; password: string; jwt: string };
  readonly legacy: { password: string; material: string };
}

function upstreamSecrets(c: Canaries): UpstreamSecrets {
  const itemsResponse: Record<string, { blob: string; clientSecret: string }> = {};
  for (const m of METHODS)
    itemsResponse[m] = {
      blob: c.add(`${m} response signing_blob`),
      clientSecret: c.add(`${m} response client_secret`),
    };
  return {
    issued: c.add('issued access_token'),
    refresh: c.add('issued refresh_token'),
    setCookies: [
      c.add('set-cookie session'),
      c.add('set-cookie refresh'),
      c.add('set-cookie tracking'),
    ],
    itemsResponse,
    gz: {
      email: c.add('gzip response email', (x) => `${x}@corp.io`),
      apiKey: c.add('gzip response api_key'),
    },
    br: {
      email: c.add('brotli response email', (x) => `${x}@corp.io`),
      apiKey: c.add('brotli response api_key'),
    },
    code: c.add('Location code'),
    locationToken: c.add('Location access_token'),
    debugOwner: c.add('response header email', (x) => `${x}@corp.io`),
    report: {
      ownerEmail: c.add('text-kept JSON: email as a key', (x) => `${x}@corp.io`),
      password: c.add('text-kept JSON: password'),
      jwt: c.add('text-kept JSON: JWT', jwtAround),
    },
    legacy: {
      password: c.short('Python-style JSON: a five-character password'),
      material: c.add('Python-style JSON: a string inside an object a rule names'),
    },
  };
}

/** What the upstream sends back for each route; the client must get exactly this. */
function upstreamHandler(s: UpstreamSecrets, origin: () => string): UpstreamHandler {
  return (req, res) => {
    const url = new URL(req.url, 'http://upstream.invalid');
    const path = url.pathname;
    const auth = req.headers.authorization ?? '';
    const json = (status: number, value: unknown, extra: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...extra });
      res.end(JSON.stringify(value));
    };
    if (path.startsWith('/users/')) {
      // The echo: the credential comes back in a field no rule names.
      return json(
        200,
        { note: `authorization was ${auth}`, profile: { plan: 'pro' } },
        { 'x-debug-owner': `owner=${s.debugOwner}; region=eu` },
      );
    }
    if (path === '/basic') {
      const decoded = Buffer.from(auth.replace(/^Basic /, ''), 'base64').toString('utf8');
      const password = decoded.slice(decoded.indexOf(':') + 1);
      return json(200, { note: `welcome back, your password ${password} still works` });
    }
    if (path.startsWith('/v1/items/')) {
      const body = JSON.parse(req.body.toString('utf8')) as unknown;
      const { blob, clientSecret } = s.itemsResponse[req.method]!;
      return json(200, {
        data: [
          {
            attributes: {
              vault: [
                {
                  signing_blob: blob,
                  client_secret: clientSecret,
                  note: `you sent ${findKey(body, 'password') ?? '?'}`,
                },
              ],
            },
          },
        ],
      });
    }
    if (path === '/oauth/token') {
      res.writeHead(200, [
        'content-type',
        'application/json',
        'set-cookie',
        `session=${s.setCookies[0]}; Path=/; HttpOnly`,
        'set-cookie',
        `refresh=${s.setCookies[1]}; Path=/oauth; Secure; SameSite=Strict`,
        'set-cookie',
        `tracking=${s.setCookies[2]}; Max-Age=3600`,
      ]);
      res.end(
        JSON.stringify({
          access_token: s.issued,
          refresh_token: s.refresh,
          token_type: 'Bearer',
          expires_in: 3600,
        }),
      );
      return;
    }
    if (path === '/me') {
      return json(200, { id: 'u_1', context: req.headers['x-request-context'] ?? '' });
    }
    if (path === '/v1/forms' || path === '/v1/upload' || path === '/v1/upload-binary') {
      return json(200, { ok: true, received: req.body.byteLength });
    }
    if (path === '/v1/ingest') {
      const body = JSON.parse(gunzipSync(req.body).toString('utf8')) as unknown;
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      res.end(
        gzipSync(
          JSON.stringify({
            accepted: [{ batch: { owner: { email: s.gz.email, api_key: s.gz.apiKey } } }],
            echo: `got ${findKey(body, 'password') ?? '?'}`,
          }),
        ),
      );
      return;
    }
    if (path === '/v1/ingest-br') {
      const body = JSON.parse(brotliDecompressSync(req.body).toString('utf8')) as unknown;
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'br' });
      res.end(
        brotliCompressSync(
          JSON.stringify({
            accepted: [{ batch: { owner: { email: s.br.email, api_key: s.br.apiKey } } }],
            echo: `got ${findKey(body, 'password') ?? '?'}`,
          }),
        ),
      );
      return;
    }
    if (path.startsWith('/v1/tokens/')) return json(200, { revoked: true });
    if (path === '/v1/report') {
      // Indented by four spaces: the codec keeps it as text, byte for byte.
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
      res.end(reportBody(s.report));
      return;
    }
    if (path === '/v1/legacy') {
      // Python's json.dumps spacing: kept as text as well.
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(legacyBody(s.legacy));
      return;
    }
    if (path === '/v1/search') return json(200, { results: [] });
    if (path === '/login/start') {
      res.writeHead(302, {
        location: `${origin()}/callback?code=${s.code}&state=s-1&access_token=${s.locationToken}`,
      });
      res.end();
      return;
    }
    return json(404, { error: 'not found' });
  };
}

/** A JWT whose payload carries the canary (as a real token carries a user id). */
function jwtAround(core: string): string {
  const part = (v: unknown) => unpadded(urlSafe(b64(JSON.stringify(v))));
  return `${part({ alg: 'HS256', typ: 'JWT' })}.${part({ sub: core, exp: 1_900_000_000 })}.${unpadded(urlSafe(randomBytes(32).toString('base64')))}`;
}

function legacyBody(l: UpstreamSecrets['legacy']): string {
  return JSON.stringify({
    user: { name: 'jane', password: l.password, pin: 482913 },
    signing_blob: { material: l.material, rotated: 1_700_482_913 },
  })
    .replace(/,"/g, ', "')
    .replace(/":/g, '": ');
}

function reportBody(r: UpstreamSecrets['report']): string {
  return JSON.stringify(
    { rows: [{ owners: { [r.ownerEmail]: { password: r.password, sessions: [{ id: r.jwt }] } } }] },
    null,
    4,
  );
}

// ---- what the client sends ------------------------------------------------------------------

const RULES = {
  version: 1,
  rules: [
    {
      id: 'leak/json-signing-blob',
      description: 'a field only this API uses, at any depth',
      target: 'json',
      path: '$..signing_blob',
      action: 'pseudonymize',
    },
    {
      id: 'leak/path-token',
      description: 'tokens in revoke paths',
      target: 'path',
      pattern: '^/v1/tokens/([^/]+)',
      action: 'pseudonymize',
    },
    {
      id: 'leak/oauth-code',
      description: 'OAuth authorization codes, wherever a query string carries them',
      target: 'query',
      name: 'code',
      action: 'mask',
    },
  ],
};

interface ItemsBody {
  readonly password: string;
  readonly clientSecret: string;
  readonly blob: string;
  readonly keyedEmail: string;
  readonly memberBlob: string;
}

/** A JSON body with secrets at depth 4+ inside arrays, and a map keyed by an email. */
function itemsBody(b: ItemsBody, name = 'widget'): string {
  return JSON.stringify({
    name,
    data: [
      {
        attributes: {
          credentials: [
            {
              vault: { password: b.password, client_secret: b.clientSecret },
              extras: [{ signing_blob: b.blob }],
            },
          ],
          members: { [b.keyedEmail]: { role: 'admin', pin: 4321, signing_blob: b.memberBlob } },
        },
      },
    ],
  });
}

function formBody(password: string, clientSecret: string, extra = ''): string {
  return `grant_type=password&username=jane&password=${encodeURIComponent(password)}&client_secret=${encodeURIComponent(clientSecret)}&comment=hello+there${extra}`;
}

function multipartText(
  boundary: string,
  secret: string,
  fileToken: string,
  encodedToken: string,
): string {
  return [
    `--${boundary}`,
    'Content-Disposition: form-data; name="title"',
    '',
    'quarterly report',
    `--${boundary}`,
    'Content-Disposition: form-data; name="api_secret"',
    '',
    secret,
    `--${boundary}`,
    'Content-Disposition: form-data; name="report"; filename="report.txt"',
    'Content-Type: text/plain',
    '',
    `owner=jane\nstripe=${fileToken}\n`,
    `--${boundary}`,
    'Content-Disposition: form-data; name="config"; filename="config.env"',
    'Content-Type: text/plain',
    'Content-Transfer-Encoding: base64',
    '',
    b64(`STRIPE_KEY=${encodedToken}\nREGION=eu\n`),
    `--${boundary}--`,
    '',
  ].join('\r\n');
}

function multipartBinary(boundary: string, password: string, fileToken: string): Buffer {
  const noise = randomBytes(64);
  noise[0] = 0xff; // never valid UTF-8: the body is stored as base64
  const file = Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    noise,
    utf8(` token=${fileToken} `),
    randomBytes(32).map((b) => (b === 0x0d || b === 0x2d ? 0x41 : b)),
  ]);
  return Buffer.concat([
    utf8(
      `--${boundary}\r\nContent-Disposition: form-data; name="password"\r\n\r\n${password}\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="image"; filename="scan.png"\r\nContent-Type: image/png\r\n\r\n`,
    ),
    file,
    utf8(`\r\n--${boundary}--\r\n`),
  ]);
}

function ingestBody(password: string, email: string, name = 'batch-1'): string {
  return JSON.stringify({
    name,
    batch: [{ events: [{ ctx: { user: { password, contact: email } } }] }],
  });
}

function profileRequest(v: {
  email: string;
  auth: string;
  keys: readonly [string, string];
  sid: string;
  csrf: string;
  proxy: string;
  q: readonly [string, string, string];
  page?: string;
}): [string, SendOptions] {
  return [
    `/users/${v.email}/profile?api_key=${v.q[0]}&acc%65ss_token=${v.q[1]}&API_KEY=${v.q[2]}&page=${v.page ?? '2'}`,
    {
      headers: {
        authorization: `Bearer ${v.auth}`,
        'x-api-key': [v.keys[0], v.keys[1]],
        cookie: [`sid=${v.sid}; theme=dark`, `csrftoken=${v.csrf}`],
        'proxy-authorization': `Basic ${b64(`proxyuser:${v.proxy}`)}`,
        accept: 'application/json',
      },
    },
  ];
}

const KEY_ENV = { TAPEDECK_REDACTION_KEY: `leak-test-key-${randomBytes(16).toString('hex')}` };

// ---- the test -------------------------------------------------------------------------------

describe('the leak test', () => {
  it('no canary reaches disk, a log, an error body or a miss report, in any encoding', async () => {
    const root = await tmpDir('tapedeck-leak-');
    const dirs = layout(root);
    const rulesDir = join(root, 'redaction-rules');
    await mkdir(rulesDir, { recursive: true });
    await writeFile(join(rulesDir, 'leak.json'), `${JSON.stringify(RULES, null, 2)}\n`);
    const flags = [{ pointer: '/redactionRules', value: rulesDir, flag: '--redaction-rules' }];

    const c = new Canaries();
    const secrets = upstreamSecrets(c);
    let origin = '';
    const upstream = await startUpstream(upstreamHandler(secrets, () => origin));
    origin = upstream.url;
    const recorder = await startTapedeck('record', {
      ...dirs,
      target: upstream.url,
      mode: 'all',
      flags,
      env: KEY_ENV,
    });
    const answers: Place[] = [];

    // 1. Headers, a repeated header, cookies, proxy-authorization, query names, an email path.
    const profile = {
      email: c.add('path email', (x) => `${x}@corp.io`),
      auth: c.add('authorization bearer'),
      keys: [c.add('x-api-key #1'), c.add('x-api-key #2')] as const,
      sid: c.add('cookie sid'),
      csrf: c.add('cookie csrftoken (second cookie header)'),
      proxy: c.add('proxy-authorization basic password'),
      q: [c.add('query api_key'), c.add('query acc%65ss_token'), c.add('query API_KEY')] as const,
    };
    const [profilePath, profileOptions] = profileRequest(profile);
    const r1 = await send(recorder.url, profilePath, profileOptions);
    expect(r1.status).toBe(200);
    expect(r1.json()).toEqual({
      note: `authorization was Bearer ${profile.auth}`,
      profile: { plan: 'pro' },
    });

    // 2. Basic credentials, the decoded password echoed back.
    const basicPassword = c.add('basic password');
    const r2 = await send(recorder.url, '/basic', {
      headers: { authorization: `Basic ${b64(`jane:${basicPassword}`)}` },
    });
    expect(r2.json()).toEqual({
      note: `welcome back, your password ${basicPassword} still works`,
    });

    // 3. Nested JSON at depth 4+ inside arrays, for every method with a body.
    const items: Record<string, ItemsBody> = {};
    for (const method of METHODS) {
      items[method] = {
        password: c.add(`${method} body password`),
        clientSecret: c.add(`${method} body client_secret`),
        blob: c.add(`${method} body signing_blob`),
        keyedEmail: c.add(`${method} body email as a key`, (x) => `${x}@corp.io`),
        memberBlob: c.add(`${method} body signing_blob under the email key`),
      };
      const r = await send(recorder.url, '/v1/items/42', {
        method,
        headers: { 'content-type': 'application/json' },
        body: itemsBody(items[method]),
      });
      expect(r.status, method).toBe(200);
      expect(findKey(r.json(), 'signing_blob'), method).toBe(secrets.itemsResponse[method]!.blob);
      expect(findKey(r.json(), 'note')).toBe(`you sent ${items[method].password}`);
    }

    // 4. A token issued by one response, used by the next request where no rule looks.
    const oauth = {
      password: c.add('oauth form password'),
      clientSecret: c.add('oauth form client_secret'),
    };
    const r4 = await send(recorder.url, '/oauth/token', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: formBody(oauth.password, oauth.clientSecret),
    });
    expect(r4.json()).toMatchObject({
      access_token: secrets.issued,
      refresh_token: secrets.refresh,
    });
    expect(r4.headers['set-cookie']).toEqual([
      `session=${secrets.setCookies[0]}; Path=/; HttpOnly`,
      `refresh=${secrets.setCookies[1]}; Path=/oauth; Secure; SameSite=Strict`,
      `tracking=${secrets.setCookies[2]}; Max-Age=3600`,
    ]);
    const meAuth = c.add('authorization on /me');
    const r5 = await send(recorder.url, `/me?ctx=${secrets.issued}&view=full`, {
      headers: {
        authorization: `Bearer ${meAuth}`,
        'x-request-context': `v1:${secrets.issued}`,
      },
    });
    expect(r5.json()).toEqual({ id: 'u_1', context: `v1:${secrets.issued}` });

    // 5. Form fields.
    const form = { password: c.add('form password'), clientSecret: c.add('form client_secret') };
    const r6 = await send(recorder.url, '/v1/forms', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: formBody(form.password, form.clientSecret),
    });
    expect(r6.status).toBe(200);

    // 6. Multipart: a secret text field and a file part (text, then binary).
    const boundary = `----leak${randomBytes(8).toString('hex')}`;
    const mp = {
      secret: c.add('multipart api_secret field'),
      file: c.add('multipart text file sk_live_ token', (x) => `sk_live_${x}`),
      encoded: c.add(
        'multipart base64 (transfer-encoded) file sk_live_ token',
        (x) => `sk_live_${x}`,
      ),
      password: c.add('binary multipart password field'),
      binaryFile: c.add('binary multipart file ghp_ token', (x) => `ghp_${x}`, 15),
    };
    const mpText = multipartText(boundary, mp.secret, mp.file, mp.encoded);
    const r7 = await send(recorder.url, '/v1/upload', {
      method: 'POST',
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
      body: mpText,
    });
    expect(r7.status).toBe(200);
    const mpBinary = multipartBinary(boundary, mp.password, mp.binaryFile);
    const r8 = await send(recorder.url, '/v1/upload-binary', {
      method: 'POST',
      headers: { 'content-type': `multipart/form-data; boundary="${boundary}"` },
      body: mpBinary,
    });
    expect(r8.status).toBe(200);

    // 7. gzip and brotli, both directions.
    const gz = {
      password: c.add('gzip request password'),
      email: c.add('gzip request email', (x) => `${x}@corp.io`),
    };
    const gzBody = gzipSync(ingestBody(gz.password, gz.email));
    const r9 = await send(recorder.url, '/v1/ingest', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'content-encoding': 'gzip',
        'accept-encoding': 'gzip',
      },
      body: gzBody,
    });
    expect(header(r9.headers, 'content-encoding')).toBe('gzip');
    expect(r9.json()).toEqual({
      accepted: [{ batch: { owner: { email: secrets.gz.email, api_key: secrets.gz.apiKey } } }],
      echo: `got ${gz.password}`,
    });
    const br = {
      password: c.add('brotli request password'),
      email: c.add('brotli request email', (x) => `${x}@corp.io`),
    };
    const brBody = brotliCompressSync(ingestBody(br.password, br.email));
    const r10 = await send(recorder.url, '/v1/ingest-br', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'content-encoding': 'br',
        'accept-encoding': 'br',
      },
      body: brBody,
    });
    expect(header(r10.headers, 'content-encoding')).toBe('br');
    expect(r10.json()).toEqual({
      accepted: [{ batch: { owner: { email: secrets.br.email, api_key: secrets.br.apiKey } } }],
      echo: `got ${br.password}`,
    });

    // 8. A token in a path a rule names; a Location with secrets in its query string.
    const pathToken = c.add('path token (rule)');
    const r11 = await send(recorder.url, `/v1/tokens/${pathToken}/revoke`, { method: 'POST' });
    expect(r11.json()).toEqual({ revoked: true });
    const r13 = await send(recorder.url, '/v1/report');
    expect(r13.text()).toBe(reportBody(secrets.report));
    const r14 = await send(recorder.url, '/v1/legacy');
    expect(r14.text()).toBe(legacyBody(secrets.legacy));
    // A secret in a query parameter's name (PHP-style `owner[<email>]`).
    const nameEmail = c.add('query parameter name email', (x) => `${x}@corp.io`);
    const r15 = await send(recorder.url, `/v1/search?owner%5B${nameEmail}%5D=admin&limit=5`);
    expect(r15.status).toBe(200);
    expect(header(r1.headers, 'x-debug-owner')).toBe(`owner=${secrets.debugOwner}; region=eu`);
    const r12 = await send(recorder.url, '/login/start');
    expect(r12.status).toBe(302);
    expect(header(r12.headers, 'location')).toBe(
      `/callback?code=${secrets.code}&state=s-1&access_token=${secrets.locationToken}`,
    );

    // ---- redaction never changes what is forwarded -----------------------------------------
    const seen = upstream.requests;
    expect(seen).toHaveLength(18);
    const seenProfile = seen[0]!;
    expect(seenProfile.url).toBe(profilePath);
    expect(seenProfile.headers.authorization).toBe(`Bearer ${profile.auth}`);
    const rawPairs = (s: SeenRequest, name: string) =>
      s.rawHeaders.filter((_, i) => i % 2 === 1 && s.rawHeaders[i - 1]!.toLowerCase() === name);
    expect(rawPairs(seenProfile, 'x-api-key')).toEqual([...profile.keys]);
    expect(rawPairs(seenProfile, 'cookie')).toEqual([
      `sid=${profile.sid}; theme=dark`,
      `csrftoken=${profile.csrf}`,
    ]);
    // Proxy-Authorization is for the hop to tapedeck (hop-by-hop): it is never forwarded.
    expect(seenProfile.headers['proxy-authorization']).toBeUndefined();
    expect(seen[1]!.headers.authorization).toBe(`Basic ${b64(`jane:${basicPassword}`)}`);
    METHODS.forEach((method, i) => {
      expect(seen[2 + i]!.method).toBe(method);
      expect(seen[2 + i]!.body.toString('utf8')).toBe(itemsBody(items[method]!));
    });
    expect(seen[6]!.body.toString('utf8')).toBe(formBody(oauth.password, oauth.clientSecret));
    expect(seen[7]!.url).toBe(`/me?ctx=${secrets.issued}&view=full`);
    expect(seen[7]!.headers['x-request-context']).toBe(`v1:${secrets.issued}`);
    expect(seen[8]!.body.toString('utf8')).toBe(formBody(form.password, form.clientSecret));
    expect(seen[9]!.body.toString('utf8')).toBe(mpText);
    expect(seen[10]!.body.equals(mpBinary)).toBe(true);
    expect(seen[11]!.body.equals(gzBody)).toBe(true);
    expect(seen[12]!.body.equals(brBody)).toBe(true);
    expect(seen[13]!.url).toBe(`/v1/tokens/${pathToken}/revoke`);

    // ---- error bodies from the record proxy ------------------------------------------------
    const errorCanaries = {
      auth: c.add('error: authorization'),
      password: c.add('error: body password'),
      email: c.add('error: path email', (x) => `${x}@corp.io`),
      key: c.add('error: query api_key'),
    };
    // A body that is not what its Content-Encoding says: 400 before anything else runs.
    const e1 = await send(recorder.url, `/v1/items/1?api_key=${errorCanaries.key}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${errorCanaries.auth}`,
        'content-type': 'application/json',
        'content-encoding': 'gzip',
      },
      body: JSON.stringify({ a: [{ b: { c: { password: errorCanaries.password } } }] }),
      decode: false,
    });
    expect(e1.status).toBe(400);
    answers.push(answerPlace('record 400 (bad content-encoding) body', e1));

    // WAL and journal files exist only while the state store is open: read them now.
    const whileRecording = await filePlaces('while recording', [dirs.cassettes, dirs.stateDir]);

    // The upstream goes away: the proxy's 502 must not repeat the request either.
    await upstream.close();
    const e2 = await send(
      recorder.url,
      `/users/${encodeURIComponent(errorCanaries.email)}/profile?api_key=${errorCanaries.key}`,
      {
        headers: {
          authorization: `Bearer ${errorCanaries.auth}`,
          'content-type': 'application/json',
        },
        method: 'POST',
        body: JSON.stringify({ user: [{ x: { y: { password: errorCanaries.password } } }] }),
      },
    );
    expect(e2.status).toBeGreaterThanOrEqual(500);
    answers.push(answerPlace('record 5xx (upstream gone) body', e2));

    await recorder.stop();

    // ---- what was recorded -----------------------------------------------------------------
    expect(recorder.logger.lines.filter((l) => l.event === 'record.blocked')).toEqual([]);
    const cassette = await readCassette(dirs.cassettes);
    expect(cassette.interactions).toHaveLength(18);
    // JSON kept as text is still JSON after redaction (a tracked number does not break it).
    for (const i of cassette.interactions) {
      const body = i.response.body;
      if (body?.encoding === 'text' && /json/.test(String(i.response.headers['content-type'])))
        expect(() => JSON.parse(body.text) as unknown, i.request.path).not.toThrow();
    }
    const byPath = (prefix: string): Interaction =>
      cassette.interactions.find((i) => i.request.path.startsWith(prefix))!;
    // The issued token became one pseudonym, wherever it went next.
    const issuedPseudonym = jsonOf<{ access_token: string }>(
      byPath('/oauth/token').response.body,
    ).access_token;
    expect(issuedPseudonym).toMatch(/^tdp_[a-z2-7]{24}$/);
    // x-request-context is a header no rule and no name heuristic knows: only value tracking.
    expect(byPath('/me').request.headers['x-request-context']).toBe(`v1:${issuedPseudonym}`);
    expect(byPath('/me').request.query['ctx']).toBe(issuedPseudonym);

    // ---- replay: the upstream is gone ------------------------------------------------------
    const replay = await startTapedeck('replay', { ...dirs, flags, env: KEY_ENV });

    // Requests that carry other real-looking credentials still match the recording.
    const other = {
      email: c.add('replay: path email', (x) => `${x}@corp.io`),
      auth: c.add('replay: authorization'),
      keys: [c.add('replay: x-api-key #1'), c.add('replay: x-api-key #2')] as const,
      sid: c.add('replay: cookie sid'),
      csrf: c.add('replay: cookie csrftoken'),
      proxy: c.add('replay: proxy-authorization'),
      q: [
        c.add('replay: query api_key'),
        c.add('replay: query acc%65ss_token'),
        c.add('replay: query API_KEY'),
      ] as const,
    };
    const matches: [string, string, SendOptions][] = [
      ['profile with other credentials', ...profileRequest(other)],
      [
        'Basic with another password',
        '/basic',
        {
          headers: {
            authorization: `Basic ${b64(`jane:${c.add('replay: basic password')}`)}`,
          },
        },
      ],
      ...METHODS.map((method): [string, string, SendOptions] => [
        `${method} items with other secrets`,
        '/v1/items/42',
        {
          method,
          headers: { 'content-type': 'application/json' },
          body: itemsBody({
            password: c.add(`replay: ${method} password`),
            clientSecret: c.add(`replay: ${method} client_secret`),
            blob: c.add(`replay: ${method} signing_blob`),
            keyedEmail: c.add(`replay: ${method} email key`, (x) => `${x}@corp.io`),
            memberBlob: c.add(`replay: ${method} member signing_blob`),
          }),
        },
      ]),
      [
        'oauth token with other client credentials',
        '/oauth/token',
        {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: formBody(c.add('replay: oauth password'), c.add('replay: oauth client_secret')),
        },
      ],
      [
        'form with other secrets',
        '/v1/forms',
        {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: formBody(c.add('replay: form password'), c.add('replay: form client_secret')),
        },
      ],
      [
        'multipart with other secrets',
        '/v1/upload',
        {
          method: 'POST',
          headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
          body: multipartText(
            boundary,
            c.add('replay: multipart api_secret'),
            c.add('replay: multipart sk_live_', (x) => `sk_live_${x}`),
            // Inside base64 a pseudonym is not recognisable as one, so it matches only the same
            // secret under the same key (see the report).
            mp.encoded,
          ),
        },
      ],
      [
        'gzip body with other secrets',
        '/v1/ingest',
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
          body: gzipSync(
            ingestBody(
              c.add('replay: gzip password'),
              c.add('replay: gzip email', (x) => `${x}@corp.io`),
            ),
          ),
        },
      ],
      [
        'another token in the revoke path',
        `/v1/tokens/${c.add('replay: path token')}/revoke`,
        { method: 'POST' },
      ],
    ];
    for (const [label, path, options] of matches) {
      const r = await send(replay.url, path, options);
      expect(r.status, label).not.toBe(599);
      expect(header(r.headers, 'x-tapedeck-layer'), label).toBe('cassette');
      answers.push(answerPlace(`replay match: ${label}`, r));
    }

    // Requests that miss, with canaries in recognised places, as JSON and as text.
    const missAuth = c.add('miss: authorization (also in a plain query param)');
    const misses: [string, string, SendOptions][] = [
      [
        'unknown path',
        `/nowhere/${c.add('miss: path email', (x) => `${x}@corp.io`)}?api_key=${c.add('miss: api_key')}&ctx=${missAuth}`,
        {
          headers: {
            authorization: `Bearer ${missAuth}`,
            'x-api-key': c.add('miss: x-api-key'),
            cookie: `sid=${c.add('miss: cookie')}`,
          },
        },
      ],
      [
        'profile, another page',
        ...profileRequest({
          email: c.add('miss: profile email', (x) => `${x}@corp.io`),
          auth: c.add('miss: profile authorization'),
          keys: [c.add('miss: profile x-api-key #1'), c.add('miss: profile x-api-key #2')],
          sid: c.add('miss: profile sid'),
          csrf: c.add('miss: profile csrf'),
          proxy: c.add('miss: profile proxy-authorization'),
          q: [
            c.add('miss: profile api_key'),
            c.add('miss: profile acc%65ss_token'),
            c.add('miss: profile API_KEY'),
          ],
          page: '3',
        }),
      ],
      [
        'items, a changed name',
        '/v1/items/42',
        {
          method: 'PATCH',
          headers: { 'content-type': 'application/json' },
          body: itemsBody(
            {
              password: c.add('miss: items password'),
              clientSecret: c.add('miss: items client_secret'),
              blob: c.add('miss: items signing_blob'),
              keyedEmail: c.add('miss: items email key', (x) => `${x}@corp.io`),
              memberBlob: c.add('miss: items member signing_blob'),
            },
            'gadget',
          ),
        },
      ],
      [
        'form, an extra field',
        '/v1/forms',
        {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: formBody(
            c.add('miss: form password'),
            c.add('miss: form client_secret'),
            `&email=${encodeURIComponent(c.add('miss: form email', (x) => `${x}@corp.io`))}`,
          ),
        },
      ],
      [
        'search, an email in a parameter name',
        `/v1/search?owner%5B${c.add('miss: query parameter name email', (x) => `${x}@corp.io`)}%5D=viewer&limit=5`,
        {},
      ],
      [
        'token path, another action',
        `/v1/tokens/${c.add('miss: path token')}/rotate`,
        { method: 'POST' },
      ],
      [
        'gzip body, another name',
        '/v1/ingest',
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
          body: gzipSync(
            ingestBody(
              c.add('miss: gzip password'),
              c.add('miss: gzip email', (x) => `${x}@corp.io`),
              'batch-2',
            ),
          ),
        },
      ],
    ];
    for (const [label, path, options] of misses) {
      for (const accept of ['application/json', undefined]) {
        const headers = { ...options.headers };
        if (accept === undefined) delete headers['accept'];
        else headers['accept'] = accept;
        const r = await send(replay.url, path, { ...options, headers });
        expect(r.status, label).toBe(599);
        answers.push(answerPlace(`replay miss (${accept ?? 'text'}): ${label}`, r));
      }
    }
    const whileReplaying = await filePlaces('while replaying', [dirs.cassettes, dirs.stateDir]);
    await replay.stop();

    // ---- search every byte -----------------------------------------------------------------
    const files = [
      ...whileRecording,
      ...whileReplaying,
      ...(await filePlaces('after replay', [dirs.cassettes, dirs.stateDir])),
    ];
    const places: Place[] = [
      ...files,
      logPlace('record log', recorder),
      logPlace('replay log', replay),
      ...answers,
    ];
    const report = searchLeaks(c.all, places);
    console.log(
      [
        `leak test: ${report.canaries} canaries × ${report.forms} forms (${BASIC_FORMS} basic: raw, URL-encoded, base64 ±padding, base64url ±padding, hex, HEX; + ${report.forms - BASIC_FORMS} base64 at other alignments)`,
        `  × ${report.places} places (${files.length} file snapshots: ${files.map((f) => f.name.replace(root, '')).join(', ')}; 2 logs; ${answers.length} client-facing answers: ${answers.filter((a) => a.name.startsWith('record')).length} record errors, ${answers.filter((a) => a.name.startsWith('replay miss')).length} misses, ${answers.filter((a) => a.name.startsWith('replay match')).length} replay matches)`,
        `  = ${report.needles} needles (planted value and distinct core of each canary) × ${report.places} places = ${report.needles * report.places} searches; ${report.hits.length} hit(s)`,
      ].join('\n'),
    );
    expect(report.hits).toEqual([]);
    // The search itself works: it finds the canaries in what the upstream saw.
    const control = searchLeaks(c.all, [
      {
        name: 'upstream saw',
        bytes: Buffer.concat(seen.map((s) => utf8(`${s.url} ${s.rawHeaders.join(' ')}\n`))),
      },
      { name: 'binary upload', bytes: mpBinary },
    ]);
    expect(control.hits).toContain(`x-api-key #2 (raw of ${profile.keys[1]}) in upstream saw`);
    expect(control.hits).toContain(
      `binary multipart file ghp_ token (raw of ${mp.binaryFile}) in binary upload`,
    );
  });
});
