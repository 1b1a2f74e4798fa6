/**
 * The drift job: re-send recorded requests to the live API, redact the answers exactly as a
 * recording is redacted, compare them with the recordings, date each finding from history, and
 * optionally re-record what drifted. The comparison and the report's shape are core/drift; the
 * renderers are core/render. This file orchestrates (cassettes in parallel, history, updates,
 * the report); one cassette's work is cassette-run.ts, sending is send.ts, `--update` is
 * update.ts, and the command around the job (files, GitHub, exit outcome) is command.ts.
 *
 * Raw live data (answers, carried ids and tokens, real credentials) stays in memory, inside one
 * cassette's run. Everything that leaves this module — findings, the report, log lines, updated
 * cassettes — was built from redacted data.
 */
import { buildReport, fingerprint } from '../../core/drift/report.js';
import type { InteractionDrift } from '../../core/drift/model.js';
import { TapedeckError } from '../../core/errors.js';
import { CassetteRun } from './cassette-run.js';
import { isoOf } from './recorded.js';
import type { DriftDeps, DriftOptions, DriftRun, UpdatedInteraction } from './types.js';
import { writeUpdates } from './update.js';

export { shownTarget } from './recorded.js';
export type {
  DriftDeps,
  DriftOptions,
  DriftProgress,
  DriftRun,
  SpecCheck,
  UpdatedInteraction,
} from './types.js';

/** Runs `work` over `items` with at most `limit` at a time, keeping results in input order. */
async function pooled<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>) {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

/**
 * The drift job. Cassettes run in parallel up to `concurrency`; the interactions of one cassette
 * run in order. Always finishes: what could not be checked is reported as such, never as drift.
 * Malformed cassettes stop it before anything is sent (they are reported with file and pointer).
 */
export async function runDrift(deps: DriftDeps, options: DriftOptions): Promise<DriftRun> {
  const { store, clock, logger } = deps;
  const started = clock.now();
  const startedMono = clock.monotonic();
  const { cassettes, problems } = await store.loadAll();
  if (problems.length > 0) throw problems[0]!.error;
  const selected =
    options.only === undefined
      ? cassettes
      : cassettes.filter((c) => options.only!.includes(c.name));
  if (options.only !== undefined) {
    const missing = options.only.filter((n) => !cassettes.some((c) => c.name === n));
    if (missing.length > 0) {
      throw new TapedeckError('TD_USAGE', `No cassette named ${missing.join(', ')}.`, {
        hint: 'Cassette names are file paths below the cassettes directory, without .json.',
      });
    }
  }
  const total = selected.reduce((n, c) => n + c.cassette.interactions.length, 0);
  let done = 0;
  logger.log(
    'info',
    'drift.start',
    `drift: checking ${total} interaction(s) in ${selected.length} cassette(s) against ${options.target}`,
  );

  const perCassette = await pooled(selected, options.concurrency, ({ name, cassette }) =>
    new CassetteRun(name, cassette, deps, options).run(() => {
      done++;
      options.onProgress?.({ done, total, cassette: name });
    }),
  );

  // History: when each finding (not noise) was first seen.
  let interactions: InteractionDrift[] = perCassette.flat().map((c) => c.drift);
  if (deps.history !== undefined) {
    const prints = interactions.map((it) =>
      it.findings
        .filter((f) => f.severity !== 'noise')
        .map((f) => fingerprint(it.cassette, it.method, it.target, f)),
    );
    const firstSeen = await deps.history.record(prints.flat(), started);
    interactions = interactions.map((it, i) => {
      const known: Record<string, string> = {};
      for (const fp of prints[i]!) {
        const first = firstSeen.get(fp);
        if (first !== undefined && first < started) known[fp] = isoOf(first);
      }
      return Object.keys(known).length === 0 ? it : { ...it, firstSeen: known };
    });
  }

  const updated: UpdatedInteraction[] = [];
  const notUpdated: (UpdatedInteraction & { why: string })[] = [];
  if (options.update) {
    const indexes = selected.map((_, i) => i);
    const results = await pooled(indexes, options.concurrency, (i) =>
      writeUpdates(store, selected[i]!.name, perCassette[i]!),
    );
    for (const r of results) {
      updated.push(...r.updated);
      notUpdated.push(...r.notUpdated);
    }
    for (const u of updated) {
      logger.log(
        'info',
        'drift.updated',
        `drift: re-recorded ${u.cassette} #${u.index} ${u.method} ${u.target}`,
        {
          cassette: u.cassette,
          index: u.index,
        },
      );
    }
  }

  const finished = clock.now();
  const report = buildReport({
    target: options.target,
    startedAt: isoOf(started),
    finishedAt: isoOf(finished),
    durationMs: Math.round(clock.monotonic() - startedMono),
    interactions,
  });
  return { report, updated, notUpdated };
}
