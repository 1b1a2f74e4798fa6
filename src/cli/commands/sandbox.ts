import type { Command } from 'commander';
import { makeLogger } from '../../app/compose/compose.js';
import { EXIT } from '../common.js';
import type { CliContext } from '../context.js';
import {
  CASSETTES,
  commandConfig,
  declareOptions,
  HOST,
  PORT,
  SERVER_JSON,
  type CliOption,
} from '../options.js';

/** What the action reads itself; the config flags are read through OPTIONS. */
interface SandboxOptions {
  json?: boolean;
  explain?: boolean;
}

const OPTIONS: readonly CliOption[] = [
  {
    flags: '--spec <file>',
    description: 'OpenAPI/Swagger spec the resources are inferred from',
    pointer: '/sandbox/spec',
  },
  CASSETTES,
  {
    flags: '--profile <name|file>',
    description: 'API profile: standard, stripe, github, or a profile file',
    pointer: '/sandbox/profile',
  },
  PORT,
  HOST,
  {
    flags: '--state-dir <dir>',
    description: 'where tenants and their state are kept (SQLite)',
    pointer: '/stateDir',
  },
  {
    flags: '--explain',
    description: 'print the inferred resource model and the resolved profile, then exit',
  },
  { ...SERVER_JSON, description: `${SERVER_JSON.description} (with --explain: the model)` },
];

export function registerSandbox(program: Command, cli: CliContext): void {
  declareOptions(
    program
      .command('sandbox')
      .summary('a stateful, multi-tenant sandbox of an API, from its spec and recordings')
      .description(
        'Serve a stateful sandbox: resources inferred from --spec and the recordings in --cassettes, ' +
          'answered in the conventions of --profile (standard, stripe, github or a file). Each ' +
          'partner is a tenant with its own test keys (`tapedeck tenants create NAME`), state, clock ' +
          'and idempotency keys. What the model does not cover is answered by the cassettes, then ' +
          'the spec. --explain prints what was inferred and exits (docs/sandbox.md).',
      ),
    OPTIONS,
  )
    .addHelpText(
      'after',
      '\nExamples:\n  tapedeck tenants create acme --profile stripe\n  tapedeck sandbox --spec openapi/stripe.json --profile stripe --port 4010\n  tapedeck sandbox --spec openapi/stripe.json --profile stripe --explain',
    )
    .action(async (options: SandboxOptions, command: Command) => {
      const { config, sources } = commandConfig(cli, command, options, OPTIONS);
      // A cassettes directory named by flag, env or file must exist; the default may not.
      const cassettesRequired = (sources.get('/cassettes') ?? 'default') !== 'default';
      const compose = await import('../../app/compose/sandbox.js');
      if (options.explain === true) {
        const { renderExplain, explainJson } = await import('../../core/render/sandbox-explain.js');
        const { model, profile, sources } = await compose.loadSandboxModel(config, {
          cassettesRequired,
        });
        cli.io.stdout.write(
          options.json === true
            ? `${JSON.stringify(explainJson(model, profile, sources), null, 2)}\n`
            : renderExplain(model, profile, sources),
        );
        cli.exitCode = EXIT.ok;
        return;
      }
      // Handlers first: a Ctrl-C right after the listening line must drain, not kill.
      const stopping = cli.stopSignal();
      const { logger } = makeLogger(config, cli.io);
      const server = await compose.composeSandboxServer(config, logger, {
        env: cli.io.env,
        cassettesRequired,
      });
      const url = await server.listen();
      const resources = server.model.types.size;
      if (options.json === true) {
        cli.io.stdout.write(
          `${JSON.stringify({ event: 'listening', kind: 'sandbox', url, profile: server.profile.name, resources })}\n`,
        );
      } else {
        cli.io.stdout.write(`tapedeck sandbox listening on ${url}\n`);
      }
      logger.log(
        'info',
        'sandbox.started',
        `Sandbox of ${resources} resource type(s) and ${server.sources.scenarios?.length ?? 0} scenario(s), profile ${server.profile.name}${config.admin.token === undefined ? '; tenant admin routes are off (set TAPEDECK_ADMIN_TOKEN), the tenants command works on the state directory' : ''}. Ctrl-C stops.`,
        { url },
      );
      const signal = await stopping;
      logger.log('info', 'server.stopping', `${signal}: finishing in-flight requests…`);
      const summary = await server.stop();
      if (options.json === true)
        cli.io.stdout.write(`${JSON.stringify({ event: 'summary', ...summary })}\n`);
      else {
        const layers = Object.entries(summary.byLayer)
          .filter(([, n]) => (n ?? 0) > 0)
          .map(([layer, n]) => `${layer} ${n}`)
          .join(', ');
        cli.io.stderr.write(
          `tapedeck sandbox summary: ${summary.served} request(s) served${layers === '' ? '' : ` (${layers})`}\n`,
        );
      }
      cli.exitCode = EXIT.ok;
    });
}
