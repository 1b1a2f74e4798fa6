import { composeServer, makeLogger, type Io } from '../app/compose/compose.js';
import { strictMisses } from '../app/compose/api.js';
import type { TapedeckConfig } from '../app/config/config.js';
import type { ServerKind, TapedeckServer } from '../app/replay/server.js';
import { renderSummary } from '../core/render/summary.js';
import type { Command } from 'commander';
import { EXIT, exitCodeFor, exitCodeOf } from './common.js';
import type { CliContext } from './context.js';
import { commandConfig, type CliOption } from './options.js';

export interface ServeOptions {
  readonly json: boolean;
  /** Resolves when the server should stop; the CLI wires SIGINT/SIGTERM to it. */
  readonly stopSignal: Promise<string>;
}

/** The action of `record` and `replay`: the config their `options` set, then `serve`. */
export function serveAction(cli: CliContext, kind: ServerKind, options: readonly CliOption[]) {
  return async (values: { readonly json?: boolean }, command: Command): Promise<void> => {
    const { config } = commandConfig(cli, command, values, options);
    cli.exitCode = await serve(kind, config, cli.io, {
      json: values.json === true,
      stopSignal: cli.stopSignal(),
    });
  };
}

/**
 * Runs record or replay until a stop signal: prints one line with the URL served, then on
 * SIGINT/SIGTERM drains in-flight requests and cassette writes and prints the summary.
 * Returns the exit code.
 */
export async function serve(
  kind: ServerKind,
  config: TapedeckConfig,
  io: Io,
  options: ServeOptions,
): Promise<number> {
  const { logger, style } = makeLogger(config, io);
  const server = await composeServer(kind, config, logger, io.env);
  const url = await server.listen();
  if (options.json) {
    io.stdout.write(
      `${JSON.stringify({ event: 'listening', kind, url, cassettes: server.cassettes, interactions: server.interactions })}\n`,
    );
  } else {
    io.stdout.write(`tapedeck ${kind} listening on ${url}\n`);
  }
  if (server.webhooks !== undefined) {
    try {
      await announceWebhooks(server.webhooks, io, options.json);
    } catch (error) {
      // The proxy listens already: close it, or the process would stay up without its webhooks.
      await server.stop();
      throw error;
    }
  }
  const detail =
    kind === 'record'
      ? `recording ${config.upstream.target ?? ''} into ${config.cassettes} (mode ${config.record.mode}, cassette ${config.record.cassette})`
      : `replaying ${server.interactions} interaction(s) from ${server.cassettes} cassette(s) in ${config.cassettes}; misses: ${config.replay.onMiss}`;
  logger.log('info', 'server.started', `${detail}. Ctrl-C stops.`, { url, kind });

  const signal = await options.stopSignal;
  logger.log('info', 'server.stopping', `${signal}: finishing in-flight requests and writes…`);
  const summary = await server.stop();
  if (options.json) {
    io.stdout.write(`${JSON.stringify({ event: 'summary', ...summary })}\n`);
  } else {
    io.stderr.write(renderSummary(summary, style));
  }
  const strict = kind === 'replay' ? strictMisses(config, summary) : undefined;
  if (strict !== undefined) {
    logger.log('error', 'replay.strict', strict.message, { code: strict.code });
    return exitCodeFor(strict);
  }
  // Each failed write was logged with its code when it happened; the summary counts them.
  return summary.recordFailures > 0 ? exitCodeOf('TD_CASSETTE_WRITE_FAILED') : EXIT.ok;
}

/**
 * The webhook listener of `record --webhooks`: its URL (what staging is pointed at) and, with
 * --forward-to, the local secret the receiver verifies with. The secret goes to stdout, never to
 * the log, as `stripe listen` prints its `whsec_…`: the developer needs it once, in the terminal.
 */
async function announceWebhooks(
  webhooks: NonNullable<TapedeckServer['webhooks']>,
  io: Io,
  json: boolean,
): Promise<void> {
  const url = await webhooks.listen();
  const forward = webhooks.forward;
  // The forward target's origin and path only: a query may carry the receiver's token.
  const to = forward === undefined ? undefined : shownUrl(forward.url);
  if (json) {
    io.stdout.write(
      `${JSON.stringify({
        event: 'webhooks',
        url,
        ...(forward === undefined
          ? {}
          : { forwardTo: to, secret: forward.secret, secretFile: forward.file }),
      })}\n`,
    );
    return;
  }
  io.stdout.write(`tapedeck record receiving webhooks on ${url}\n`);
  if (forward !== undefined)
    io.stdout.write(
      `tapedeck record forwarding webhooks to ${to ?? ''}; your webhook signing secret is ${forward.secret} (${forward.created ? 'new, ' : ''}kept in ${forward.file})\n`,
    );
}

function shownUrl(text: string): string {
  const url = new URL(text);
  return `${url.origin}${url.pathname}`;
}
