/**
 * `tapedeck record --webhooks PORT` (issue 15, docs/webhooks.md "Recording staging's webhooks"):
 * a fake staging API behind the record proxy, a fake staging webhook sender that signs as Stripe
 * does (SCHEMES.stripe.sign, the node Signer) and POSTs to the webhook listener, and a receiver
 * on a loopback port that verifies the forwarded copy with the Stripe SDK's `constructEvent`.
 * Real sockets throughout; every wait is on an event (a log line, a printed line, an answer).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Stripe from 'stripe';
import { afterEach, describe, expect, it } from 'vitest';
import { systemSigner } from '../../src/adapters/system/signer.js';
import { composeServerWith } from '../../src/app/compose/compose.js';
import { composeRecordWebhooks } from '../../src/app/compose/webhooks.js';
import type { CliContext } from '../../src/cli/context.js';
import { buildProgram } from '../../src/cli/main.js';
import { SCHEMES } from '../../src/core/webhooks/signature.js';
import { defer, runCleanups } from '../helpers/cleanup.js';
import { send } from '../helpers/client.js';
import { readCassette } from '../helpers/files.js';
import { CollectingLogger } from '../helpers/logger.js';
import { redactorWith } from '../helpers/redaction.js';
import { configFor, layout, startTapedeck } from '../helpers/tapedeck.js';
import { tmpDir } from '../helpers/tmp.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';

afterEach(runCleanups);

const STAGING_SECRET = `whsec_${'Stg0'.repeat(8)}`;
const LEAKED = `sk_live_${'Q7x'.repeat(10)}`;
const stripe = new Stripe('sk_test_x', { apiVersion: '2020-08-27' });

function event(id: string, extra: Record<string, unknown> = {}) {
  return {
    id,
    object: 'event',
    type: 'payment_intent.succeeded',
    created: 1_700_000_000,
    data: {
      object: { id: 'pi_1', object: 'payment_intent', amount: 2000, status: 'succeeded', ...extra },
    },
  };
}

/** Staging's sender: the body signed as Stripe signs it, POSTed to the webhook listener. */
async function stagingSends(
  url: string,
  body: string,
  options: { secret?: string; tamper?: (body: string) => string } = {},
): Promise<Response> {
  const signed = SCHEMES.stripe.sign(
    {
      messageId: 'evt',
      timestampS: Math.floor(Date.now() / 1000),
      body: new TextEncoder().encode(body),
      secrets: [options.secret ?? STAGING_SECRET],
      endpointId: 'we_staging',
    },
    systemSigner,
  );
  return fetch(`${url}/stripe/webhooks`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
      ...Object.fromEntries(signed),
    },
    body: options.tamper === undefined ? body : options.tamper(body),
  });
}

function echoStaging(): Promise<TestUpstream> {
  return startUpstream((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ id: 'pi_1', path: req.url }));
  });
}

async function rig(options: { forward?: boolean; receiverStatus?: number } = {}) {
  const dirs = layout(await tmpDir());
  const staging = await echoStaging();
  const receiver = await startUpstream((_req, res) => {
    res.writeHead(options.receiverStatus ?? 200);
    res.end('ok');
  });
  const recorder = await startTapedeck('record', {
    ...dirs,
    target: staging.url,
    env: { STAGING_SECRET },
    flags: [
      { pointer: '/record/webhooks/port', value: 0, flag: '--webhooks' },
      {
        pointer: '/record/webhooks/secretEnv',
        value: 'STAGING_SECRET',
        flag: '--webhooks-secret-env',
      },
      { pointer: '/sandbox/profile', value: 'stripe', flag: '--profile' },
      ...(options.forward === false
        ? []
        : [
            {
              pointer: '/record/webhooks/forwardTo',
              value: `${receiver.url}/hooks`,
              flag: '--forward-to',
            },
          ]),
    ],
  });
  const hooks = recorder.server.webhooks!;
  const url = await hooks.listen();
  return { dirs, staging, receiver, recorder, url, forward: hooks.forward };
}

describe('record --webhooks: staging webhooks into the cassette', () => {
  it('records a webhook redacted and unsigned, and forwards the bytes re-signed with the local secret', async () => {
    const r = await rig();
    expect(r.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(r.forward?.secret).toMatch(/^whsec_[A-Za-z0-9]{32}$/);
    // One request through the proxy, so the cassette holds an interaction beside the webhook.
    expect((await send(r.recorder.url, '/v1/payment_intents/pi_1')).status).toBe(200);

    const body = JSON.stringify(event('evt_1', { metadata: { note: LEAKED } }));
    const answer = await stagingSends(r.url, body);
    // Staging gets the receiver's status.
    expect(answer.status).toBe(200);

    // The receiver got staging's very bytes, signed with the local secret, which Stripe's SDK
    // verifies; staging's own signature is gone.
    expect(r.receiver.requests).toHaveLength(1);
    const got = r.receiver.requests[0]!;
    expect(got.url).toBe('/hooks');
    expect(got.body.toString('utf8')).toBe(body);
    expect(got.headers['user-agent']).toBe('Stripe/1.0 (+https://stripe.com/docs/webhooks)');
    const header = got.headers['stripe-signature'] as string;
    const verified = stripe.webhooks.constructEvent(got.body, header, r.forward!.secret);
    expect(verified.id).toBe('evt_1');
    expect(() => stripe.webhooks.constructEvent(got.body, header, STAGING_SECRET)).toThrow(
      /signature/i,
    );

    await r.recorder.stop();
    const cassette = await readCassette(r.dirs.cassettes);
    expect(cassette.interactions).toHaveLength(1);
    expect(cassette.webhooks).toHaveLength(1);
    const sample = cassette.webhooks![0]!;
    expect(sample.type).toBe('payment_intent.succeeded');
    expect(sample.receivedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(sample.headers['stripe-signature']).toBeUndefined();
    expect(sample.headers['user-agent']).toBe('Stripe/1.0 (+https://stripe.com/docs/webhooks)');
    expect(sample.headers['host']).toBeUndefined();
    expect(sample.body).toMatchObject({
      encoding: 'json',
      json: { id: 'evt_1', type: 'payment_intent.succeeded', data: { object: { amount: 2000 } } },
    });
    const file = readFileSync(join(r.dirs.cassettes, 'default.json'), 'utf8');
    expect(file).not.toContain(LEAKED);
    expect(file).not.toContain(header.split('v1=')[1]!);
    // The secrets are in no log line either.
    const logged = JSON.stringify(r.recorder.logger.lines);
    for (const secret of [LEAKED, STAGING_SECRET, r.forward!.secret])
      expect(logged).not.toContain(secret);
    expect(r.recorder.logger.lines.some((l) => l.event === 'record.webhook')).toBe(true);
  });

  it('answers 400 to a signature that does not verify, and records and forwards nothing of it', async () => {
    const r = await rig();
    const wrongSecret = await stagingSends(r.url, JSON.stringify(event('evt_bad')), {
      secret: `whsec_${'W'.repeat(32)}`,
    });
    expect(wrongSecret.status).toBe(400);
    expect(await wrongSecret.json()).toEqual({
      error: 'the signature does not verify (mismatch)',
    });
    const tampered = await stagingSends(r.url, JSON.stringify(event('evt_tampered')), {
      tamper: (b) => b.replace('2000', '1'),
    });
    expect(tampered.status).toBe(400);
    const unsigned = await fetch(`${r.url}/stripe/webhooks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(event('evt_unsigned')),
    });
    expect(unsigned.status).toBe(400);
    const refused = r.recorder.logger.lines.filter((l) => l.event === 'record.webhook_refused');
    expect(refused.map((l) => l.fields['reason'])).toEqual(['mismatch', 'mismatch', 'missing']);
    expect(refused[0]!.message).toContain('STAGING_SECRET');
    expect(r.receiver.requests).toHaveLength(0);

    // A good one still goes through: only it is in the cassette.
    expect((await stagingSends(r.url, JSON.stringify(event('evt_good')))).status).toBe(200);
    await r.recorder.stop();
    const cassette = await readCassette(r.dirs.cassettes);
    expect(
      cassette.webhooks?.map((w) => (w.body as unknown as { json: { id: string } }).json.id),
    ).toEqual(['evt_good']);
    expect(r.receiver.requests).toHaveLength(1);
  });

  it("passes the receiver's status on to staging, and answers 200 when nothing is forwarded", async () => {
    const failing = await rig({ receiverStatus: 500 });
    expect((await stagingSends(failing.url, JSON.stringify(event('evt_500')))).status).toBe(500);
    // Recorded all the same: staging sent it.
    await failing.recorder.stop();
    expect((await readCassette(failing.dirs.cassettes)).webhooks).toHaveLength(1);

    const alone = await rig({ forward: false });
    expect(alone.forward).toBeUndefined();
    const answer = await stagingSends(alone.url, JSON.stringify(event('evt_alone')));
    expect(answer.status).toBe(200);
    expect(alone.receiver.requests).toHaveLength(0);
  });
});

describe('record --webhooks: what recording cannot cope with', () => {
  it('forwards and answers a webhook whose recording throws, and says so without its content', async () => {
    const dirs = layout(await tmpDir());
    const staging = await echoStaging();
    const receiver = await startUpstream((_req, res) => {
      res.writeHead(202);
      res.end('ok');
    });
    const config = configFor({
      ...dirs,
      target: staging.url,
      flags: [
        { pointer: '/record/webhooks/port', value: 0, flag: '--webhooks' },
        {
          pointer: '/record/webhooks/secretEnv',
          value: 'STAGING_SECRET',
          flag: '--webhooks-secret-env',
        },
        {
          pointer: '/record/webhooks/forwardTo',
          value: `${receiver.url}/hooks`,
          flag: '--forward-to',
        },
        { pointer: '/sandbox/profile', value: 'stripe', flag: '--profile' },
      ],
    });
    const logger = new CollectingLogger();
    // A redactor that fails on webhooks (as a bug, or a body past what it copes with, would).
    const redactor = redactorWith();
    const redactRequest = redactor.redactRequest.bind(redactor);
    redactor.redactRequest = (request, ...rest) => {
      if (request.path === '/stripe/webhooks') throw new RangeError(`boom near ${LEAKED}`);
      return redactRequest(request, ...rest);
    };
    const webhooks = await composeRecordWebhooks(config, { STAGING_SECRET });
    const server = await composeServerWith(
      'record',
      config,
      logger,
      { rules: [], files: [], disabled: new Set(), redactor },
      webhooks === undefined ? {} : { webhooks },
    );
    defer(() => server.stop());
    await server.listen();
    const url = await server.webhooks!.listen();

    const answer = await stagingSends(url, JSON.stringify(event('evt_throws')));
    expect(answer.status).toBe(202);
    expect(receiver.requests).toHaveLength(1);
    const failed = logger.lines.filter((l) => l.event === 'record.webhook_failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]!.message).toContain('RangeError');
    expect(JSON.stringify(logger.lines)).not.toContain(LEAKED);
    await server.stop();
    expect(existsSync(join(dirs.cassettes, 'default.json'))).toBe(false);
  });

  it('records a webhook and a request holding a run of millions of base64 characters', async () => {
    const r = await rig();
    // Past where the base64 pattern's backtracking threw RangeError (about 8 million).
    const blob = 'QUJD'.repeat(2_500_000);
    const proxied = await fetch(`${r.recorder.url}/v1/files`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ blob }),
    });
    expect(proxied.status).toBe(200);
    const answer = await stagingSends(r.url, JSON.stringify(event('evt_big', { blob })));
    expect(answer.status).toBe(200);
    expect(r.receiver.requests).toHaveLength(1);
    await r.recorder.stop();
    const cassette = await readCassette(r.dirs.cassettes);
    expect(cassette.interactions).toHaveLength(1);
    expect(cassette.webhooks).toHaveLength(1);
    expect(r.recorder.logger.lines.filter((l) => l.level === 'error')).toEqual([]);
  });
});

/** The CLI in this process: stdout captured, stopped when the test says so. */
function cliRun(cwd: string, args: readonly string[], env: Record<string, string>) {
  let stdout = '';
  let stderr = '';
  const waiters: { pattern: RegExp; resolve: (m: RegExpMatchArray) => void }[] = [];
  const check = () => {
    for (const w of [...waiters]) {
      const m = w.pattern.exec(stdout);
      if (m === null) continue;
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(m);
    }
  };
  let stop!: (signal: string) => void;
  const stopped = new Promise<string>((resolve) => (stop = resolve));
  const context: CliContext = {
    io: {
      stdout: {
        write: (s: string) => {
          stdout += s;
          check();
          return true;
        },
      },
      stderr: { write: (s: string) => ((stderr += s), true) },
      env: { NO_COLOR: '1', ...env },
    },
    cwd,
    exitCode: 0,
    stopSignal: () => stopped,
  };
  const done = buildProgram(context).parseAsync(['node', 'tapedeck', ...args]);
  return {
    waitFor(pattern: RegExp): Promise<RegExpMatchArray> {
      const m = pattern.exec(stdout);
      if (m !== null) return Promise.resolve(m);
      return new Promise((resolve, reject) => {
        waiters.push({ pattern, resolve });
        // A run that ends first (a usage error) would never print it.
        done.then(
          () => reject(new Error(`exited (${context.exitCode}) before ${pattern}: ${stderr}`)),
          reject,
        );
      });
    },
    /** Stops it; a run that failed instead gives its error (main() would print it). */
    async stop(): Promise<{ code: number; stdout: string; stderr: string; error?: unknown }> {
      stop('SIGTERM');
      try {
        await done;
      } catch (error) {
        return { code: context.exitCode, stdout, stderr, error };
      }
      return { code: context.exitCode, stdout, stderr };
    },
  };
}

describe('tapedeck record --webhooks on the command line', () => {
  it('prints the listener and the local secret, which stays the same across restarts', async () => {
    const root = await tmpDir();
    const staging = await echoStaging();
    const receiver = await startUpstream((_req, res) => res.end('ok'));
    const args = [
      'record',
      '--target',
      staging.url,
      '--port',
      '0',
      '--cassettes',
      'cassettes',
      '--webhooks',
      '0',
      '--profile',
      'stripe',
      '--forward-to',
      `${receiver.url}/hooks?token=receiver-token`,
      '--webhooks-secret-env',
      'STAGING_SECRET',
    ];
    const env = { STAGING_SECRET, TAPEDECK_REDACTION_KEY: 'webhooks-record-key-0123456789' };

    const first = cliRun(root, args, env);
    const [, url] = await first.waitFor(/receiving webhooks on (http:\/\/\S+)/);
    const [, to, secret, kept] = await first.waitFor(
      /forwarding webhooks to (\S+); your webhook signing secret is (whsec_\w+) \((.*)\)\n/,
    );
    // The target's query (a token, maybe) is not shown.
    expect(to).toBe(`${receiver.url}/hooks`);
    expect(kept).toMatch(/^new, kept in .*webhook-forward\.secret$/);
    expect((await stagingSends(url!, JSON.stringify(event('evt_cli')))).status).toBe(200);
    const got = receiver.requests[0]!;
    expect(got.url).toBe('/hooks?token=receiver-token');
    expect(
      stripe.webhooks.constructEvent(got.body, got.headers['stripe-signature'] as string, secret!)
        .id,
    ).toBe('evt_cli');
    const ended = await first.stop();
    expect(ended.code).toBe(0);
    expect(ended.stderr).not.toContain(secret!);

    const file = join(root, '.tapedeck', 'webhook-forward.secret');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8').trim()).toBe(secret);

    // A restart signs with the same secret, so the receiver's configuration stays valid.
    const second = cliRun(root, [...args, '--json'], env);
    const [line] = await second.waitFor(/\{"event":"webhooks".*\}\n/);
    const announced = JSON.parse(line) as { secret: string; forwardTo: string; url: string };
    expect(announced.secret).toBe(secret);
    expect(announced.forwardTo).toBe(`${receiver.url}/hooks`);
    expect((await stagingSends(announced.url, JSON.stringify(event('evt_again')))).status).toBe(
      200,
    );
    const again = receiver.requests[1]!;
    expect(
      stripe.webhooks.constructEvent(
        again.body,
        again.headers['stripe-signature'] as string,
        secret!,
      ).id,
    ).toBe('evt_again');
    expect((await second.stop()).code).toBe(0);
    const cassette = await readCassette(join(root, 'cassettes'));
    expect(
      cassette.webhooks?.map((w) => (w.body as unknown as { json: { id: string } }).json.id),
    ).toEqual(['evt_cli', 'evt_again']);
  });

  it('refuses a forward target that is not a webhook destination, before creating anything', async () => {
    const root = await tmpDir();
    const staging = await echoStaging();
    const run = cliRun(
      root,
      [
        'record',
        '--target',
        staging.url,
        '--port',
        '0',
        '--webhooks',
        '0',
        '--forward-to',
        'http://169.254.169.254/latest',
      ],
      {},
    );
    const { error } = await run.stop();
    expect(error).toMatchObject({ code: 'TD_WEBHOOK_REFUSED' });
    expect((error as Error).message).not.toContain('/latest');
    expect(() => statSync(join(root, '.tapedeck', 'webhook-forward.secret'))).toThrow();
  });

  it('names the variable --webhooks-secret-env points at when it is not set', async () => {
    const root = await tmpDir();
    const staging = await echoStaging();
    const run = cliRun(
      root,
      [
        'record',
        '--target',
        staging.url,
        '--port',
        '0',
        '--webhooks',
        '0',
        '--webhooks-secret-env',
        'NOT_SET_HERE',
      ],
      {},
    );
    const { error } = await run.stop();
    expect(error).toMatchObject({ code: 'TD_USAGE' });
    expect((error as Error).message).toContain('NOT_SET_HERE');
  });
});
