/**
 * What the pipeline gives observability (issue 16): `context.log` names the request and its
 * tenant, every answer makes one `debug` line with the route or the redacted path, and the
 * metrics count each answer from its journal entry.
 */
import { describe, expect, it } from 'vitest';
import type { Layer } from '../../src/app/pipeline/context.js';
import { runPipeline, type PipelineDeps } from '../../src/app/pipeline/run.js';
import type { MatchConfig } from '../../src/core/matching/config.js';
import type {
  AnsweredRequest,
  BodyCodec,
  IncomingRequest,
  JournalEntry,
  Logger,
  MetricsSink,
  TapedeckCounter,
} from '../../src/core/ports/index.js';
import type { Firing } from '../../src/core/sandbox/scenarios/types.js';
import type { ResolvedTenant } from '../../src/core/sandbox/tenant.js';
import { CollectingLogger } from '../helpers/logger.js';

const SECRET = 'sk_test_4eC39HqLyjWDarjtT1zdp7dc';
const clock = { now: () => 1_000, monotonic: () => 5 };
const tenant = { id: 'ten_7', name: 'acme' } as ResolvedTenant;

function incoming(path: string, method = 'GET'): IncomingRequest {
  return {
    method,
    target: path,
    path,
    rawQuery: '',
    headers: { authorization: `Bearer ${SECRET}` },
    rawBody: undefined,
    signal: new AbortController().signal,
  };
}

/** A tenant layer that also logs while it handles the request, as layers do. */
const tenantLayer: Layer = {
  name: 'tenant',
  handle(context) {
    context.setTenant(tenant);
    context.log?.('warn', 'test.during', 'a line written while the request is handled', {
      detail: 'kept',
      // A caller cannot misattribute the line: the request's own tenant wins.
      tenant: 'someone-else',
    });
    return undefined;
  },
};

const answering = (layer: Layer['name'], status: number, route?: string): Layer => ({
  name: layer,
  closes: true,
  handle(context) {
    if (route !== undefined) context.evidence.route = route;
    return { reply: { kind: 'simple', status, headers: [], body: '' } };
  },
});

class Sink implements MetricsSink {
  readonly answers: AnsweredRequest[] = [];
  readonly counted: [TapedeckCounter, string | undefined][] = [];
  answered(answer: AnsweredRequest): void {
    this.answers.push(answer);
  }
  count(counter: TapedeckCounter, label?: string): void {
    this.counted.push([counter, label]);
  }
}

function pipeline(layers: Layer[], extra: Partial<PipelineDeps> = {}) {
  const journal: JournalEntry[] = [];
  const handler = runPipeline({
    layers,
    clock,
    journal: { record: (e) => journal.push(e) },
    stats: { answered: () => undefined },
    // The sandbox's view: the path redacted alone (the secret in it replaced).
    view: {
      match: {} as MatchConfig,
      codec: {} as BodyCodec,
      redactRequest: () => {
        throw new Error('the whole request is never redacted for the log');
      },
      redactPath: (_method, path) => path.split(SECRET).join('[REDACTED]'),
    },
    evidence: { newRequestId: () => 'req_abc123', tenantNow: () => 2_000 },
    ...extra,
  });
  return { handler, journal };
}

describe('context.log', () => {
  it('carries the request id and the tenant id, with the caller’s fields, and no secret', async () => {
    const logger = new CollectingLogger();
    const { handler } = pipeline([tenantLayer, answering('miss', 404)], {
      log: { logger, answerEvent: 'sandbox.request' },
    });
    await handler(incoming(`/v1/customers/${SECRET}`));
    const during = logger.lines.find((l) => l.event === 'test.during');
    expect(during).toMatchObject({
      level: 'warn',
      fields: { detail: 'kept', requestId: 'req_abc123', tenant: 'ten_7' },
    });
    const answered = logger.lines.find((l) => l.event === 'sandbox.request');
    expect(answered).toMatchObject({
      level: 'debug',
      message: 'GET /v1/customers/[REDACTED] 404 miss 0ms',
      fields: {
        requestId: 'req_abc123',
        tenant: 'ten_7',
        method: 'GET',
        path: '/v1/customers/[REDACTED]',
        status: 404,
        layer: 'miss',
        ms: 0,
      },
    });
    expect(logger.text()).not.toContain(SECRET);
  });

  it('names the route, not the path, when a layer knows it; no line below debug', async () => {
    const logger = new CollectingLogger();
    const { handler } = pipeline([answering('state', 200, '/v1/customers/{customer}')], {
      log: { logger, answerEvent: 'sandbox.request' },
    });
    await handler(incoming('/v1/customers/cus_1'));
    expect(logger.lines).toHaveLength(1);
    expect(logger.lines[0]!.fields).toMatchObject({ route: '/v1/customers/{customer}' });
    expect(logger.lines[0]!.fields).not.toHaveProperty('path');

    const lines: string[] = [];
    const quiet: Logger = {
      enabled: (level) => level !== 'debug',
      log: (_level, event) => void lines.push(event),
    };
    await pipeline([tenantLayer, answering('state', 200)], {
      log: { logger: quiet, answerEvent: 'sandbox.request' },
    }).handler(incoming('/v1/customers/cus_1'));
    expect(lines).toEqual(['test.during']);
  });

  it('is silent in a pipeline given no logger', async () => {
    const { handler, journal } = pipeline([tenantLayer, answering('state', 200)]);
    await handler(incoming('/x'));
    expect(journal).toHaveLength(1);
  });
});

describe('the metrics of an answer', () => {
  it('come from its journal entry: duration, route, tenant, and the miss/scenario/replay counters', async () => {
    const sink = new Sink();
    const firing = { scenario: { name: 'card-declined' }, by: { kind: 'header', header: 'x' } };
    const scenario: Layer = {
      name: 'scenario',
      handle(context) {
        context.scenario = firing as unknown as Firing;
        context.evidence.idempotency = 'replayed';
        return undefined;
      },
    };
    let ticks = 0;
    const { handler, journal } = pipeline(
      [tenantLayer, scenario, answering('state', 402, '/v1/charges')],
      { metrics: sink, clock: { now: () => 1_000, monotonic: () => (ticks++ === 0 ? 10 : 260) } },
    );
    await handler(incoming('/v1/charges', 'post'));
    expect(journal[0]).toMatchObject({ route: '/v1/charges', idempotency: 'replayed' });
    expect(sink.answers).toEqual([
      {
        method: 'POST',
        route: '/v1/charges',
        status: 402,
        layer: 'state',
        tenant: 'ten_7',
        seconds: 0.25,
      },
    ]);
    expect(sink.counted).toEqual([
      ['scenario', 'card-declined'],
      ['idempotent-replay', undefined],
    ]);

    const misses = new Sink();
    await pipeline([answering('miss', 404)], { metrics: misses }).handler(incoming('/nope'));
    expect(misses.answers[0]).toMatchObject({ route: undefined, layer: 'miss', tenant: undefined });
    expect(misses.counted).toEqual([['miss', undefined]]);
  });
});
