import type { Clock, IncomingRequest, Logger, MetricsSink, Reply } from '../../core/ports/index.js';
import {
  adminLayer,
  healthRoutes,
  journalRoutes,
  metricsRoutes,
  type MetricsSource,
} from '../layers/admin/index.js';
import { specLayer } from '../layers/spec.js';
import { assemblePipeline } from '../pipeline/assemble.js';
import type { JournalReader, JournalSink } from '../pipeline/context.js';
import { runPipeline } from '../pipeline/run.js';
import type { MockEngine } from './engine.js';
import { SpecReloader, type WatchFiles } from './reload.js';
import { MockStats, type MockSummary } from './stats.js';

export interface MockServerDeps {
  /** Loads (or reloads) the engine; throws TD_SPEC_INVALID naming the file and pointer. */
  readonly load: (stats: MockStats) => Promise<MockEngine>;
  /** Starts watching files; returns a function that stops. Absent: no `--watch`. */
  readonly watch?: WatchFiles;
  readonly host: (handler: (incoming: IncomingRequest) => Promise<Reply>) => {
    listen(host: string, port: number): Promise<string>;
    close(): Promise<void>;
  };
  readonly logger: Logger;
  readonly clock: Clock;
  /** Where answers are journaled, and read back by /__tapedeck/journal. */
  readonly journal: JournalSink & JournalReader;
  readonly address: { readonly host: string; readonly port: number };
  /** `Authorization: Bearer <token>` required on /__tapedeck/* when set. */
  readonly adminToken: string | undefined;
  /** What GET /__tapedeck/metrics serves, counted per answer; absent: no metrics. */
  readonly metrics?: MetricsSink & MetricsSource;
}

export interface MockServer {
  readonly description: string;
  listen(): Promise<string>;
  /** Loads the spec again; a broken spec keeps the last good one serving. True when swapped. */
  reload(): Promise<boolean>;
  summary(): MockSummary;
  stop(): Promise<MockSummary>;
}

/**
 * The `tapedeck mock` server: the pipeline with two slots, admin (health, summary, journal) and
 * spec (the OpenAPI responder or the GraphQL mock). Loads the spec or refuses to start; with
 * `watch`, reloads it when a file changes (reload.ts).
 */
export async function buildMockServer(deps: MockServerDeps): Promise<MockServer> {
  const stats = new MockStats();
  let engine = await deps.load(stats);
  const reloader = new SpecReloader({
    load: deps.load,
    watch: deps.watch,
    stats,
    logger: deps.logger,
    current: () => engine,
    swap: (next) => (engine = next),
  });
  const layers = assemblePipeline({
    admin: adminLayer({
      token: deps.adminToken,
      routes: [
        healthRoutes({
          mode: 'mock',
          loaded: () => ({ spec: engine.description }),
          summary: () => stats.summary(),
        }),
        journalRoutes(deps.journal, undefined, deps.clock),
        ...(deps.metrics === undefined ? [] : [metricsRoutes(deps.metrics)]),
      ],
    }),
    // Reads the engine at each request, so a reload swaps what answers.
    spec: specLayer({ handle: (incoming) => engine.handle(incoming) }, { closes: true }),
  });
  const host = deps.host(
    // No request view: the mock has no redaction rules, so no layer builds the redacted request.
    runPipeline({
      layers,
      clock: deps.clock,
      journal: deps.journal,
      stats,
      ...(deps.metrics === undefined ? {} : { metrics: deps.metrics }),
      log: { logger: deps.logger },
    }),
  );
  return {
    get description() {
      return engine.description;
    },
    listen: async () => {
      const url = await host.listen(deps.address.host, deps.address.port);
      reloader.watch();
      return url;
    },
    reload: () => reloader.reload(),
    summary: () => stats.summary(),
    async stop() {
      await reloader.stop();
      await host.close();
      return stats.summary();
    },
  };
}
