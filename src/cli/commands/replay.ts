import { resolve } from 'node:path';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { LATENCY_CHOICES, LATENCY_PATTERN, ON_MISS, type OnMiss } from '../../core/modes.js';
import { wordList, FlagSet, globalsOf, loadConfig, parseChoice, parsePort } from '../common.js';
import type { CliContext } from '../context.js';
import { serve } from '../serve.js';

interface ReplayOptions {
  port?: number;
  host?: string;
  cassettes?: string;
  onMiss?: OnMiss;
  target?: string;
  latency?: string;
  strict?: boolean;
  json?: boolean;
  spec?: string;
  seed?: string;
}

function parseLatency(value: string): string {
  if (!new RegExp(LATENCY_PATTERN).test(value))
    throw new InvalidArgumentError(`must be ${wordList(LATENCY_CHOICES, true)} (e.g. x2).`);
  return value;
}

export function registerReplay(program: Command, cli: CliContext): void {
  program
    .command('replay')
    .summary('serve recorded answers: deterministic, offline, and explaining every miss')
    .description(
      'Serve the cassettes. A request that matches a recording gets the recorded responses in order ' +
        '(per x-tapedeck-session); a miss never touches the network and answers with a report of the ' +
        'nearest recorded requests, field by field.',
    )
    .option('-p, --port <n>', 'port to listen on (0 picks a free one)', parsePort)
    .option('--host <address>', 'address to listen on')
    .option('-c, --cassettes <dir>', 'cassettes directory')
    .option(
      '--on-miss <what>',
      'error (explain the miss), passthrough (forward), record (forward and record)',
      parseChoice(ON_MISS),
    )
    .option('-t, --target <url>', 'upstream for --on-miss passthrough|record')
    .option(
      '--latency <how>',
      `${wordList(LATENCY_CHOICES, true)} times the recorded latency`,
      parseLatency,
    )
    .option('--strict', 'exit 1 at shutdown if any request missed (for CI)')
    .option('--spec <file>', 'OpenAPI/Swagger spec that answers what no cassette recorded')
    .option('--seed <seed>', 'seed of values generated from --spec (default "tapedeck")')
    .option('--json', 'print the listening line and the summary as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  tapedeck replay --port 8080\n  tapedeck replay --port 0 --strict            # in CI\n  tapedeck replay --on-miss record --target https://staging.example.com',
    )
    .action(async (options: ReplayOptions, command: Command) => {
      const flags = new FlagSet()
        .set('/server/port', options.port, '--port')
        .set('/server/host', options.host, '--host')
        .set('/cassettes', options.cassettes, '--cassettes')
        .set('/replay/onMiss', options.onMiss, '--on-miss')
        .set('/upstream/target', options.target, '--target')
        .set('/replay/latency', options.latency, '--latency')
        .set('/replay/strict', options.strict, '--strict')
        .set(
          '/replay/spec',
          options.spec === undefined ? undefined : resolve(cli.cwd, options.spec),
          '--spec',
        )
        .set('/mock/seed', options.seed, '--seed');
      const { config } = loadConfig(cli.io, cli.cwd, globalsOf(command), flags);
      cli.exitCode = await serve('replay', config, cli.io, {
        json: options.json === true,
        stopSignal: cli.stopSignal(),
      });
    });
}
