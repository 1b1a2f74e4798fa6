import { valuesOf, type HeaderMap, type NamedCassette } from '../../core/cassette/model.js';
import { TapedeckError } from '../../core/errors.js';
import { compileMatchConfig } from '../../core/matching/config.js';
import { ReplayIndex, SequenceCursors } from '../../core/matching/index.js';
import { fastKey, normalizeRequest } from '../../core/matching/normalize.js';
import { LearnedValues, type PseudonymsOf } from '../../core/redaction/learned.js';
import type { Logger as LoggerPort } from '../../core/ports/logger.js';
import type {
  BodyCodec,
  CassetteStore,
  Clock,
  Logger,
  MetricsSink,
  RequestHandler,
  RuntimeState,
  Upstream,
} from '../../core/ports/index.js';
import type { Scheduler } from '../../core/ports/scheduler.js';
import type { Journal } from '../journal/journal.js';
import type { RedactionSetup } from '../redaction/setup.js';
import { latencyFactor, type TapedeckConfig } from '../config/config.js';
import {
  ADMIN_PREFIX,
  adminLayer,
  healthRoutes,
  journalRoutes,
  resetRoutes,
} from '../layers/admin/index.js';
import { cassetteLayer } from '../layers/cassette.js';
import { missLayer } from '../layers/miss.js';
import { fallbackSpec, specLayer } from '../layers/spec.js';
import type { SpecMock } from '../../core/mock/openapi/responder.js';
import { upstreamLayer } from '../layers/upstream.js';
import { metricsRoutes, type MetricsSource } from '../layers/admin/metrics.js';
import { assemblePipeline, type PipelineSlots } from '../pipeline/assemble.js';
import { runPipeline } from '../pipeline/run.js';
import { CassetteRecorder } from '../record/recorder.js';
import { webhookReceiver, type WebhookForward } from '../record/webhooks.js';
import type { Signer } from '../../core/ports/signer.js';
import type { SignatureScheme } from '../../core/webhooks/types.js';
import type { ServerSummary } from '../../core/render/summary.js';
import { ServerStats } from '../pipeline/stats.js';
import { VERSION } from '../version.js';

/** A built server: not listening yet. The HTTP adapter is injected so tests can use their own. */
export interface HttpHost {
  listen(host: string, port: number): Promise<string>;
  close(): Promise<void>;
}

export interface ServerDeps {
  readonly store: CassetteStore;
  readonly codec: BodyCodec;
  readonly clock: Clock;
  /** Timers of the recorder (its pause between writes). */
  readonly scheduler: Scheduler;
  readonly logger: Logger;
  /** The runtime state, closed on stop; `journal` is the buffer over its journal port. */
  readonly state: RuntimeState;
  readonly journal: Journal;
  /** Required for record mode and for replay with --on-miss passthrough|record. */
  readonly upstream: Upstream | undefined;
  /** Rules, built-in detectors and the key: what runs on every interaction before disk. */
  readonly redaction: RedactionSetup;
  readonly host: (handler: RequestHandler) => HttpHost;
  /** What GET /__tapedeck/metrics serves, counted per answer; absent: no metrics at all. */
  readonly metrics?: MetricsSink & MetricsSource;
  /** The spec layer of `replay --spec`: answers what no cassette recorded. */
  readonly spec?: SpecMock;
  /** `record --webhooks PORT`: the second listener's setup (app/record/webhooks.ts). */
  readonly webhooks?: RecordWebhooksSetup;
}

/** What `record --webhooks` needs besides the recorder (composed in app/compose/webhooks.ts). */
export interface RecordWebhooksSetup {
  /** On 127.0.0.1; 0 picks a free port. */
  readonly port: number;
  readonly scheme: SignatureScheme;
  readonly signer: Signer;
  readonly stagingSecrets?: readonly string[];
  readonly secretEnv?: string;
  readonly forward?: WebhookForward & {
    /** Where the local secret is kept (as shown), and whether this start made it. */
    readonly file: string;
    readonly created: boolean;
  };
}

/** The webhook listener of a record server, when `--webhooks` is given. */
export interface WebhookListener {
  /** Listens on 127.0.0.1:PORT; resolves with its URL. */
  listen(): Promise<string>;
  readonly forward?: {
    readonly url: string;
    readonly secret: string;
    readonly file: string;
    readonly created: boolean;
  };
}

export type ServerKind = 'record' | 'replay';

export interface TapedeckServer {
  readonly kind: ServerKind;
  readonly interactions: number;
  readonly cassettes: number;
  listen(): Promise<string>;
  /** `record --webhooks`: the second listener, listening once its `listen` is called. */
  readonly webhooks?: WebhookListener;
  summary(): ServerSummary;
  /** Stops accepting, drains in-flight requests and cassette writes, closes stores. */
  stop(): Promise<ServerSummary>;
}

function headerLearned(
  learned: LearnedValues,
  headers: HeaderMap,
  pseudonymsOf: PseudonymsOf,
): boolean {
  for (const name in headers)
    for (const v of valuesOf(headers[name])) if (learned.recognizes(v, pseudonymsOf)) return true;
  return false;
}

/** Loads every cassette or refuses to start, naming each broken file and JSON path. */
export async function loadCassettesOrFail(store: CassetteStore): Promise<NamedCassette[]> {
  const { cassettes, problems } = await store.loadAll();
  if (problems.length > 0) {
    throw new TapedeckError(
      'TD_CASSETTE_INVALID',
      `${problems.length} cassette(s) failed to load, so tapedeck will not start:\n\n${problems.map(describeProblem).join('\n\n')}`,
      {
        details: { files: problems.map((p) => p.name) },
        hint: 'Fix or re-record them (`tapedeck verify` lists the same problems), then start again.',
      },
    );
  }
  return cassettes;
}

function checkMissStatus(cassettes: readonly NamedCassette[], status: number): void {
  for (const { name, cassette } of cassettes) {
    const position = cassette.interactions.findIndex((i) => i.response.status === status);
    if (position !== -1) {
      throw new TapedeckError(
        'TD_MISS_STATUS_CONFLICT',
        `Cassette ${name} recorded status ${status} at /interactions/${position}, the status replay uses for misses: a miss could pass for a recorded answer.`,
        { hint: 'Set replay.missStatus in tapedeck.config.json to a status the API never sends.' },
      );
    }
  }
}

/**
 * Replay recognizes values learned while recording only under the recording's key: says so at
 * start-up, naming the cassettes whose `meta.keyId` is another key's.
 */
function warnOtherKeys(
  cassettes: readonly NamedCassette[],
  keyId: string,
  learned: LearnedValues,
  logger: LoggerPort,
  keyEnv: string,
): void {
  if (learned.empty) return;
  const other = cassettes.filter(
    (c) => c.cassette.meta?.keyId !== undefined && c.cassette.meta.keyId !== keyId,
  );
  if (other.length === 0) return;
  logger.log(
    'warn',
    'replay.key',
    `${other.length} cassette(s) were recorded under another redaction key (${other
      .slice(0, 5)
      .map((c) => c.name)
      .join(
        ', ',
      )}${other.length > 5 ? ', …' : ''}): a value the recorder learned from an answer and the client sends back (a cookie in a query) will not match. Set ${keyEnv} to the key used for recording.`,
    { cassettes: other.map((c) => c.name) },
  );
}

/** Removes what writers killed mid-write left in the store, and says what it did. */
async function clearLeftovers(store: CassetteStore, logger: Logger): Promise<void> {
  let found;
  try {
    found = await store.clearLeftovers?.();
  } catch (error) {
    // Not a reason to refuse to start: a write that meets the same problem says so itself.
    logger.log(
      'warn',
      'store.leftovers',
      `could not clear files left by a tapedeck stopped mid-write: ${(error as Error).message}`,
    );
    return;
  }
  if (found === undefined) return;
  if (found.removed.length > 0)
    logger.log(
      'info',
      'store.leftovers',
      `removed ${found.removed.length} file(s) left by a tapedeck stopped mid-write (temp files, stale locks): ${found.removed.slice(0, 5).join(', ')}${found.removed.length > 5 ? ', …' : ''}`,
      { removed: found.removed },
    );
  if (found.kept.length > 0)
    logger.log(
      'info',
      'store.busy',
      `kept ${found.kept.length} temp or lock file(s) of another tapedeck still writing these cassettes: ${found.kept.slice(0, 5).join(', ')}`,
      { kept: found.kept },
    );
  if (found.failed !== undefined && found.failed.length > 0)
    logger.log(
      'warn',
      'store.leftovers',
      `could not clear ${found.failed.length} file(s) left by a tapedeck stopped mid-write (the others were handled): ${found.failed.slice(0, 3).join('; ')}${found.failed.length > 3 ? '; …' : ''}`,
      { failed: found.failed },
    );
}

export async function buildServer(
  kind: ServerKind,
  config: TapedeckConfig,
  deps: ServerDeps,
): Promise<TapedeckServer> {
  const writes = kind === 'record' || config.replay.onMiss === 'record';
  // Before loading: a recorder killed mid-write may have left temp files and a lock behind.
  if (writes) await clearLeftovers(deps.store, deps.logger);
  const cassettes = await loadCassettesOrFail(deps.store);
  const match = compileMatchConfig(config.match);
  const index = new ReplayIndex(cassettes, match);
  const cursors = new SequenceCursors();
  const { redactor } = deps.redaction;
  // The pseudonyms the recorded requests hold: replay redacts an incoming request's values that
  // have one of them under this key, as the recorder did (core/redaction/learned.ts).
  const learned = LearnedValues.from(cassettes, match.headers);
  const keyId = redactor.keyId();
  warnOtherKeys(cassettes, keyId, learned, deps.logger, config.redaction.keyEnv);
  const stats = new ServerStats({
    answersFromCassettes: !(kind === 'record' && config.record.mode === 'all'),
  });
  const needsUpstream = kind === 'record' || config.replay.onMiss !== 'error';
  if (needsUpstream && deps.upstream === undefined) {
    throw new TapedeckError(
      'TD_USAGE',
      `${kind === 'record' ? 'record' : `replay --on-miss ${config.replay.onMiss}`} needs --target URL.`,
    );
  }
  if (kind === 'replay' && config.replay.onMiss === 'error')
    checkMissStatus(cassettes, config.replay.missStatus);

  const recordsTo = (named: string | undefined) => named ?? config.record.cassette;
  const recorder = writes
    ? new CassetteRecorder({
        store: deps.store,
        mode: kind === 'record' ? config.record.mode : 'new',
        meta: {
          recordedWith: `tapedeck ${VERSION}`,
          keyId,
          ...(deps.upstream ? { target: deps.upstream.origin } : {}),
        },
        logger: deps.logger,
        stats,
        redaction: deps.redaction,
        clock: deps.clock,
        scheduler: deps.scheduler,
      })
    : undefined;
  const upstream = deps.upstream
    ? upstreamLayer({
        upstream: deps.upstream,
        codec: deps.codec,
        clock: deps.clock,
        logger: deps.logger,
        maxBodyBytes: config.maxBodyBytes,
        recorder,
        cassetteFor: (context) => recordsTo(context.cassette),
        forwarded: config.upstream.forwardedHeaders,
      })
    : undefined;
  const cassette = cassetteLayer({
    index,
    cursors,
    stats,
    latencyFactor: kind === 'replay' ? latencyFactor(config.replay.latency) : 0,
    // Recording answers only from the cassette being recorded; replay from any, unless named.
    cassetteFor:
      kind === 'record' ? (context) => recordsTo(context.cassette) : (context) => context.cassette,
  });
  const admin = adminLayer({
    token: config.admin.token,
    routes: [
      healthRoutes({
        mode: kind,
        loaded: () => ({ cassettes: index.cassetteNames().length, interactions: index.size }),
        summary: () => stats.summary(index),
      }),
      journalRoutes(deps.journal, undefined, deps.clock),
      resetRoutes(cursors),
      ...(deps.metrics === undefined ? [] : [metricsRoutes(deps.metrics)]),
    ],
  });
  // The slots this server fills; assemblePipeline puts them in the order of core/pipeline.ts.
  let slots: PipelineSlots;
  if (kind === 'record') {
    // Mode new answers what the cassette being recorded already has; mode all re-records all.
    slots =
      config.record.mode === 'all'
        ? { admin, upstream: upstream! }
        : { admin, cassette, upstream: upstream! };
  } else {
    slots = {
      admin,
      cassette,
      // spec (with --spec): answers what no cassette recorded, before a miss is declared.
      ...(deps.spec === undefined ? {} : { spec: specLayer(fallbackSpec(deps.spec)) }),
      ...(config.replay.onMiss === 'error'
        ? {
            miss: missLayer({
              index,
              stats,
              logger: deps.logger,
              status: config.replay.missStatus,
            }),
          }
        : { upstream: upstream! }),
    };
  }
  const handler = runPipeline({
    layers: assemblePipeline(slots),
    clock: deps.clock,
    journal: deps.journal,
    stats,
    ...(deps.metrics === undefined ? {} : { metrics: deps.metrics }),
    log: { logger: deps.logger },
    view: {
      match,
      codec: deps.codec,
      redactRequest: (request) => {
        const result = redactor.redactRequest(request, undefined, learned);
        if (result.learned === undefined) return result;
        // A value may have been recorded as sent in an exchange before the one that made it
        // secret (`?q=abc123`, then `Set-Cookie: session=abc123`): that recording holds it
        // plainly. The redaction that some recording holds wins, the learned one first.
        if (index.lookup(normalizeRequest(result.value, match).key) !== undefined) return result;
        const plain = redactor.redactRequest(request);
        return index.lookup(normalizeRequest(plain.value, match).key) !== undefined
          ? plain
          : result;
      },
      fastKey: (incoming) => {
        if (incoming.rawBody !== undefined || incoming.path.startsWith(ADMIN_PREFIX))
          return undefined;
        const key = fastKey(
          incoming.method,
          incoming.path,
          incoming.rawQuery,
          match,
          (text, name) =>
            redactor.clean(text, name) &&
            !learned.recognizes(
              text,
              redactor.pseudonymsOf,
              name === undefined && text === incoming.path,
            ),
        );
        if (key === undefined) return undefined;
        // A learned value in a header would be replaced in the path or query by value tracking.
        if (!learned.empty && headerLearned(learned, incoming.headers, redactor.pseudonymsOf))
          return undefined;
        // A secret a header carries would be replaced in the path or query by value tracking.
        return redactor.headerSecretIn(incoming.headers, [incoming.path, incoming.rawQuery])
          ? undefined
          : key;
      },
    },
  });
  const host = deps.host(handler);
  const hooks = deps.webhooks;
  const hooksHost =
    kind === 'record' && hooks !== undefined && recorder !== undefined
      ? deps.host(
          webhookReceiver({
            recorder,
            cassette: config.record.cassette,
            scheme: hooks.scheme,
            signer: hooks.signer,
            ...(hooks.stagingSecrets === undefined ? {} : { stagingSecrets: hooks.stagingSecrets }),
            ...(hooks.secretEnv === undefined ? {} : { secretEnv: hooks.secretEnv }),
            ...(hooks.forward === undefined ? {} : { forward: hooks.forward }),
            codec: deps.codec,
            clock: deps.clock,
            logger: deps.logger,
          }),
        )
      : undefined;
  let stopped: Promise<ServerSummary> | undefined;
  return {
    kind,
    interactions: index.size,
    cassettes: cassettes.length,
    listen: () => host.listen(config.server.host, config.server.port),
    ...(hooksHost === undefined || hooks === undefined
      ? {}
      : {
          webhooks: {
            // Loopback only, whatever --host says: staging reaches it through a tunnel.
            listen: () => hooksHost.listen('127.0.0.1', hooks.port),
            ...(hooks.forward === undefined
              ? {}
              : {
                  forward: {
                    url: hooks.forward.url,
                    secret: hooks.forward.secret,
                    file: hooks.forward.file,
                    created: hooks.forward.created,
                  },
                }),
          },
        }),
    summary: () => stats.summary(index),
    stop() {
      stopped ??= (async () => {
        await Promise.all([host.close(), hooksHost?.close()]);
        await hooks?.forward?.sender.close();
        await recorder?.drain();
        await deps.upstream?.close();
        await deps.journal.close();
        await deps.state.close();
        return stats.summary(index);
      })();
      return stopped;
    },
  };
}

/** A refused file's message, then its own next step unless the message already holds it. */
function describeProblem(problem: { readonly error: TapedeckError }): string {
  const { message, hint } = problem.error;
  return hint === undefined || message.includes(hint) ? message : `${message}\n  ${hint}`;
}
