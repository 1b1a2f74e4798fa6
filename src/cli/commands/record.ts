import type { Command } from 'commander';
import { RECORD_MODES, type RecordMode } from '../../core/modes.js';
import { FlagSet, globalsOf, loadConfig, parseChoice, parsePort } from '../common.js';
import type { CliContext } from '../context.js';
import { serve } from '../serve.js';

interface RecordOptions {
  target?: string;
  port?: number;
  host?: string;
  cassettes?: string;
  cassette?: string;
  mode?: RecordMode;
  json?: boolean;
}

export function registerRecord(program: Command, cli: CliContext): void {
  program
    .command('record')
    .summary('record a staging API through a redacting reverse proxy')
    .description(
      'Start a reverse proxy in front of --target. Every request and response that passes through is ' +
        'redacted in memory (built-in detectors plus the rule files in redaction-rules/, see docs/redaction.md), checked by the secret scanner, and appended to a cassette. ' +
        'The cassette is --cassette unless a request names one with the x-tapedeck-cassette header.',
    )
    .option('-t, --target <url>', 'the API to record from (the only host ever contacted)')
    .option('-p, --port <n>', 'port to listen on (0 picks a free one)', parsePort)
    .option('--host <address>', 'address to listen on')
    .option('-c, --cassettes <dir>', 'cassettes directory')
    .option('--cassette <name>', 'cassette for requests that do not name one')
    .option(
      '--mode <mode>',
      'new: answer from the cassette when it can, record the rest; all: re-record everything',
      parseChoice(RECORD_MODES),
    )
    .option('--json', 'print the listening line and the summary as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  tapedeck record --target https://staging.example.com --port 8080\n  curl -H "x-tapedeck-cassette: checkout/happy-path" http://127.0.0.1:8080/v1/orders',
    )
    .action(async (options: RecordOptions, command: Command) => {
      const flags = new FlagSet()
        .set('/upstream/target', options.target, '--target')
        .set('/server/port', options.port, '--port')
        .set('/server/host', options.host, '--host')
        .set('/cassettes', options.cassettes, '--cassettes')
        .set('/record/cassette', options.cassette, '--cassette')
        .set('/record/mode', options.mode, '--mode');
      const { config } = loadConfig(cli.io, cli.cwd, globalsOf(command), flags);
      cli.exitCode = await serve('record', config, cli.io, {
        json: options.json === true,
        stopSignal: cli.stopSignal(),
      });
    });
}
