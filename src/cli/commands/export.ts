import type { Command } from 'commander';
import { composeExportHar } from '../../app/compose/har.js';
import type { CliContext } from '../context.js';
import { CASSETTES, commandConfig, declareOptions, type CliOption } from '../options.js';

const OPTIONS: readonly CliOption[] = [
  CASSETTES,
  {
    flags: '--cassette <name...>',
    description: 'cassette(s) to export (default: every cassette)',
  },
  { flags: '-o, --out <file>', description: 'write the HAR to a file (default: standard output)' },
];

interface ExportOptions {
  cassette?: string[];
  out?: string;
}

export function registerExport(program: Command, cli: CliContext): void {
  const group = program
    .command('export')
    .summary('export cassettes for other tools: export har [--out FILE]')
    .description('Export cassettes in formats other tools read.');
  declareOptions(
    group
      .command('har')
      .summary('export cassettes as a HAR 1.2 file')
      .description(
        "Write the cassettes' interactions as one HAR 1.2 log that browser devtools import (Chromium's Network " +
          'panel) and that `tapedeck import har` reads back into the same interactions. Values are as the ' +
          'cassettes hold them: redacted.',
      ),
    OPTIONS,
  ).action(async (options: ExportOptions, command: Command) => {
    const { config } = commandConfig(cli, command, options, OPTIONS);
    const result = await composeExportHar(config, {
      cassettes: options.cassette ?? [],
      cwd: cli.cwd,
      ...(options.out === undefined ? {} : { out: options.out }),
    });
    if (result.out === undefined) {
      cli.io.stdout.write(result.text);
      return;
    }
    cli.io.stderr.write(
      `wrote ${result.out}: ${result.interactions} interaction(s) from ${result.cassettes} cassette(s)\n`,
    );
  });
}
