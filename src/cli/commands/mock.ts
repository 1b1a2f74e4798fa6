import { resolve } from 'node:path';
import type { Command } from 'commander';
import { makeLogger } from '../../app/compose/compose.js';
import { EXIT } from '../common.js';
import type { CliContext } from '../context.js';
import {
  commandConfig,
  declareOptions,
  HOST,
  onlyWhenFalse,
  PORT,
  SERVER_JSON,
  type CliOption,
} from '../options.js';

/** What the action reads itself; the config flags are read through OPTIONS. */
interface MockOptions {
  watch?: boolean;
  json?: boolean;
}

function renderMockSummary(summary: {
  served: number;
  byOutcome: Readonly<Record<string, number>>;
  reloads: number;
  reloadFailures: number;
}): string {
  const outcomes = Object.entries(summary.byOutcome)
    .map(([outcome, n]) => `${outcome} ${n}`)
    .join(', ');
  const reloads =
    summary.reloads + summary.reloadFailures > 0
      ? `; ${summary.reloads} reload(s), ${summary.reloadFailures} failed`
      : '';
  return `tapedeck mock summary: ${summary.served} request(s) served${outcomes === '' ? '' : ` (${outcomes})`}${reloads}\n`;
}

const OPTIONS: readonly CliOption[] = [
  PORT,
  HOST,
  { flags: '--watch', description: 'reload when the spec or a file it references changes' },
  {
    flags: '--seed <seed>',
    description: 'seed of generated values',
    pointer: '/mock/seed',
  },
  {
    flags: '--no-security',
    description: 'do not answer 401 when documented credentials are missing',
    pointer: '/mock/security',
    toConfig: onlyWhenFalse,
  },
  {
    flags: '--no-validate',
    description: 'do not validate requests against the spec',
    pointer: '/mock/validateRequests',
    toConfig: onlyWhenFalse,
  },
  SERVER_JSON,
];

export function registerMock(program: Command, cli: CliContext): void {
  declareOptions(
    program
      .command('mock')
      .summary('serve an OpenAPI/Swagger spec (or a GraphQL schema) as a mock API')
      .description(
        'Serve SPEC (OpenAPI 3.0/3.1 or Swagger 2.0, JSON or YAML, local $refs across files; or a ' +
          'GraphQL schema .graphql/.gql) with no recordings: documented examples first, else bodies ' +
          'generated from the schemas, deterministic for a request and --seed. Requests are validated: ' +
          'a broken one gets 400 (or the documented 422) listing every violation. Prefer: code=404, ' +
          'example=NAME or dynamic=true choose the answer. Every answer carries x-tapedeck-layer: spec; ' +
          "tapedeck's own /__tapedeck/health, /summary and /journal answer first.",
      )
      .argument('<spec>', 'the spec file'),
    OPTIONS,
  )
    .addHelpText(
      'after',
      '\nExamples:\n  tapedeck mock openapi.yaml --port 4010\n  tapedeck mock openapi.yaml --watch --seed 42\n  curl -H "Prefer: code=404" http://127.0.0.1:4010/pets/1',
    )
    .action(async (spec: string, options: MockOptions, command: Command) => {
      // Handlers first: a Ctrl-C right after the listening line must drain, not kill.
      const stopping = cli.stopSignal();
      const { config } = commandConfig(cli, command, options, OPTIONS);
      const { logger } = makeLogger(config, cli.io);
      const { composeMockServer } = await import('../../app/compose/spec.js');
      const server = await composeMockServer(resolve(cli.cwd, spec), config, logger, {
        watch: options.watch === true,
      });
      const url = await server.listen();
      if (options.json === true) {
        cli.io.stdout.write(
          `${JSON.stringify({ event: 'listening', kind: 'mock', url, spec, description: server.description })}\n`,
        );
      } else {
        cli.io.stdout.write(`tapedeck mock listening on ${url}\n`);
      }
      logger.log(
        'info',
        'mock.started',
        `Serving ${server.description} from ${spec}${options.watch === true ? ' (watching for changes)' : ''}. Ctrl-C stops.`,
        { url },
      );
      const signal = await stopping;
      logger.log('info', 'server.stopping', `${signal}: finishing in-flight requests…`);
      const summary = await server.stop();
      if (options.json === true)
        cli.io.stdout.write(`${JSON.stringify({ event: 'summary', ...summary })}\n`);
      else cli.io.stderr.write(renderMockSummary(summary));
      cli.exitCode = EXIT.ok;
    });
}
