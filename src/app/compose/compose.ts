import { NodeBodyCodec } from '../../adapters/http/body-codec.js';
import { openSqliteState } from '../../adapters/state/sqlite/index.js';
import { systemClock } from '../../adapters/system/system.js';
import { systemScheduler } from '../../adapters/system/scheduler.js';
import type { Logger, Upstream } from '../../core/ports/index.js';
import type { RedactionSetup } from '../redaction/setup.js';
import type { TapedeckConfig } from '../config/config.js';
import {
  buildServer,
  type RecordWebhooksSetup,
  type ServerKind,
  type TapedeckServer,
} from '../replay/server.js';
import { checkTarget, resolveEgress } from '../record/target.js';
import type { EgressPolicy, Resolver } from '../../core/http/egress.js';
import { Journal } from '../journal/journal.js';
import { MetricsRegistry } from '../metrics/registry.js';
import { VERSION } from '../version.js';
import { cassetteStore, loadRedaction, nodeHost } from './common.js';

/**
 * The composition root of record and replay: the adapters built from config and handed to the
 * use cases as ports. Only app/compose imports adapters (eslint.config.js enforces it).
 */
export {
  cassetteStore,
  loadRedaction,
  loadRules,
  makeLogger,
  nodeHost,
  type Io,
} from './common.js';

/**
 * Builds a record or replay server from config. Rule files and the key load first, so a bad
 * rule stops everything before a socket opens. `env` supplies the pseudonymization key.
 */
export async function composeServer(
  kind: ServerKind,
  config: TapedeckConfig,
  logger: Logger,
  env: Readonly<Record<string, string | undefined>> = {},
  egress: EgressPorts = {},
  options: ComposeOptions = {},
): Promise<TapedeckServer> {
  const records = kind === 'record' || config.replay.onMiss === 'record';
  // The target first: a missing or refused --target is a usage error that must leave nothing
  // behind, and loading the redaction setup may create .tapedeck/redaction.key.
  const policy = await egressFor(kind, config, egress);
  // Only with --webhooks: the profile and the webhook sender load then, not for every record.
  // Before the redaction key: a missing secret variable or a refused --forward-to leaves nothing.
  const webhooks =
    kind === 'record' && hasRecordWebhooks(config)
      ? await (
          await import('./webhooks.js')
        ).composeRecordWebhooks(config, env, {
          logger,
          ...(egress.resolver === undefined ? {} : { resolver: egress.resolver }),
        })
      : undefined;
  let redaction: RedactionSetup;
  try {
    redaction = loadRedaction(config, env, logger, records);
  } catch (error) {
    await webhooks?.forward?.sender.close();
    throw error;
  }
  return composeServerWith(
    kind,
    config,
    logger,
    redaction,
    {
      ...egress,
      ...(policy === undefined ? {} : { policy }),
      ...(webhooks === undefined ? {} : { webhooks }),
    },
    options,
  );
}

function hasRecordWebhooks(config: TapedeckConfig): boolean {
  const { port, forwardTo, secretEnv } = config.record.webhooks;
  return port !== undefined || forwardTo !== undefined || secretEnv !== undefined;
}

/** How names resolve (tests give a resolver whose answer changes), and a policy already made. */
export interface EgressPorts {
  readonly resolver?: Resolver;
  readonly policy?: EgressPolicy;
  /** `record --webhooks`: the second listener's setup (composeRecordWebhooks). */
  readonly webhooks?: RecordWebhooksSetup;
}

/** What an embedder (or the benchmark) may switch off in a composed server. */
export interface ComposeOptions {
  /** GET /__tapedeck/metrics and the counting behind it (default true). */
  readonly metrics?: boolean;
}

/** The target checked, resolved and turned into the egress policy (docs/egress.md). */
async function egressFor(
  kind: ServerKind,
  config: TapedeckConfig,
  egress: EgressPorts,
): Promise<EgressPolicy | undefined> {
  const target = upstreamTarget(kind, config);
  if (target === undefined) return undefined;
  if (egress.policy !== undefined) return egress.policy;
  const resolver =
    egress.resolver ?? (await import('../../adapters/http/egress-connect.js')).systemResolver();
  return resolveEgress(target, config, resolver);
}

/**
 * The same, with the redaction setup given: for embedding tapedeck, and for the benchmark that
 * measures recording with redaction switched off. Nothing in the CLI passes anything but the
 * loaded rules.
 */
export async function composeServerWith(
  kind: ServerKind,
  config: TapedeckConfig,
  logger: Logger,
  redaction: RedactionSetup,
  egress: EgressPorts = {},
  options: ComposeOptions = {},
): Promise<TapedeckServer> {
  const target = upstreamTarget(kind, config);
  const policy = await egressFor(kind, config, egress);
  // The spec loads before the state store opens and the upstream pool is made, so a broken spec
  // fails with nothing to close.
  // swagger-parser and ajv load only with --spec: a plain replay starts faster without them.
  const spec =
    kind === 'replay' && config.replay.spec !== undefined
      ? await (await import('./spec.js')).loadSpecMock(config.replay.spec, config)
      : undefined;
  const state = openSqliteState(config.stateDir);
  const journal = new Journal(state.journal, {
    scheduler: systemScheduler,
    onWriteError: (error) =>
      logger.log('error', 'journal.write_failed', (error as Error).message, {
        code: 'TD_STATE_STORE_FAILED',
      }),
  });
  let upstream: Upstream | undefined;
  try {
    // undici loads only when something goes upstream: a plain replay starts faster without it.
    upstream = target
      ? new (await import('../../adapters/http/undici-upstream.js')).UndiciUpstream({
          target: target.href,
          timeoutMs: config.upstream.timeoutMs,
          ...(policy === undefined
            ? {}
            : {
                egress: {
                  policy,
                  logger,
                  ...(egress.resolver ? { resolver: egress.resolver } : {}),
                },
              }),
        })
      : undefined;
    return await buildServer(kind, config, {
      ...(spec === undefined ? {} : { spec }),
      store: cassetteStore(config.cassettes, kind === 'replay'),
      codec: new NodeBodyCodec({ maxDecodedBytes: config.maxBodyBytes }),
      clock: systemClock,
      scheduler: systemScheduler,
      logger,
      state,
      journal,
      upstream,
      redaction,
      host: nodeHost(config, logger),
      ...(options.metrics === false
        ? {}
        : {
            metrics: new MetricsRegistry({
              tenantLabel: config.metrics.tenantLabel,
              version: VERSION,
            }),
          }),
      ...(kind === 'record' && egress.webhooks !== undefined ? { webhooks: egress.webhooks } : {}),
    });
  } catch (error) {
    await journal.close();
    await state.close();
    await upstream?.close();
    await egress.webhooks?.forward?.sender.close();
    throw error;
  }
}

/** The checked upstream URL of a server that goes upstream (record, replay --on-miss …). */
function upstreamTarget(kind: ServerKind, config: TapedeckConfig): URL | undefined {
  const needsUpstream = kind === 'record' || config.replay.onMiss !== 'error';
  return needsUpstream
    ? checkTarget(
        config.upstream.target,
        config,
        kind === 'record' ? 'record' : `replay --on-miss ${config.replay.onMiss}`,
      )
    : undefined;
}
