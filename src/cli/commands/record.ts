import type { Command } from 'commander';
import { RECORD_MODES } from '../../core/modes.js';
import { parseChoice, parsePort } from '../common.js';
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
  {
    flags: '--webhooks <port>',
    description:
      "also listen on 127.0.0.1:PORT for staging's webhooks and record them into the cassette (0 picks a free port)",
    parse: parsePort,
    pointer: '/record/webhooks/port',
  },
  {
    flags: '--forward-to <url>',
    description:
      'pass each received webhook on to this receiver, signed with the local secret in the state directory',
    pointer: '/record/webhooks/forwardTo',
  },
  {
    flags: '--webhooks-secret-env <var>',
    description: "environment variable holding staging's webhook secret: what arrives is verified",
    pointer: '/record/webhooks/secretEnv',
  },
  {
    flags: '--profile <name|file>',
    description:
      'API profile whose webhook signing --webhooks checks and --forward-to signs with: standard, stripe, github, or a file',
    pointer: '/sandbox/profile',
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
          'The cassette is --cassette unless a request names one with the x-tapedeck-cassette header. ' +
          "With --webhooks PORT, the webhooks staging sends meanwhile are verified, redacted and appended to --cassette's webhooks (docs/webhooks.md).",
      ),
    OPTIONS,
  )
    .addHelpText(
      'after',
      '\nExamples:\n  tapedeck record --target https://staging.example.com --port 8080\n  curl -H "x-tapedeck-cassette: checkout/happy-path" http://127.0.0.1:8080/v1/orders\n  tapedeck record --target https://staging.example.com --profile stripe --webhooks 8081 \\\n    --webhooks-secret-env STAGING_WEBHOOK_SECRET --forward-to http://localhost:4242/webhooks',
    )
    .action(serveAction(cli, 'record', OPTIONS));
}
