import type { Command } from 'commander';
import { makeLogger } from '../../app/compose/common.js';
import { composeImportHar } from '../../app/compose/har.js';
import type { CliContext } from '../context.js';
import { CASSETTES, commandConfig, declareOptions, type CliOption } from '../options.js';

const OPTIONS: readonly CliOption[] = [
  CASSETTES,
  {
    flags: '--cassette <name>',
    description:
      'cassette to write (default: the file name; with several origins, one cassette each below it)',
  },
  { flags: '--json', description: 'print the report as JSON' },
];

interface ImportOptions {
  cassette?: string;
  json?: boolean;
}

export function registerImport(program: Command, cli: CliContext): void {
  const group = program
    .command('import')
    .summary('import recordings made by other tools: import har FILE')
    .description('Import recordings made by other tools into cassettes.');
  declareOptions(
    group
      .command('har')
      .argument('<file>', 'HAR file (browser devtools, Charles, Proxyman, mitmproxy)')
      .summary('import a HAR file into cassettes, redacted as record redacts')
      .description(
        'Turn the entries of a HAR 1.2 file into cassette interactions, in order, through the same redaction ' +
          'and secret scanner as `tapedeck record`: cookies and tokens in the HAR never reach disk unredacted. ' +
          'WebSocket, CONNECT, non-HTTP URLs (data:, blob:, chrome-extension:), entries without a response and ' +
          'bodies over maxBodyBytes are skipped and listed with the reason. Never overwrites a cassette.',
      ),
    OPTIONS,
  ).action(async (file: string, options: ImportOptions, command: Command) => {
    const { config } = commandConfig(cli, command, options, OPTIONS);
    const { logger, style } = makeLogger(config, cli.io);
    const report = await composeImportHar(config, cli.io.env, logger, {
      file,
      cwd: cli.cwd,
      ...(options.cassette === undefined ? {} : { cassette: options.cassette }),
    });
    if (options.json === true) {
      cli.io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      return;
    }
    for (const c of report.cassettes) {
      cli.io.stdout.write(
        `${style.green('✓')} ${c.name}: ${c.interactions} interaction(s) from ${c.target}\n`,
      );
    }
    for (const s of report.skipped) {
      cli.io.stdout.write(`• skipped entry ${s.entry}: ${s.method} ${s.url}: ${s.detail}\n`);
    }
    const imported = report.cassettes.reduce((n, c) => n + c.interactions, 0);
    cli.io.stdout.write(
      `${report.file}: ${report.entries} entr${report.entries === 1 ? 'y' : 'ies'}, ${imported} imported into ${report.cassettes.length} cassette(s), ${report.skipped.length} skipped\n`,
    );
  });
}
