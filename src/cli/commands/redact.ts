import type { Command } from 'commander';
import { makeLogger } from '../../app/compose/compose.js';
import { composeRedact } from '../../app/compose/verify.js';
import { describePointer } from '../../core/validation.js';
import { EXIT, exitCodeOf } from '../common.js';
import type { CliContext } from '../context.js';
import { CASSETTES, commandConfig, declareOptions, type CliOption } from '../options.js';

const OPTIONS: readonly CliOption[] = [
  CASSETTES,
  { flags: '--dry-run', description: 'report what would change without writing' },
  { flags: '--json', description: 'print the report as JSON' },
];

interface RedactOptions {
  dryRun?: boolean;
  json?: boolean;
}

export function registerRedact(program: Command, cli: CliContext): void {
  declareOptions(
    program
      .command('redact')
      .summary('re-apply the current redaction rules to existing cassettes')
      .description(
        'Run the redaction rules and built-in detectors over every cassette again (after you add a rule) ' +
          'and rewrite the cassettes that change, atomically. Idempotent: a second run changes nothing. ' +
          'Uses the same pseudonymization key as record, so pseudonyms stay consistent.',
      ),
    OPTIONS,
  ).action(async (options: RedactOptions, command: Command) => {
    const { config } = commandConfig(cli, command, options, OPTIONS);
    const { logger, style } = makeLogger(config, cli.io);
    const report = await composeRedact(config, cli.io.env, logger, {
      dryRun: options.dryRun === true,
      cwd: cli.cwd,
    });
    if (options.json === true) {
      cli.io.stdout.write(
        `${JSON.stringify({ ok: report.remaining.length === 0, dryRun: options.dryRun === true, ...report }, null, 2)}\n`,
      );
    } else {
      const verb = options.dryRun === true ? 'would rewrite' : 'rewrote';
      for (const c of report.changed)
        cli.io.stdout.write(`${verb} ${c.cassette} (${c.values} value(s) redacted)\n`);
      for (const p of report.remaining) {
        cli.io.stdout.write(
          `${style.red('✗')} ${p.file} ${describePointer(p.pointer)}: ${p.message}\n`,
        );
      }
      cli.io.stdout.write(
        `${report.changed.length === 0 ? style.green('✓') : '•'} ${report.cassettes} cassette(s), ${report.interactions} interaction(s): ${report.changed.length} ${options.dryRun === true ? 'would change' : 'changed'}` +
          (report.remaining.length > 0
            ? `; ${report.remaining.length} value(s) still look secret: add a rule for them (docs/redaction.md) or re-record\n`
            : '\n'),
      );
    }
    // Values that still look secret after redaction: the report above lists each one.
    cli.exitCode = report.remaining.length === 0 ? EXIT.ok : exitCodeOf('TD_SECRET_DETECTED');
  });
}
