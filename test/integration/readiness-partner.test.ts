/**
 * Issue 16's readiness report, end to end: a real sandbox (standard profile, a small spec, SQLite
 * state, rate limits on, a timeout scenario armed) on a manual clock, and scripted partners — an
 * undici client and a webhook receiver that verifies with the `standardwebhooks` package and
 * dedupes by webhook-id. The partner that does everything right passes every default criterion
 * through `tapedeck readiness --check` (in process, on the state directory); each partner that
 * gets one thing wrong (ignores Retry-After, retries without its Idempotency-Key, never verifies
 * signatures, stops paginating early) fails exactly the matching criterion, its evidence named.
 * Time moves only through the server's clock: a partner "waits" by advancing it.
 */
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReadinessReport } from '../../src/core/readiness/types.js';
import { buildProgram } from '../../src/cli/main.js';
import type { CliContext } from '../../src/cli/context.js';
import { failWith } from '../../src/cli/common.js';
import { isTapedeckError } from '../../src/core/errors.js';
import { ManualTime } from '../helpers/manual-time.js';
import { startSandbox, type RunningSandbox } from '../helpers/sandbox.js';

/** A small spec: widgets to create, list (paged) and read. */
const WIDGETS = {
  openapi: '3.0.3',
  info: { title: 'Widgets (readiness fixture)', version: '1.0.0' },
  paths: {
    '/widgets': {
      get: {
        operationId: 'listWidgets',
        parameters: [
          { name: 'limit', in: 'query', schema: { type: 'integer' } },
          { name: 'page', in: 'query', schema: { type: 'integer' } },
        ],
        responses: {
          '200': {
            description: 'Widgets.',
            content: {
              'application/json': {
                schema: { type: 'array', items: { $ref: '#/components/schemas/Widget' } },
              },
            },
          },
        },
      },
      post: {
        operationId: 'createWidget',
        requestBody: {
          content: { 'application/json': { schema: { $ref: '#/components/schemas/NewWidget' } } },
        },
        responses: {
          '201': {
            description: 'Created.',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Widget' } } },
          },
        },
      },
    },
    '/widgets/{id}': {
      get: {
        operationId: 'getWidget',
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
        responses: {
          '200': {
            description: 'A widget.',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Widget' } } },
          },
        },
      },
    },
  },
  components: {
    schemas: {
      Widget: {
        type: 'object',
        required: ['id'],
        properties: { id: { type: 'string' }, name: { type: 'string' } },
      },
      NewWidget: { type: 'object', properties: { name: { type: 'string' } } },
    },
  },
};

/**
 * How long the armed timeout holds a create before it closes the connection. Fault waits are
 * node timers (adapters/http/faults.ts), not the server's clock: 1 ms, so nothing here sleeps.
 */
const TIMEOUT_MS = 1;

interface Received {
  readonly id: string;
  readonly verified: boolean;
  readonly status: number;
}

/**
 * A partner's webhook receiver: verifies each delivery with the endpoint's secret (unless told
 * not to), refuses a bad signature with 400, answers a webhook-id it has seen 200 without doing
 * it again, and everything else 200 at once.
 */
class Receiver {
  readonly received: Received[] = [];
  /** The webhook-ids processed once each: the receiver's side effects. */
  readonly processed: string[] = [];
  secret = '';
  url = '';
  private waiters: { n: number; resolve: () => void }[] = [];
  private readonly sockets = new Set<Socket>();
  private server: Server | undefined;

  constructor(private readonly verifies: boolean) {}

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
        const id = headers['webhook-id'] ?? '';
        let verified = true;
        try {
          new Webhook(this.secret).verify(body, headers);
        } catch {
          verified = false;
        }
        let status = 200;
        if (this.verifies && !verified) status = 400;
        else if (!this.processed.includes(id)) this.processed.push(id);
        this.received.push({ id, verified, status });
        res.writeHead(status);
        res.end();
        this.waiters = this.waiters.filter((w) => {
          if (this.received.length < w.n) return true;
          w.resolve();
          return false;
        });
      });
    });
    this.server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks`;
  }

  arrived(n: number): Promise<void> {
    if (this.received.length >= n) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ n, resolve }));
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    if (this.server === undefined) return;
    this.server.close();
    await once(this.server, 'close');
  }
}

/** What a partner gets wrong; nothing, for the one that does everything right. */
interface Mistakes {
  readonly ignoresRetryAfter?: boolean;
  readonly retriesWithoutKey?: boolean;
  readonly neverVerifies?: boolean;
  readonly stopsPaginating?: boolean;
}

let root: string;
let specFile: string;
let stateDir: string;
let sandbox: RunningSandbox;
// Four minutes behind real time, and each partner moves it about 33 s: the report is gathered on
// the real clock, so every duplicate probe's 30 s window has closed by then, while the
// receiver's signature check (5 min of tolerance around its real clock) takes the timestamps.
const time = new ManualTime(Date.now() - 240_000);
const agent = new Agent({ keepAliveTimeout: 10, keepAliveMaxTimeout: 10 });
const receivers: Receiver[] = [];

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'tapedeck-readiness-'));
  specFile = join(root, 'widgets.json');
  writeFileSync(specFile, JSON.stringify(WIDGETS));
  stateDir = join(root, 'state');
  sandbox = await startSandbox({
    spec: specFile,
    profile: 'standard',
    time,
    stateDir,
    flags: [
      // 8 requests in 10 s: a burst of reads meets a 429 with Retry-After.
      {
        pointer: '/sandbox/rateLimits',
        value: [{ name: 'default', limit: 8, windowSeconds: 10 }],
        flag: 'test',
      },
      {
        pointer: '/sandbox/scenarios',
        value: [
          {
            name: 'create-times-out',
            description: 'The create runs, then the connection is held and closed: no answer.',
            operations: ['createWidget'],
            triggers: [{ armed: true }],
            outcome: { fault: 'timeout', at: 'after', ms: TIMEOUT_MS },
          },
        ],
        flag: 'test',
      },
    ],
  });
}, 120_000);

afterAll(async () => {
  await sandbox?.stop();
  for (const r of receivers) await r.close();
  await agent.close();
  if (root !== undefined) rmSync(root, { recursive: true, force: true });
});

async function admin(method: string, path: string, body?: unknown): Promise<unknown> {
  const answer = await sandbox.admin(method, path, body);
  const text = await answer.text();
  expect(answer.status, `${method} ${path}: ${text}`).toBeLessThan(300);
  return text === '' ? undefined : (JSON.parse(text) as unknown);
}

async function tenantId(name: string): Promise<string> {
  return ((await admin('GET', `tenants/${name}`)) as { tenant: { id: string } }).tenant.id;
}

/** Sends what is due for the tenant now (the dispatcher's drain), as the kick would. */
async function deliver(name: string): Promise<void> {
  await sandbox.server.webhooks!.dispatcher.drain(await tenantId(name));
}

/**
 * One scripted partner, on its own tenant: webhooks registered, widgets created with keys, a
 * create that times out and is retried, the list walked, a burst of reads into the rate limit
 * and the retry after it, then tapedeck's probes answered.
 */
async function runPartner(name: string, mistakes: Mistakes = {}): Promise<Receiver> {
  const key = await sandbox.createTenant(name);
  const receiver = new Receiver(mistakes.neverVerifies !== true);
  await receiver.start();
  receivers.push(receiver);
  const added = (await admin('POST', `tenants/${name}/webhooks/endpoints`, {
    url: receiver.url,
  })) as { secret: string };
  receiver.secret = added.secret;

  const call = async (
    method: string,
    path: string,
    options: { body?: unknown; key?: string } = {},
  ) => {
    const answer = await request(`${sandbox.url}${path}`, {
      method: method as 'GET',
      dispatcher: agent,
      headers: {
        authorization: `Bearer ${key}`,
        ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(options.key === undefined ? {} : { 'idempotency-key': options.key }),
      },
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    });
    const text = await answer.body.text();
    return {
      status: answer.statusCode,
      headers: answer.headers,
      json: text === '' ? undefined : (JSON.parse(text) as unknown),
    };
  };

  // Five widgets, each create with its own key; the webhooks they cause answered 2xx at once.
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) {
    const created = await call('POST', '/widgets', {
      body: { name: `w${i}` },
      key: `${name}-create-${i}`,
    });
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    ids.push((created.json as { id: string }).id);
  }
  await deliver(name);
  await receiver.arrived(5);

  // A create that times out: the partner cannot know whether it happened, so it retries with
  // the same key (or, the wrong partner, without one).
  await admin('POST', `tenants/${name}/scenarios`, { scenario: 'create-times-out', count: 1 });
  const createKey = mistakes.retriesWithoutKey === true ? undefined : `${name}-create-held`;
  const held = call('POST', '/widgets', {
    body: { name: 'held' },
    ...(createKey === undefined ? {} : { key: createKey }),
  }).then(
    () => 'answered',
    () => 'cut',
  );
  expect(await held).toBe('cut');
  const retried = await call('POST', '/widgets', {
    body: { name: 'held' },
    ...(createKey === undefined ? {} : { key: createKey }),
  });
  expect(retried.status).toBe(201);

  // A full bucket again (the creates took tokens).
  await time.advance(10_000);
  // The list, two at a time, to its end (Link rel=next), or only its first page.
  let next: string | undefined = '/widgets?limit=2';
  let pages = 0;
  while (next !== undefined) {
    const page = await call('GET', next);
    expect(page.status, `${next} ${JSON.stringify(page.headers)}`).toBe(200);
    pages++;
    const link = String(page.headers['link'] ?? '');
    const found = /<([^>]+)>;\s*rel="next"/.exec(link)?.[1];
    next =
      found === undefined
        ? undefined
        : new URL(found, sandbox.url).pathname + new URL(found, sandbox.url).search;
    if (mistakes.stopsPaginating === true) break;
  }
  // Six widgets (seven when the retry made another), two a page; the hasty partner reads one.
  expect(pages).toBe(
    mistakes.stopsPaginating === true ? 1 : mistakes.retriesWithoutKey === true ? 4 : 3,
  );
  // Let the journal's batch go, and the window of the rate limit start afresh.
  await time.advance(10_000);

  // Reads until the rate limit answers 429; then the retry, after Retry-After (or at once).
  let limited: Awaited<ReturnType<typeof call>> | undefined;
  let limitedPath = '';
  for (let i = 0; i < 20 && limited === undefined; i++) {
    const path = `/widgets/${ids[i % ids.length]!}`;
    const read = await call('GET', path);
    if (read.status === 429) [limited, limitedPath] = [read, path];
    else expect(read.status).toBe(200);
  }
  expect(limited, 'a 429').toBeDefined();
  const retryAfter = Number(limited!.headers['retry-after']);
  expect(retryAfter).toBeGreaterThan(0);
  if (mistakes.ignoresRetryAfter !== true) await time.advance(retryAfter * 1000);
  const again = await call('GET', limitedPath);
  if (mistakes.ignoresRetryAfter === true) {
    expect(again.status).toBe(429);
    await time.advance(retryAfter * 1000);
    expect((await call('GET', limitedPath)).status).toBe(200);
  } else expect(again.status).toBe(200);

  // tapedeck's probes: a wrong signature and a duplicate of the newest delivered event.
  const before = receiver.received.length;
  await deliver(name);
  const probed = (await admin('POST', `tenants/${name}/webhooks/probe`, { kind: 'both' })) as {
    probes: { id: string; probe: string; eventId: string }[];
  };
  expect(probed.probes.map((p) => p.probe)).toEqual(['bad-signature', 'duplicate']);
  await deliver(name);
  await receiver.arrived(before + 2);
  await time.advance(1_000);
  return receiver;
}

/** `tapedeck …` in process, on the sandbox's state directory. */
async function tapedeck(
  args: readonly string[],
): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const cli: CliContext = {
    io: {
      stdout: { write: (s: string) => ((out += s), true) },
      stderr: { write: (s: string) => ((err += s), true) },
      env: {},
    },
    cwd: root,
    exitCode: 0,
    stopSignal: () => new Promise(() => undefined),
  };
  try {
    await buildProgram(cli).parseAsync(['node', 'tapedeck', ...args]);
  } catch (error) {
    if (isTapedeckError(error)) failWith(cli, error);
    else throw error;
  }
  return { code: cli.exitCode, out, err };
}

const SANDBOX_ARGS = () => ['--spec', specFile, '--profile', 'standard', '--state-dir', stateDir];

async function reportOf(name: string, extra: readonly string[] = []) {
  const run = await tapedeck([
    'readiness',
    '--tenant',
    name,
    '--format',
    'json',
    '--check',
    ...extra,
    ...SANDBOX_ARGS(),
  ]);
  expect(run.err).toBe('');
  return { code: run.code, report: JSON.parse(run.out) as ReadinessReport };
}

const verdicts = (report: ReadinessReport) =>
  Object.fromEntries(report.criteria.map((c) => [c.id, c.verdict]));

describe('a scripted partner against the readiness criteria', () => {
  it('the partner that does everything right is ready: every default criterion passes', async () => {
    const receiver = await runPartner('good');
    // The probes as the receiver saw them: the wrong signature fails standardwebhooks' check and
    // was refused; the duplicate carries the webhook-id of a delivery already processed.
    const [bad, duplicate] = receiver.received.slice(-2);
    expect(bad).toMatchObject({ verified: false, status: 400 });
    expect(duplicate).toMatchObject({ verified: true, status: 200 });
    expect(receiver.received.filter((r) => r.id === duplicate!.id).length).toBeGreaterThan(1);
    expect(receiver.processed.filter((id) => id === duplicate!.id)).toHaveLength(1);

    const { code, report } = await reportOf('good');
    expect(verdicts(report)).toEqual({
      'retry-after': 'pass',
      'idempotent-retry': 'pass',
      'webhooks-acknowledged': 'pass',
      'webhook-duplicate': 'pass',
      'webhook-signature': 'pass',
      pagination: 'pass',
      'error-rate': 'pass',
      'latency-p95': 'pass',
      'spec-conformance': 'pass',
    });
    expect(report.verdict).toBe('ready');
    expect(code).toBe(0);
    expect(report.coverage.operations.exercised).toEqual([
      'createWidget',
      'getWidget',
      'listWidgets',
    ]);
    expect(report.versions.spec).toEqual({
      name: 'widgets.json',
      hash: expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
    });
  }, 60_000);

  for (const [name, mistakes, failing] of [
    ['impatient', { ignoresRetryAfter: true }, 'retry-after'],
    ['keyless', { retriesWithoutKey: true }, 'idempotent-retry'],
    ['trusting', { neverVerifies: true }, 'webhook-signature'],
    ['hasty', { stopsPaginating: true }, 'pagination'],
  ] as const) {
    it(`a partner that gets ${failing} wrong fails exactly that criterion, with the evidence`, async () => {
      await runPartner(name, mistakes);
      const { code, report } = await reportOf(name);
      const failed = report.criteria.filter((c) => c.verdict !== 'pass');
      expect(failed.map((c) => [c.id, c.verdict])).toEqual([[failing, 'fail']]);
      const result = failed[0]!;
      expect(result.evidence.length).toBeGreaterThan(0);
      expect(result.evidence[0]!.requestId ?? result.evidence[0]!.deliveryId).toMatch(/\S/);
      expect(result.next).toMatch(/\S/);
      expect(report.verdict).toBe('not-ready');
      expect(code).toBe(1);
    }, 60_000);
  }

  it('a sign-off holds until the criteria change; then the report says what changed', async () => {
    const signed = await tapedeck([
      'readiness',
      'sign',
      '--tenant',
      'good',
      '--by',
      'Ada (payments)',
      '--note',
      'go-live',
      '--json',
      ...SANDBOX_ARGS(),
    ]);
    expect(signed.err).toBe('');
    expect(signed.code).toBe(0);
    const { signoff } = JSON.parse(signed.out) as { signoff: { reportHash: string; by: string } };
    expect(signoff.by).toBe('Ada (payments)');

    const holds = await reportOf('good');
    expect(holds.report.hash).toBe(signoff.reportHash);
    expect(holds.report.signoff).toMatchObject({ by: 'Ada (payments)', holds: true, changed: [] });

    // The same criteria, written to a file, and one made stricter: a 1 ms p95.
    const file = join(root, 'criteria.json');
    writeFileSync(
      file,
      JSON.stringify({
        name: 'Widgets go-live',
        criteria: [
          ...holds.report.criteria.map((c) => ({ id: c.id, kind: c.kind })),
          {
            id: 'creates',
            kind: 'operations',
            operations: [{ operation: 'createWidget', min: 3 }],
          },
        ],
      }),
    );
    const changed = await reportOf('good', ['--criteria', file]);
    expect(changed.report.signoff?.holds).toBe(false);
    expect(changed.report.signoff?.changed).toEqual(['criteria', 'report: creates (new, pass)']);
    expect(readFileSync(file, 'utf8')).toContain('Widgets go-live');

    // A partner that is not ready cannot be signed off.
    const refused = await tapedeck([
      'readiness',
      'sign',
      '--tenant',
      'hasty',
      '--by',
      'Ada',
      ...SANDBOX_ARGS(),
    ]);
    expect(refused.code).toBe(2);
    expect(refused.err).toContain('pagination (fail)');

    // A name with a bidirectional override reads one way and is stored another: refused.
    for (const [flag, value] of [
      ['--by', 'Ada\u202Egnp.exe'],
      ['--note', 'ok\u001b[2Jcleared'],
    ] as const) {
      const hostile = await tapedeck([
        'readiness',
        'sign',
        '--tenant',
        'good',
        '--by',
        flag === '--by' ? value : 'Ada',
        ...(flag === '--note' ? ['--note', value] : []),
        ...SANDBOX_ARGS(),
      ]);
      expect(hostile.code).toBe(2);
      expect(hostile.err).toContain(`${flag} must be 1 to`);
    }
  }, 60_000);

  it('--check exits 2 on bad input: an unknown tenant, a criteria file that does not load', async () => {
    expect(
      (await tapedeck(['readiness', '--tenant', 'nobody', '--check', ...SANDBOX_ARGS()])).code,
    ).toBe(2);
    const bad = join(root, 'bad-criteria.json');
    writeFileSync(bad, '{"name": "x", "criteria": [{"id": "a", "kind": "nope"}]}');
    const run = await tapedeck([
      'readiness',
      '--tenant',
      'good',
      '--check',
      '--criteria',
      bad,
      ...SANDBOX_ARGS(),
    ]);
    expect(run.code).toBe(2);
    expect(run.err).toContain('TD_READINESS_CRITERIA_INVALID');
  }, 60_000);
  it('tapedeck webhooks probe queues a probe on the state directory; the sandbox sends it once', async () => {
    const receiver = receivers[0]!;
    const before = receiver.received.length;
    const run = await tapedeck([
      'webhooks',
      'probe',
      '--tenant',
      'good',
      '--kind',
      'bad-signature',
      '--json',
      '--state-dir',
      stateDir,
      '--profile',
      'standard',
    ]);
    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    const { probes } = JSON.parse(run.out) as { probes: { id: string; probe: string }[] };
    expect(probes.map((p) => p.probe)).toEqual(['bad-signature']);
    // The command ran on the real clock, which the sandbox's is behind: it is due at real now.
    await time.advance(Math.max(0, Date.now() - time.now()) + 1_000);
    await deliver('good');
    await receiver.arrived(before + 1);
    expect(receiver.received.slice(before)).toEqual([
      expect.objectContaining({ verified: false, status: 400 }),
    ]);
    // Refused with a 400, the probe failed after its one attempt: never retried.
    const log = (await admin('GET', `tenants/good/webhooks/deliveries/${probes[0]!.id}`)) as {
      delivery: { status: string; attempts: number; probe: string };
    };
    expect(log.delivery).toMatchObject({ status: 'failed', attempts: 1, probe: 'bad-signature' });
    const bad = await tapedeck([
      'webhooks',
      'probe',
      '--tenant',
      'good',
      '--kind',
      'nope',
      '--state-dir',
      stateDir,
    ]);
    expect(bad.code).toBe(2);
  }, 60_000);
});
