/**
 * A credential drift withheld (a pseudonym with no drift.credentials mapping is never sent):
 * the 401/403 that follows is the missing credential talking, not the API drifting, so the step
 * is "could not check: credential-not-mapped". Only then: a recorded 401 answered 401 again, an
 * answer that did not need the credential, a credential that was sent and refused (even beside a
 * withheld cookie), and a dropped header that is no credential are all compared as usual.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { NodeBodyCodec } from '../../src/adapters/http/body-codec.js';
import { MemoryCassetteStore } from '../../src/adapters/cassettes/memory-cassette-store.js';
import { MemoryDriftHistory } from '../../src/adapters/state/memory/index.js';
import { systemClock } from '../../src/adapters/system/system.js';
import { UndiciUpstream } from '../../src/adapters/http/undici-upstream.js';
import { runDrift, type DriftOptions } from '../../src/app/drift/run.js';
import type { Interaction } from '../../src/core/cassette/model.js';
import { serializeCassette } from '../../src/core/cassette/codec.js';
import { renderDriftSummary } from '../../src/core/render/drift-text.js';
import { PLAIN } from '../../src/core/render/text.js';
import { defer, runCleanups } from '../helpers/cleanup.js';
import { CollectingLogger } from '../helpers/logger.js';
import { redactorWith } from '../helpers/redaction.js';
import { startUpstream } from '../helpers/upstream.js';

afterEach(runCleanups);

const PSEUDONYM = 'Bearer tdp_aaaaaaaaaaaaaaaaaaaaaaaa';
const LIVE = 'live-credential-0123456789';
const COOKIE = 'sid=tdp_bbbbbbbbbbbbbbbbbbbbbbbb';

function step(path: string, status: number, headers: Record<string, string> = {}): Interaction {
  return {
    request: { method: 'GET', path, query: {}, headers },
    response: {
      status,
      headers: { 'content-type': 'application/json' },
      body: { encoding: 'json', json: status === 200 ? { ok: true } : { error: 'unauthorized' } },
    },
    latencyMs: 1,
    recordedAt: '2026-01-01T00:00:00.000Z',
  };
}

/** /private needs `Bearer <LIVE>` (403 for another token, 401 for none); /public needs nothing. */
async function run(interactions: Interaction[], credentials: ReadonlyMap<string, string>) {
  const up = await startUpstream((req, res) => {
    const auth = req.headers.authorization;
    const status =
      req.url === '/public' || auth === `Bearer ${LIVE}` ? 200 : auth === undefined ? 401 : 403;
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(status === 200 ? { ok: true } : { error: 'unauthorized' }));
  });
  const store = new MemoryCassetteStore();
  store.putRaw('auth', serializeCassette({ version: 1, interactions }));
  const upstream = new UndiciUpstream({ target: up.url, timeoutMs: 1000 });
  defer(() => upstream.close());
  const logger = new CollectingLogger();
  const options: DriftOptions = {
    target: up.url,
    concurrency: 1,
    retries: 0,
    timeoutMs: 1000,
    maxBodyBytes: 1 << 20,
    learn: false,
    ignore: [],
    ignorePerCassette: [],
    headers: [],
    credentials,
    update: false,
  };
  const { report } = await runDrift(
    {
      store,
      upstream,
      codec: new NodeBodyCodec(),
      clock: systemClock,
      logger,
      redaction: { redactor: redactorWith(), rules: [], files: [], disabled: new Set<string>() },
      history: new MemoryDriftHistory(),
      sleep: () => Promise.resolve(),
    },
    options,
  );
  return { report, up, logger };
}

describe('drift: a withheld credential', () => {
  it('is could-not-check (credential-not-mapped) when the API answers 401, never breaking', async () => {
    const { report, up } = await run(
      [step('/public', 200), step('/private', 200, { authorization: PSEUDONYM })],
      new Map(),
    );
    // Sent without the pseudonym: a placeholder never travels as a credential.
    expect(up.requests[1]!.headers.authorization).toBeUndefined();
    const [, withheld] = report.interactions;
    expect(withheld!.outcome).toBe('unchecked');
    expect(withheld!.unchecked).toEqual({
      reason: 'credential-not-mapped',
      detail:
        'authorization held a pseudonym and was not sent, and the API answered 401: map it in drift.credentials (docs/drift.md)',
    });
    expect(report.totals.breaking).toBe(0);
    expect(report.verdict).toBe('clean');
    expect(renderDriftSummary(report, PLAIN)).toMatch(
      /Could not check \(not drift\):\n.*\/private {2}credential not mapped: authorization held/,
    );
  });

  it('compares as usual when the recording was itself a 401, or the answer did not need the credential', async () => {
    const { report } = await run(
      [
        step('/private', 401, { authorization: PSEUDONYM }),
        step('/public', 200, { authorization: PSEUDONYM }),
      ],
      new Map(),
    );
    expect(report.interactions.map((i) => i.outcome)).toEqual(['same', 'same']);
  });

  it('is drift when the credential was sent and refused: that is the API talking', async () => {
    const { report, up } = await run(
      [step('/private', 200, { authorization: PSEUDONYM })],
      new Map([['authorization', 'another-credential-0123456789']]),
    );
    expect(up.requests[0]!.headers.authorization).toBe('Bearer another-credential-0123456789');
    const [refused] = report.interactions;
    expect(refused!.outcome).toBe('drift');
    expect(refused!.severity).toBe('breaking');
    expect(refused!.liveStatus).toBe(403);
  });

  it('is drift when the mapped credential was sent and refused, even though a cookie was withheld', async () => {
    const { report, up, logger } = await run(
      [step('/private', 200, { authorization: PSEUDONYM, cookie: COOKIE })],
      new Map([['authorization', 'another-credential-0123456789']]),
    );
    expect(up.requests[0]!.headers.authorization).toBe('Bearer another-credential-0123456789');
    expect(up.requests[0]!.headers.cookie).toBeUndefined();
    // The withheld cookie is still named, once.
    expect(logger.lines.filter((l) => l.event === 'drift.placeholder')).toEqual([
      expect.objectContaining({ fields: { cassette: 'auth', header: 'cookie' } }),
    ]);
    const [refused] = report.interactions;
    expect(refused!.unchecked).toBeUndefined();
    expect(refused!.outcome).toBe('drift');
    expect(refused!.severity).toBe('breaking');
    expect(refused!.liveStatus).toBe(403);
    expect(report.verdict).toBe('breaking');
  });

  it('compares as usual when the dropped header is no credential: a 401 is then the API talking', async () => {
    const { report, up } = await run(
      [step('/private', 200, { 'x-trace': 'tdp_cccccccccccccccccccccccc' })],
      new Map(),
    );
    expect(up.requests[0]!.headers['x-trace']).toBeUndefined();
    const [compared] = report.interactions;
    expect(compared!.unchecked).toBeUndefined();
    expect(compared!.outcome).toBe('drift');
    expect(compared!.severity).toBe('breaking');
    expect(compared!.liveStatus).toBe(401);
  });

  it('names only the credential headers when a credential and another header were withheld', async () => {
    const { report } = await run(
      [
        step('/private', 200, {
          authorization: PSEUDONYM,
          cookie: COOKIE,
          'x-trace': 'tdp_cccccccccccccccccccccccc',
        }),
      ],
      new Map(),
    );
    expect(report.interactions[0]!.unchecked).toEqual({
      reason: 'credential-not-mapped',
      detail:
        'authorization, cookie held pseudonyms and were not sent, and the API answered 401: map them in drift.credentials (docs/drift.md)',
    });
  });
});
