/**
 * The planted-drift corpus: record v1 of a real upstream through the real record proxy, switch
 * the upstream to v2, run the drift job, and score the report against the planted truth:
 * precision and recall per change class, zero false drift from volatile fields, every
 * unreachable interaction reported as "could not check", and the credential the upstream echoes
 * in a body and a header in no output.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { FlagValue } from '../../src/app/config/config.js';
import { composeDrift, driftMarkdown } from '../../src/app/compose/drift.js';
import type { DriftRun } from '../../src/app/drift/run.js';
import type { InteractionDrift } from '../../src/core/drift/model.js';
import { PLAIN } from '../../src/core/render/text.js';
import { renderDriftSummary } from '../../src/core/render/drift-text.js';
import { leakedForms } from '../helpers/canaries.js';
import { runCleanups } from '../helpers/cleanup.js';
import { CORPUS, recordCorpus, startDriftingUpstream } from '../helpers/drifting-upstream.js';
import { listFiles } from '../helpers/files.js';
import { CollectingLogger } from '../helpers/logger.js';
import { configFor, layout, startTapedeck } from '../helpers/tapedeck.js';
import { tempDir } from '../helpers/tmp.js';

afterEach(runCleanups);

const KEY = 'corpus-key-0123456789abcdef0123';

/** A "kind at path" pattern from the truth table; `*` matches one array index. */
function matches(pattern: string, path: string): boolean {
  const re = new RegExp(
    `^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]+')}$`,
  );
  return re.test(path);
}

interface ClassScore {
  tp: number;
  fp: number;
  fn: number;
}

function score(report: readonly InteractionDrift[]) {
  const byClass = new Map<string, ClassScore>();
  const get = (k: string) => {
    let s = byClass.get(k);
    if (s === undefined) byClass.set(k, (s = { tp: 0, fp: 0, fn: 0 }));
    return s;
  };
  const falseFindings: string[] = [];
  const perCassette = new Map<string, number>();
  CORPUS.forEach((step) => {
    const index = perCassette.get(step.cassette) ?? 0;
    perCassette.set(step.cassette, index + 1);
    const it = report.find((i) => i.cassette === step.cassette && i.index === index);
    if (it === undefined) throw new Error(`no result for ${step.cassette} #${index}`);
    if (step.unchecked !== undefined) {
      const s = get(`unchecked:${step.unchecked}`);
      if (it.outcome === 'unchecked' && it.unchecked?.reason === step.unchecked) s.tp++;
      else s.fn++;
    } else if (it.outcome === 'unchecked') {
      get(`unchecked:${it.unchecked!.reason}`).fp++;
      falseFindings.push(`${step.path}: unchecked ${it.unchecked!.reason} ${it.unchecked!.detail}`);
    }
    const found = it.findings.filter((f) => f.severity !== 'noise');
    for (const planted of step.planted) {
      const s = get(planted.kind);
      if (found.some((f) => f.kind === planted.kind && matches(planted.path, f.path))) s.tp++;
      else s.fn++;
    }
    for (const f of found) {
      if (step.planted.some((p) => p.kind === f.kind && matches(p.path, f.path))) continue;
      get(f.kind).fp++;
      falseFindings.push(`${step.method} ${step.path}: ${f.kind} at ${f.path || '(status)'}`);
    }
  });
  return { byClass, falseFindings };
}

function table(byClass: Map<string, ClassScore>): string {
  const rows = [...byClass.entries()].sort(([a], [b]) => a.localeCompare(b));
  const pct = (n: number, d: number) =>
    d === 0 ? '  n/a' : `${((100 * n) / d).toFixed(0)}%`.padStart(5);
  const lines = ['class                            planted found  false  precision  recall'];
  for (const [k, s] of rows) {
    lines.push(
      `${k.padEnd(32)} ${String(s.tp + s.fn).padStart(7)} ${String(s.tp).padStart(5)} ${String(s.fp).padStart(6)}  ${pct(s.tp, s.tp + s.fp).padStart(9)}  ${pct(s.tp, s.tp + s.fn).padStart(6)}`,
    );
  }
  return lines.join('\n');
}

async function recordAndDrift(options: { update?: boolean; spec?: object } = {}) {
  const root = tempDir();
  const dirs = layout(root);
  const token = `canary${Buffer.from(crypto.getRandomValues(new Uint8Array(12))).toString('hex')}`;
  const upstream = await startDriftingUpstream(token);
  const env = { TAPEDECK_REDACTION_KEY: KEY, DRIFT_TOKEN: token };
  const recorder = await startTapedeck('record', { ...dirs, target: upstream.url, env });
  await recordCorpus(recorder.url, token);
  await recorder.stop();

  // The order flow only creates test data on staging: its author marks it replayable.
  const flowFile = join(dirs.cassettes, 'orders-flow.json');
  const flow = JSON.parse(await readFile(flowFile, 'utf8')) as { meta?: object };
  flow.meta = { ...flow.meta, replayable: true };
  await writeFile(flowFile, JSON.stringify(flow, null, 2));

  upstream.version = 'v2';
  const flags: FlagValue[] = [
    { pointer: '/drift/target', value: upstream.url, flag: '--target' },
    { pointer: '/drift/timeoutMs', value: 1500, flag: '--timeout' },
    { pointer: '/drift/retries', value: 1, flag: '--retries' },
    { pointer: '/drift/credentials/authorization', value: 'DRIFT_TOKEN', flag: 'test' },
    { pointer: '/drift/headers', value: ['x-seen-token'], flag: 'test' },
  ];
  const config = configFor({ ...dirs, flags });
  const specFile = join(root, 'openapi.json');
  if (options.spec !== undefined) await writeFile(specFile, JSON.stringify(options.spec));
  const logger = new CollectingLogger();
  const waits: number[] = [];
  const run = await composeDrift(config, env, logger, {
    update: options.update === true,
    ...(options.spec === undefined ? {} : { spec: specFile }),
    sleep: (ms) => {
      waits.push(ms);
      return Promise.resolve();
    },
  });
  return { run, logger, token, upstream, dirs, waits, config, env };
}

function allOutputs(run: DriftRun, logger: CollectingLogger): Record<string, string> {
  return {
    markdown: driftMarkdown(run),
    json: JSON.stringify(run.report),
    terminal: renderDriftSummary(run.report, PLAIN),
    log: logger.text(),
  };
}

describe('drift on the planted corpus', () => {
  it('finds every planted change, no false drift, and reports what it could not check', async () => {
    const { run, logger, token, upstream, waits } = await recordAndDrift();
    const { report } = run;
    const { byClass, falseFindings } = score(report.interactions);
    console.log(`\nplanted-drift corpus: precision and recall per class\n${table(byClass)}\n`);
    console.log(renderDriftSummary(report, PLAIN));

    // Every planted change found; nothing reported that was not planted (volatile fields included).
    for (const [kind, s] of byClass) expect(s.fn, `${kind} missed`).toBe(0);
    expect(falseFindings).toEqual([]);
    // Volatile fields were seen and classed as noise, not drift.
    expect(report.totals.noiseFindings).toBeGreaterThan(0);
    const volatileLeaks = report.interactions
      .flatMap((i) => i.findings)
      .filter((f) => /generated_at|request_id|session_seq|uptime_s|x-request-id|etag/.test(f.path))
      .filter((f) => f.severity !== 'noise');
    expect(volatileLeaks).toEqual([]);

    // The flow: the order read back by the id the live server created, not the recorded one.
    const orderReads = upstream.requests.filter(
      (r) => r.method === 'GET' && r.url.startsWith('/api/orders/'),
    );
    expect(orderReads.at(-1)!.url).not.toBe('/api/orders/ord_1001');
    const flowStep = report.interactions.find(
      (i) => i.cassette === 'orders-flow' && i.index === 1,
    )!;
    expect(flowStep.outcome).toBe('same');
    expect(flowStep.liveStatus).toBe(200);
    // The unsafe POST that is not replayable was never sent again.
    expect(upstream.requests.filter((r) => r.url === '/api/refunds')).toHaveLength(1);
    // Retry-After honoured: the 429 asked for 1 s.
    expect(waits).toContain(1000);

    // The credential the upstream echoes (body and header) appears in no output, in any form.
    for (const [name, text] of Object.entries(allOutputs(run, logger)))
      expect(leakedForms(text, token), `${name} leaks the credential`).toEqual([]);
    // ...and it was really sent: /api/whoami answered 200.
    const whoami = report.interactions.find((i) => i.target === '/api/whoami')!;
    expect(whoami.liveStatus).toBe(200);
  }, 60_000);

  it('dates findings from history: new on the first run, known on the next', async () => {
    const { config, env, run: first } = await recordAndDrift();
    expect(first.report.interactions.every((i) => i.firstSeen === undefined)).toBe(true);
    const second = await composeDrift(config, env, new CollectingLogger(), {
      update: false,
      sleep: () => Promise.resolve(),
    });
    const drifted = second.report.interactions.filter((i) => i.outcome === 'drift');
    expect(drifted.length).toBeGreaterThan(0);
    for (const i of drifted) {
      const known = Object.values(i.firstSeen ?? {});
      expect(known.length, `${i.target} has history`).toBeGreaterThan(0);
      for (const at of known) expect(at).toBe(first.report.startedAt);
    }
  }, 60_000);

  it('--update re-records drifted interactions, redacted, and leaves the others untouched', async () => {
    const { run, dirs, token, config, env } = await recordAndDrift({ update: true });
    const drifted = run.report.interactions.filter((i) => i.outcome === 'drift');
    expect(run.updated.map((u) => `${u.cassette}#${u.index}`).sort()).toEqual(
      drifted.map((i) => `${i.cassette}#${i.index}`).sort(),
    );
    for (const file of await listFiles(dirs.cassettes)) {
      const text = await readFile(join(dirs.cassettes, file), 'utf8');
      expect(leakedForms(text, token), file).toEqual([]);
    }
    const products = JSON.parse(await readFile(join(dirs.cassettes, 'catalog.json'), 'utf8'));
    expect(products.interactions[0].response.body.json.price).toBe('19.99');
    // After the update, the same run against v2 finds no drift in what was updated.
    const again = await composeDrift(config, env, new CollectingLogger(), {
      update: false,
      sleep: () => Promise.resolve(),
    });
    const stillDrifting = again.report.interactions.filter(
      (i) =>
        i.outcome === 'drift' &&
        run.updated.some((u) => u.cassette === i.cassette && u.index === i.index),
    );
    expect(
      stillDrifting.map(
        (i) => `${i.target}: ${i.findings.map((f) => `${f.kind} ${f.path}`).join(', ')}`,
      ),
    ).toEqual([]);
  }, 60_000);

  it('--spec says which side violates the OpenAPI spec', async () => {
    const spec = {
      openapi: '3.0.3',
      info: { title: 'corpus', version: '1' },
      paths: {
        '/api/products/{id}': {
          get: {
            parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
            responses: {
              '200': {
                description: 'a product',
                content: {
                  'application/json': {
                    schema: {
                      type: 'object',
                      required: ['id', 'price'],
                      properties: { id: { type: 'string' }, price: { type: 'integer' } },
                    },
                  },
                },
              },
            },
          },
        },
      },
    };
    const { run } = await recordAndDrift({ spec });
    const product = run.report.interactions.find((i) => i.target === '/api/products/77')!;
    expect(product.spec?.recording).toEqual([]);
    expect(product.spec?.live.map((p) => p.pointer)).toEqual(['/body/json/price']);
    // A request the spec does not describe is reported as such, on both sides.
    const tags = run.report.interactions.find((i) => i.target === '/api/tags')!;
    expect(tags.spec?.recording.length).toBeGreaterThan(0);
  }, 60_000);
});
