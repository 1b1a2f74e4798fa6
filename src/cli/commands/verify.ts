import type { Command } from 'commander';
import { makeLogger } from '../../app/compose/compose.js';
import { verifyCommand } from '../../app/compose/verify.js';
import { renderCoverage } from '../../core/mock/openapi/coverage.js';
import { describePointer } from '../../core/validation.js';
import { EXIT, exitCodeFor } from '../common.js';
import type { CliContext } from '../context.js';
import { CASSETTES, commandConfig, declareOptions, type CliOption } from '../options.js';

const OPTIONS: readonly CliOption[] = [
  CASSETTES,
  { flags: '--json', description: 'print the report as JSON' },
  {
    flags: '--spec <file>',
    description:
      'also check every interaction against an OpenAPI/Swagger spec, and report coverage',
  },
];

interface VerifyOptions {
  json?: boolean;
  spec?: string;
}

export function registerVerify(program: Command, cli: CliContext): void {
  declareOptions(
    program
      .command('verify')
      .summary('check every cassette: format and secrets; exit 1 on any problem')
      .description(
        'Validate every cassette in the cassettes directory against the format, and scan it for anything ' +
          'that still looks secret (the same scanner that guards every write in record). Every problem is ' +
          'listed with its file, JSON path and, for secrets, the rule that recognised it; never the value.',
      ),
    OPTIONS,
  ).action(async (options: VerifyOptions, command: Command) => {
    const { config } = commandConfig(cli, command, options, OPTIONS);
    const { report, spec, failure } = await verifyCommand(config, cli.cwd, options.spec);
    if (options.json === true) {
      cli.io.stdout.write(
        `${JSON.stringify(
          {
            ok: report.problems.length === 0,
            ...report,
            ...(spec === undefined ? {} : { spec }),
          },
          null,
          2,
        )}\n`,
      );
    } else {
      const { style } = makeLogger(config, cli.io);
      const files = new Set(report.problems.map((p) => p.file));
      for (const file of files) {
        cli.io.stdout.write(`${style.bold(file)}\n`);
        for (const p of report.problems.filter((q) => q.file === file)) {
          cli.io.stdout.write(
            `  ${style.red('✗')} ${describePointer(p.pointer)}: ${p.message} ${style.dim(`[${p.code}]`)}\n`,
          );
        }
      }
      if (spec !== undefined) {
        cli.io.stdout.write(`\n${style.bold(`Coverage of ${spec.file}`)}\n`);
        cli.io.stdout.write(renderCoverage(spec.coverage));
        cli.io.stdout.write('\n');
      }
      const tally = `${report.cassettes} cassette(s), ${report.interactions} interaction(s) in ${report.directory}`;
      cli.io.stdout.write(
        report.problems.length === 0
          ? `${style.green('✓')} ${tally}: all valid\n`
          : `${style.red('✗')} ${tally}: ${report.problems.length} problem(s) in ${files.size} file(s). Fix them, run \`tapedeck redact\` for secrets, or re-record with \`tapedeck record\`.\n`,
      );
    }
    // The report above already lists every problem: only the exit code comes from the code.
    cli.exitCode = failure === undefined ? EXIT.ok : exitCodeFor(failure);
  });
}
