import type { Command } from 'commander';
import { RECORD_MODES } from '../../core/modes.js';
import { parseChoice } from '../common.js';
import type { CliContext } from '../context.js';
import { CASSETTES, declareOptions, HOST, PORT, SERVER_JSON, type CliOption } from '../options.js';
import { serveAction } from '../serve.js';

const OPTIONS: readonly CliOption[] = [
  {
    flags: '-t, --target <url>',
    description: 'the API to record from (the only host ever contacted)',
    pointer: '/upstream/target',
  },
  PORT,
  HOST,
  CASSETTES,
  {
    flags: '--cassette <name>',
    description: 'cassette for requests that do not name one',
    pointer: '/record/cassette',
  },
  {
    flags: '--mode <mode>',
    description:
      'new: answer from the cassette when it can, record the rest; all: re-record everything',
    parse: parseChoice(RECORD_MODES),
    pointer: '/record/mode',
  },
  SERVER_JSON,
];

export function registerRecord(program: Command, cli: CliContext): void {
  declareOptions(
    program
      .command('record')
      .summary('record a staging API through a redacting reverse proxy')
      .description(
        'Start a reverse proxy in front of --target. Every request and response that passes through is ' +
          'redacted in memory (built-in detectors plus the rule files in redaction-rules/, see docs/redaction.md), checked by the secret scanner, and appended to a cassette. ' +
          'The cassette is --cassette unless a request names one with the x-tapedeck-cassette header.',
      ),
    OPTIONS,
  )
    .addHelpText(
      'after',
      '\nExamples:\n  tapedeck record --target https://staging.example.com --port 8080\n  curl -H "x-tapedeck-cassette: checkout/happy-path" http://127.0.0.1:8080/v1/orders',
    )
    .action(serveAction(cli, 'record', OPTIONS));
}
