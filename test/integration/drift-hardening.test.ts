/**
 * Review findings on the drift job, through runDrift with a real upstream on port 0: a run that
 * checks nothing, noise learned across a state change, credentials an answer echoes in another
 * form, credentials too short to track. Each test failed before its fix, but for the one canary
 * marked so.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { NodeBodyCodec } from '../../src/adapters/http/body-codec.js';
import { MemoryCassetteStore } from '../../src/adapters/cassettes/memory-cassette-store.js';
import { systemClock } from '../../src/adapters/system/system.js';
import { describeGitHubFailure } from '../../src/adapters/github/github-client.js';
import { UndiciUpstream } from '../../src/adapters/http/undici-upstream.js';
import type { TapedeckConfig } from '../../src/app/config/config.js';
import { driftMarkdown, liveCredentials, nothingChecked } from '../../src/app/compose/drift.js';
import { parseRetryAfter, sendWithRetries } from '../../src/app/drift/send.js';
import { runDrift, type DriftOptions } from '../../src/app/drift/run.js';
import type { RedactionSetup } from '../../src/app/redaction/setup.js';
import type { CliContext } from '../../src/cli/context.js';
import { buildProgram } from '../../src/cli/main.js';
import type { Cassette, Interaction } from '../../src/core/cassette/model.js';
import { serializeCassette } from '../../src/core/cassette/codec.js';
import { isTapedeckError } from '../../src/core/errors.js';
import { defer, runCleanups } from '../helpers/cleanup.js';
import { CollectingLogger } from '../helpers/logger.js';
import { redactorWith } from '../helpers/redaction.js';
import { tempDir } from '../helpers/tmp.js';
import { startUpstream, type UpstreamHandler } from '../helpers/upstream.js';

afterEach(runCleanups);

function step(method: string, path: string, json: unknown, headers = {}): Interaction {
  return {
    request: { method, path, query: {}, headers },
    response: {
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: { encoding: 'json', json: json as never },
    },
    latencyMs: 1,
    recordedAt: '2026-01-01T00:00:00.000Z',
  };
}

async function drift(
  cassette: Cassette,
  handler: UpstreamHandler,
  overrides: Partial<DriftOptions> = {},
  scan?: RedactionSetup['scan'],
) {
  const up = await startUpstream(handler);
  const store = new MemoryCassetteStore();
  store.putRaw('c', serializeCassette(cassette));
  const upstream = new UndiciUpstream({ target: up.url, timeoutMs: 1000 });
  defer(() => upstream.close());
  const logger = new CollectingLogger();
  const run = await runDrift(
    {
      store,
      upstream,
      codec: new NodeBodyCodec(),
      clock: systemClock,
      logger,
      redaction: {
        redactor: redactorWith(),
        rules: [],
        files: [],
        disabled: new Set<string>(),
        ...(scan === undefined ? {} : { scan }),
      },
      sleep: () => Promise.resolve(),
    },
    {
      target: up.url,
      concurrency: 2,
      retries: 1,
      timeoutMs: 1000,
      maxBodyBytes: 1 << 20,
      learn: false,
      ignore: [],
      ignorePerCassette: [],
      headers: [],
      credentials: new Map(),
      update: false,
      ...overrides,
    },
  );
  return { run, up, logger };
}

describe('a run that checks nothing', () => {
  it('is verdict "unchecked" (exit 4), not clean, when every answer is a 429', async () => {
    const cassette: Cassette = {
      version: 1,
      interactions: [step('GET', '/a', { a: 1 }), step('GET', '/b', { b: 1 })],
    };
    const { run } = await drift(cassette, (_req, res) => {
      res.writeHead(429, { 'retry-after': '0' });
      res.end();
    });
    expect(run.report.verdict).toBe('unchecked');
    expect(nothingChecked(run.report)).toBe('2 rate limited (429)');
    expect(driftMarkdown(run)).toContain(
      '**Nothing checked** 2 interactions could not be checked.',
    );
  });
});

describe('noise learned from the recording', () => {
  it('does not compare answers separated by a state change', async () => {
    // Recorded: the order was pending, then paid. Live, it is now "refunded" in both reads: a
    // real change of the data that learning `/status` from the recording would have hidden.
    const cassette: Cassette = {
      version: 1,
      interactions: [
        step('GET', '/orders/1234', { id: 1234, status: 'pending' }),
        step('POST', '/orders/1234/pay', { ok: true }),
        step('GET', '/orders/1234', { id: 1234, status: 'paid' }),
      ],
    };
    const { run } = await drift(cassette, (req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(req.method === 'GET' ? { id: 1234, status: 'refunded' } : {}));
    });
    const gets = run.report.interactions.filter((i) => i.method === 'GET');
    expect(gets.map((i) => i.findings.map((f) => `${f.path} ${f.severity}`))).toEqual([
      ['/status non-breaking'],
      ['/status non-breaking'],
    ]);
  });

  it('still learns from two reads with nothing unsafe between them', async () => {
    const cassette: Cassette = {
      version: 1,
      interactions: [step('GET', '/clock', { tick: 'a1' }), step('GET', '/clock', { tick: 'b2' })],
    };
    const { run } = await drift(cassette, (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ tick: 'c3' }));
    });
    expect(run.report.verdict).toBe('clean');
    expect(run.report.totals.noiseFindings).toBe(2);
  });
});

describe('credentials', () => {
  // A canary (it passed before the review too): the sent request goes through the redactor
  // with the answer, which remembers a Basic credential decoded.
  it('a Basic credential echoed decoded (user:password, or the password) reaches no report', async () => {
    const password = 'pw-canary-q7x2m9k4cz';
    // The environment holds the token alone; drift sends it with the recorded scheme.
    const token = Buffer.from(`svc-drift:${password}`).toString('base64');
    const cassette: Cassette = {
      version: 1,
      interactions: [
        step('GET', '/me', { note: 'hello', who: 'x' }, { authorization: 'Basic tdp_pseudonym' }),
      ],
    };
    const { run, logger, up } = await drift(
      cassette,
      (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ note: password, who: `svc-drift:${password}` }));
      },
      { credentials: new Map([['authorization', token]]) },
    );
    expect(up.requests[0]?.headers['authorization']).toBe(`Basic ${token}`);
    const outputs = [JSON.stringify(run.report), driftMarkdown(run), JSON.stringify(logger.lines)];
    for (const text of outputs) expect(text).not.toContain(password);
    expect(run.report.interactions[0]!.findings.map((f) => f.path)).toEqual(['/note', '/who']);
  });

  it('refuses a credential too short to be tracked in answers, naming the variable', () => {
    // liveCredentials reads drift.credentials only.
    const config = {
      drift: { credentials: { authorization: 'STAGING_TOKEN', 'x-api-key': 'KEY' } },
    } as unknown as TapedeckConfig;
    for (const value of ['abc', 'Bearer abc']) {
      let error: unknown;
      try {
        liveCredentials(config, { STAGING_TOKEN: value, KEY: 'long-enough-key-123' });
      } catch (e) {
        error = e;
      }
      expect(isTapedeckError(error) && error.code).toBe('TD_CONFIG_INVALID');
      expect((error as Error).message).toContain('STAGING_TOKEN');
      expect((error as Error).message).not.toContain(value);
    }
    expect(
      liveCredentials(config, { STAGING_TOKEN: 'Bearer abcdef123', KEY: 'long-enough-key-123' }),
    ).toEqual(
      new Map([
        ['authorization', 'Bearer abcdef123'],
        ['x-api-key', 'long-enough-key-123'],
      ]),
    );
  });
});

describe('answers that cannot be compared', () => {
  const cassette: Cassette = { version: 1, interactions: [step('GET', '/big', { a: 1 })] };

  it('a body over maxBodyBytes is "unreadable-body", not a network error', async () => {
    const { run } = await drift(
      cassette,
      (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ a: 'x'.repeat(4096) }));
      },
      { maxBodyBytes: 1024 },
    );
    expect(run.report.interactions[0]!.unchecked).toEqual({
      reason: 'unreadable-body',
      detail: 'the body is over 1024 bytes (maxBodyBytes)',
    });
  });

  it('a body its content-encoding does not decode is "unreadable-body", naming the coding', async () => {
    const { run, logger } = await drift(cassette, (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      res.end('this is not gzip at all');
    });
    expect(run.report.interactions[0]!.unchecked).toEqual({
      reason: 'unreadable-body',
      detail: 'the body does not decode as its content-encoding (gzip) says',
    });
    expect(logger.lines.filter((l) => l.level === 'error')).toEqual([]);
  });
});

describe('Retry-After and GitHub limits', () => {
  it('a malformed Retry-After is ignored (backoff), not read as a date in the past', () => {
    const now = Date.UTC(2026, 0, 1);
    for (const bad of ['1.5', '-1', '5 s', 'soon', '2026-01-01']) {
      expect(parseRetryAfter(bad, now), bad).toBeUndefined();
    }
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30_000);
  });

  it('a 403 secondary rate limit without headers is still reported as rate limiting', () => {
    const error = describeGitHubFailure(
      403,
      {},
      'POST',
      new URL('https://api.github.com/repos/acme/api/issues/7/comments'),
      'pull request #7',
      'acme/api',
      JSON.stringify({
        message:
          'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
      }),
    );
    expect(error.message).toMatch(/^GitHub rate-limited POST/);
    expect(error.describe()).toMatch(/once the limit resets/);
  });
});

describe('a target that hangs', () => {
  it('after the headers, mid-body, is a timeout within the per-request limit, retried for GET', async () => {
    const up = await startUpstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      res.write('{"partial":');
    });
    const upstream = new UndiciUpstream({ target: up.url, timeoutMs: 10_000 });
    defer(() => upstream.close());
    const result = await sendWithRetries(
      upstream,
      { method: 'GET', target: '/slow', headers: [], body: undefined },
      {
        timeoutMs: 200,
        retries: 1,
        maxBodyBytes: 1 << 20,
        clock: systemClock,
        sleep: () => Promise.resolve(),
      },
    );
    expect(result).toMatchObject({ ok: false, reason: 'timeout', attempts: 2 });
    // No elapsed-time assertion: the 10 s timeout of the upstream instead of the 200 ms one
    // would take 20 s for two attempts, past this test's own 8 s limit.
  }, 8_000);
});

describe('tapedeck drift (in process)', () => {
  async function cli(root: string, env: Record<string, string>, args: string[]) {
    let stdout = '';
    let stderr = '';
    const context: CliContext = {
      io: {
        stdout: { write: (s: string) => (stdout += s) },
        stderr: { write: (s: string) => (stderr += s) },
        env,
      },
      cwd: root,
      exitCode: -1,
      stopSignal: () => new Promise(() => undefined),
    };
    await buildProgram(context).parseAsync(['node', 'tapedeck', ...args]);
    return { code: context.exitCode, stdout, stderr };
  }

  it('exits 4 and says why when every answer is a 429, even at --fail-on none', async () => {
    const up = await startUpstream((_req, res) => {
      res.writeHead(429);
      res.end();
    });
    const root = tempDir();
    mkdirSync(join(root, 'cassettes'));
    writeFileSync(
      join(root, 'cassettes', 'c.json'),
      serializeCassette({ version: 1, interactions: [step('GET', '/a', { a: 1 })] }),
    );
    writeFileSync(
      join(root, 'tapedeck.config.json'),
      JSON.stringify({ cassettes: 'cassettes', stateDir: 'state', drift: { retries: 0 } }),
    );
    const env = { TAPEDECK_REDACTION_KEY: 'hardening-key-0123456789abcdef' };
    for (const failOn of ['breaking', 'none']) {
      const run = await cli(root, env, [
        'drift',
        '--target',
        up.url,
        '--fail-on',
        failOn,
        '--json',
        'drift.json',
      ]);
      expect(run.code).toBe(4);
      expect(run.stdout).toContain('Nothing checked');
      expect(run.stderr).toContain('(1 rate limited (429))');
      expect(run.stderr).toContain('[TD_DRIFT_UNCHECKED]');
      const report = JSON.parse(readFileSync(join(root, 'drift.json'), 'utf8')) as {
        verdict: string;
      };
      expect(report.verdict).toBe('unchecked');
    }
  });
});

describe('--update', () => {
  it('never makes a server error the new baseline', async () => {
    const cassette: Cassette = {
      version: 1,
      interactions: [step('GET', '/ok', { a: 1 }), step('GET', '/broken', { b: 1 })],
    };
    const { run } = await drift(
      cassette,
      (req, res) => {
        const broken = req.url === '/broken';
        res.writeHead(broken ? 500 : 200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(broken ? { error: 'boom' } : { a: 2 }));
      },
      { update: true },
    );
    expect(run.report.interactions.map((i) => i.severity)).toEqual(['non-breaking', 'breaking']);
    expect(run.updated.map((u) => u.target)).toEqual(['/ok']);
    expect(run.notUpdated).toEqual([
      {
        cassette: 'c',
        index: 1,
        method: 'GET',
        target: '/broken',
        why: 'the live answer is a server error (500), not a new baseline',
      },
    ]);
  });
});

describe('an answer the scanner still flags', () => {
  it('keeps its findings but no value from it, not even an identity in the stable path', async () => {
    const secret = 'acct-7f3a9c1e5b';
    const cassette: Cassette = {
      version: 1,
      interactions: [step('GET', '/accounts', { items: [{ key: secret, plan: 'a' }] })],
    };
    const { run } = await drift(
      cassette,
      (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ items: [{ key: secret, plan: 'b' }] }));
      },
      { update: true },
      // The scanner says the key still looks secret after redaction.
      () => [{ rule: 'test/scanner', pointer: '/response/body/items/0/key' }],
    );
    const drifted = run.report.interactions[0]!;
    expect(drifted.severity).toBe('non-breaking');
    expect(drifted.findings.map((f) => `${f.kind} ${f.path}`)).toEqual([
      'value-changed /items/0/plan',
    ]);
    expect(JSON.stringify(run.report)).not.toContain(secret);
    expect(run.updated).toEqual([]);
  });
});

describe('a failure of tapedeck itself on one step', () => {
  it('is reported as "internal-error", not as a network error, and the job goes on', async () => {
    const cassette: Cassette = {
      version: 1,
      interactions: [step('GET', '/a', { a: 1 }), step('GET', '/b', { b: 1 })],
    };
    let calls = 0;
    const { run, logger } = await drift(
      cassette,
      (req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(req.url === '/a' ? { a: 1 } : { b: 1 }));
      },
      {},
      () => {
        calls++;
        if (calls === 1) throw new Error('scanner bug');
        return [];
      },
    );
    expect(run.report.interactions.map((i) => i.unchecked?.reason ?? i.outcome)).toEqual([
      'internal-error',
      'same',
    ]);
    expect(
      logger.lines.some((l) => l.event === 'drift.failed' && l.fields['code'] === 'TD_INTERNAL'),
    ).toBe(true);
  });
});
