import { describe, expect, it } from 'vitest';
import type { RecordedRequest } from '../../src/core/cassette/model.js';
import { LAYER_NAMES, type LayerName } from '../../src/core/pipeline.js';
import type { IncomingRequest, JournalEntry } from '../../src/core/ports/index.js';
import { assemblePipeline, type PipelineSlots } from '../../src/app/pipeline/assemble.js';
import type { Layer, LayerAnswer, RequestContext } from '../../src/app/pipeline/context.js';
import { runPipeline, UNNAMED_PATH } from '../../src/app/pipeline/run.js';

const CLOSING: ReadonlySet<LayerName> = new Set(['miss', 'upstream']);

function layer(
  name: LayerName,
  answer?: (context: RequestContext) => LayerAnswer | undefined,
): Layer {
  return {
    name,
    ...(CLOSING.has(name) ? { closes: true } : {}),
    handle: answer ?? (() => undefined),
  };
}

function incoming(path: string, headers: Record<string, string> = {}): IncomingRequest {
  return {
    method: 'get',
    target: path,
    path,
    rawQuery: '',
    headers,
    rawBody: undefined,
    signal: new AbortController().signal,
  };
}

const simple = (status: number): LayerAnswer => ({
  reply: { kind: 'simple', status, headers: [], body: '' },
});

const clock = { now: () => 1_000, monotonic: () => 5 };

describe('assemblePipeline', () => {
  it('orders the filled slots by LAYER_NAMES, whatever order they are given in', () => {
    const slots: PipelineSlots = {
      miss: layer('miss'),
      spec: layer('spec'),
      admin: layer('admin'),
      cassette: layer('cassette'),
      tenant: layer('tenant'),
      state: layer('state'),
    };
    expect(assemblePipeline(slots).map((l) => l.name)).toEqual([
      'admin',
      'tenant',
      'state',
      'cassette',
      'spec',
      'miss',
    ]);
  });

  it('follows the order of DESIGN.md, with miss and upstream sharing the last place', () => {
    expect(LAYER_NAMES).toEqual([
      'admin',
      'tenant',
      'limits',
      'scenario',
      'idempotency',
      'state',
      'cassette',
      'spec',
      'miss',
      'upstream',
    ]);
  });

  it('builds each server shape: record all, record new, replay with a spec, mock', () => {
    const names = (slots: PipelineSlots) => assemblePipeline(slots).map((l) => l.name);
    expect(names({ upstream: layer('upstream'), admin: layer('admin') })).toEqual([
      'admin',
      'upstream',
    ]);
    expect(
      names({ cassette: layer('cassette'), upstream: layer('upstream'), admin: layer('admin') }),
    ).toEqual(['admin', 'cassette', 'upstream']);
    expect(
      names({
        admin: layer('admin'),
        cassette: layer('cassette'),
        spec: layer('spec'),
        upstream: layer('upstream'),
      }),
    ).toEqual(['admin', 'cassette', 'spec', 'upstream']);
    expect(names({ spec: { ...layer('spec'), closes: true }, admin: layer('admin') })).toEqual([
      'admin',
      'spec',
    ]);
  });

  it('refuses a pipeline with no last layer (TD_INTERNAL)', () => {
    expect(() => assemblePipeline({ admin: layer('admin'), cassette: layer('cassette') })).toThrow(
      expect.objectContaining({
        code: 'TD_INTERNAL',
        message: expect.stringContaining('no last layer'),
      }),
    );
    expect(() => assemblePipeline({})).toThrow(expect.objectContaining({ code: 'TD_INTERNAL' }));
  });

  it('refuses a pipeline that fills both miss and upstream (TD_INTERNAL)', () => {
    expect(() =>
      assemblePipeline({ admin: layer('admin'), miss: layer('miss'), upstream: layer('upstream') }),
    ).toThrow(
      expect.objectContaining({
        code: 'TD_INTERNAL',
        message: expect.stringContaining('both miss and upstream'),
      }),
    );
  });

  it('refuses a layer after one that answers everything, and a layer in a slot not its own', () => {
    expect(() =>
      assemblePipeline({ spec: { ...layer('spec'), closes: true }, miss: layer('miss') }),
    ).toThrow(
      expect.objectContaining({
        code: 'TD_INTERNAL',
        message: expect.stringContaining('after spec'),
      }),
    );
    expect(() => assemblePipeline({ admin: layer('cassette'), miss: layer('miss') })).toThrow(
      expect.objectContaining({
        code: 'TD_INTERNAL',
        message: expect.stringContaining('cassette layer was put in the admin slot'),
      }),
    );
  });
});

describe('runPipeline', () => {
  function run(layers: readonly Layer[], view?: Parameters<typeof runPipeline>[0]['view']) {
    const journal: JournalEntry[] = [];
    const answered: LayerName[] = [];
    const handler = runPipeline({
      layers,
      clock,
      journal: { record: (e) => journal.push(e) },
      stats: { answered: (l) => answered.push(l) },
      ...(view === undefined ? {} : { view }),
    });
    return { handler, journal, answered };
  }

  it('walks the layers in order until one answers, and journals that layer', async () => {
    const seen: string[] = [];
    const { handler, journal, answered } = run(
      assemblePipeline({
        admin: layer('admin', () => void seen.push('admin')),
        spec: layer(
          'spec',
          () => (seen.push('spec'), { ...simple(201), journalPath: '/pets/{id}' }),
        ),
        miss: layer('miss', () => (seen.push('miss'), simple(599))),
      }),
    );
    const reply = await handler(incoming('/pets/7', { 'x-tapedeck-session': 's1' }));
    expect(reply).toMatchObject({ status: 201 });
    expect(seen).toEqual(['admin', 'spec']);
    expect(answered).toEqual(['spec']);
    expect(journal).toEqual([
      {
        at: 1_000,
        session: 's1',
        method: 'GET',
        path: '/pets/{id}',
        layer: 'spec',
        status: 201,
        durationMs: 0,
      },
    ]);
  });

  it('without a request view, never builds the redacted request: the journal hides the path', async () => {
    const { handler, journal } = run(
      assemblePipeline({ spec: { ...layer('spec', () => simple(404)), closes: true } }),
    );
    await handler(incoming('/secret/sk_live_0123456789abcdef'));
    expect(journal[0]?.path).toBe(UNNAMED_PATH);
    // A layer that reads the redacted request there is a wiring bug, said as such.
    const reads = run(
      assemblePipeline({
        spec: { ...layer('spec', (c) => simple(c.request.path.length)), closes: true },
      }),
    );
    await expect(reads.handler(incoming('/a'))).rejects.toMatchObject({ code: 'TD_INTERNAL' });
  });

  it('builds the key, the redacted request and the named cassette only when a layer asks', async () => {
    let redactions = 0;
    const view = {
      match: {} as never,
      codec: { decode: () => undefined, encode: () => new Uint8Array() },
      redactRequest: (request: RecordedRequest) => (redactions++, { value: request, findings: [] }),
      fastKey: () => 'fast-key',
    };
    const keys: string[] = [];
    const { handler, journal } = run(
      assemblePipeline({
        cassette: layer('cassette', (c) => void keys.push(c.key)),
        miss: layer('miss', () => simple(599)),
      }),
      view,
    );
    // The x-tapedeck-cassette name is checked only by a layer that reads it; this one does not.
    await handler(incoming('/p', { 'x-tapedeck-cassette': '../escape' }));
    expect(keys).toEqual(['fast-key']);
    expect(redactions).toBe(0);
    expect(journal[0]).toMatchObject({ path: '/p', layer: 'miss' });
  });
});
