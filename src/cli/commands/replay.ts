import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { LATENCY_CHOICES, LATENCY_PATTERN, ON_MISS } from '../../core/modes.js';
import { parseChoice, wordList } from '../common.js';
import type { CliContext } from '../context.js';
import {
  CASSETTES,
  declareOptions,
  fromCwd,
  HOST,
  PORT,
  SERVER_JSON,
  type CliOption,
} from '../options.js';
import { serveAction } from '../serve.js';

function parseLatency(value: string): string {
  if (!new RegExp(LATENCY_PATTERN).test(value))
    throw new InvalidArgumentError(`must be ${wordList(LATENCY_CHOICES, true)} (e.g. x2).`);
  return value;
}

const OPTIONS: readonly CliOption[] = [
  PORT,
  HOST,
  CASSETTES,
  {
    flags: '--on-miss <what>',
    description: 'error (explain the miss), passthrough (forward), record (forward and record)',
    parse: parseChoice(ON_MISS),
    pointer: '/replay/onMiss',
  },
  {
    flags: '-t, --target <url>',
    description: 'upstream for --on-miss passthrough|record',
    pointer: '/upstream/target',
  },
  {
    flags: '--latency <how>',
    description: `${wordList(LATENCY_CHOICES, true)} times the recorded latency`,
    parse: parseLatency,
    pointer: '/replay/latency',
  },
  {
    flags: '--strict',
    description: 'exit 1 at shutdown if any request missed (for CI)',
    pointer: '/replay/strict',
  },
  {
    flags: '--spec <file>',
    description: 'OpenAPI/Swagger spec that answers what no cassette recorded',
    pointer: '/replay/spec',
    toConfig: fromCwd,
  },
  {
    flags: '--seed <seed>',
    description: 'seed of values generated from --spec',
    pointer: '/mock/seed',
  },
  SERVER_JSON,
];

export function registerReplay(program: Command, cli: CliContext): void {
  declareOptions(
    program
      .command('replay')
      .summary('serve recorded answers: deterministic, offline, and explaining every miss')
      .description(
        'Serve the cassettes. A request that matches a recording gets the recorded responses in order ' +
          '(per x-tapedeck-session); a miss never touches the network and answers with a report of the ' +
          'nearest recorded requests, field by field.',
      ),
    OPTIONS,
  )
    .addHelpText(
      'after',
      '\nExamples:\n  tapedeck replay --port 8080\n  tapedeck replay --port 0 --strict            # in CI\n  tapedeck replay --on-miss record --target https://staging.example.com',
    )
    .action(serveAction(cli, 'replay', OPTIONS));
}
