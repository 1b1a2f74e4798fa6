import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import type { ReadinessRun } from '../../app/compose/readiness.js';
import { parseSince } from '../../app/journal/params.js';
import { TapedeckError } from '../../core/errors.js';
import type { ReadinessReport } from '../../core/readiness/types.js';
import { EXIT } from '../common.js';
import type { CliContext } from '../context.js';
import { CASSETTES, commandConfig, declareOptions, fromCwd, type CliOption } from '../options.js';
import { requireStateDir, STATE_DIR } from './tenants.js';

const FORMATS = ['md', 'json', 'html'] as const;
type Format = (typeof FORMATS)[number];

const TENANT: CliOption = { flags: '--tenant <name>', description: 'the tenant (required)' };
const SINCE: CliOption = {
  flags: '--since <time>',
  description:
    'only the traffic from then on: an ISO 8601 time, or a duration ago (15m, 2h, 7d); default: all kept',
};
const CRITERIA: CliOption = {
  flags: '--criteria <file>',
  description: 'the readiness criteria (schemas/readiness-criteria.schema.json); default: built in',
  pointer: '/readiness/criteria',
  toConfig: fromCwd,
};
/** What the sandbox was started with: the surface and the versions come from them. */
const SANDBOX: readonly CliOption[] = [
  {
    flags: '--spec <file>',
    description: "the sandbox's OpenAPI/Swagger spec",
    pointer: '/sandbox/spec',
    toConfig: fromCwd,
  },
  CASSETTES,
  {
    flags: '--profile <name|file>',
    description: "the sandbox's API profile: standard, stripe, github or a file",
    pointer: '/sandbox/profile',
  },
  STATE_DIR,
];

const REPORT_OPTIONS: readonly CliOption[] = [
  TENANT,
  CRITERIA,
  SINCE,
  { flags: '--format <format>', description: 'md (default), json or html' },
  { flags: '--out <file>', description: 'write the report there instead of stdout' },
  {
    flags: '--check',
    description: 'exit 0 only when every required criterion passes (1 when not): for CI',
  },
  ...SANDBOX,
];

const SIGN_OPTIONS: readonly CliOption[] = [
  TENANT,
  { flags: '--by <name>', description: 'who signs the tenant off (required)' },
  { flags: '--note <text>', description: 'why, or what was agreed' },
  CRITERIA,
  SINCE,
  { flags: '--json', description: 'print the sign-off as JSON' },
  ...SANDBOX,
];

const EXIT_HELP =
  '\nExit codes: 0 done (with --check: ready); 1 with --check, not ready (a required criterion\n' +
  'failed or was not exercised); 2 bad input: arguments, the criteria file\n' +
  '(TD_READINESS_CRITERIA_INVALID), the spec or profile, no such tenant (TD_TENANT_NOT_FOUND), or\n' +
  'a report that is not ready given to `sign`; 3 a cassette that does not load; 4 the state\n' +
  'directory could not be read or written (TD_STATE_STORE_FAILED); 70 a bug in tapedeck.';

interface Common {
  tenant?: string;
  since?: string;
}

function tenantOf(values: Common, how: string): string {
  if (values.tenant === undefined || values.tenant.trim() === '')
    throw new TapedeckError('TD_USAGE', `Name the tenant: \`tapedeck readiness ${how}\`.`, {
      hint: '`tapedeck tenants list` shows the tenants there are.',
    });
  return values.tenant;
}

function formatOf(text: string | undefined): Format {
  if (text === undefined) return 'md';
  if ((FORMATS as readonly string[]).includes(text)) return text as Format;
  throw new TapedeckError('TD_USAGE', `--format is one of ${FORMATS.join(', ')}.`, {
    hint: 'md for a PR or a ticket, json for tools (schemas/readiness-report.schema.json), html for a page.',
  });
}

/** Opens the readiness run on the state directory, runs `work`, and closes it. */
async function withReadiness<T>(
  cli: CliContext,
  command: Command,
  values: object,
  options: readonly CliOption[],
  work: (run: ReadinessRun) => Promise<T>,
): Promise<T> {
  const { config, sources } = commandConfig(cli, command, values, options);
  // As `tapedeck tenants`: a mistyped --state-dir must not read an empty state.
  requireStateDir(config.stateDir);
  const cassettesRequired = (sources.get('/cassettes') ?? 'default') !== 'default';
  const { composeReadiness } = await import('../../app/compose/readiness.js');
  const run = await composeReadiness(config, { cassettesRequired });
  try {
    return await work(run);
  } finally {
    await run.close();
  }
}

async function render(report: ReadinessReport, format: Format): Promise<string> {
  switch (format) {
    case 'json':
      return `${JSON.stringify(report, null, 2)}\n`;
    case 'md':
      return (await import('../../core/render/readiness-markdown.js')).renderReadinessMarkdown(
        report,
      );
    case 'html':
      return (await import('../../core/render/readiness-html.js')).renderReadinessHtml(report);
  }
}

/**
 * Writes the report to `--out`, its folder made when missing (as `drift --out`). A path that
 * cannot be written is the flag's fault (exit 2, naming it), not a bug in tapedeck.
 */
function writeReport(file: string, given: string, text: string): void {
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
  } catch (cause) {
    throw new TapedeckError(
      'TD_USAGE',
      `Cannot write the readiness report to ${given}: ${(cause as Error).message}.`,
      {
        cause,
        hint: 'Give --out a file in a folder you can write to, or leave it out for stdout.',
      },
    );
  }
}

/** `tapedeck readiness` and `tapedeck readiness sign`: can this partner go live? */
export function registerReadiness(program: Command, cli: CliContext): void {
  const command = declareOptions(
    program
      .command('readiness')
      .summary("report a tenant's readiness for production from its own sandbox traffic")
      .description(
        "Judge a tenant's own sandbox traffic (the journal, its webhook deliveries and probes, its " +
          'events, in the state directory) against readiness criteria: pass, fail or not exercised, ' +
          'each with its evidence and the next step; coverage of the declared surface apart from the ' +
          'score; the spec and cassette versions it was gathered against. `sign` records a sign-off ' +
          'that a later report checks (docs/readiness.md).',
      ),
    REPORT_OPTIONS,
  ).addHelpText(
    'after',
    '\nExamples:\n' +
      '  tapedeck readiness --tenant acme --spec openapi/stripe.json --profile stripe\n' +
      '  tapedeck readiness --tenant acme --criteria readiness.json --format html --out acme.html\n' +
      '  tapedeck readiness --tenant acme --check            (in CI: exit 0 only when ready)\n' +
      '  tapedeck readiness sign --tenant acme --by "Ada (payments)" --note "go-live 2025-06-01"\n' +
      '\nThe webhook criteria need probes: `tapedeck webhooks probe --tenant acme` first.\n' +
      EXIT_HELP,
  );
  command.action(
    async (values: Common & { format?: string; out?: string; check?: boolean }, cmd: Command) => {
      const tenant = tenantOf(values, '--tenant T');
      const format = formatOf(values.format);
      const report = await withReadiness(cli, cmd, values, REPORT_OPTIONS, (run) =>
        run.report({
          tenant,
          ...(values.since === undefined
            ? {}
            : { since: parseSince(values.since, run.clock.now(), '--since') }),
        }),
      );
      const text = await render(report, format);
      if (values.out === undefined) cli.io.stdout.write(text);
      else {
        writeReport(resolve(cli.cwd, values.out), values.out, text);
        cli.io.stderr.write(
          `Wrote the readiness report of ${report.tenant.name} to ${values.out}: ${report.verdict}, ${report.score.passed} of ${report.score.of} criteria passed.\n`,
        );
      }
      cli.exitCode = values.check === true && report.verdict !== 'ready' ? EXIT.failed : EXIT.ok;
    },
  );

  const sign = declareOptions(
    command
      .command('sign')
      .summary('sign a ready tenant off for production: who, when, against which inputs')
      .description(
        'Build the report now and, when every required criterion passes, record a sign-off: who ' +
          'signed, when, the note, and the hashes of the report, the criteria, the spec and each ' +
          'cassette. A later report says whether it still holds, or what changed since.',
      )
      .addHelpText('after', EXIT_HELP),
    SIGN_OPTIONS,
  );
  sign.action(
    async (own: Common & { by?: string; note?: string; json?: boolean }, cmd: Command) => {
      // The options both commands declare are parsed by `readiness` even after `sign`.
      const values = { ...cmd.optsWithGlobals<typeof own>(), ...own };
      const tenant = tenantOf(values, 'sign --tenant T --by NAME');
      if (values.by === undefined)
        throw new TapedeckError('TD_USAGE', 'Say who signs: `--by NAME`.', {
          hint: 'e.g. tapedeck readiness sign --tenant acme --by "Ada (payments)".',
        });
      const by = signText(values.by, '--by', 120);
      if (values.note !== undefined) signText(values.note, '--note', 500);
      const { report, signoff } = await withReadiness(cli, cmd, values, SIGN_OPTIONS, (run) =>
        run.sign({
          tenant,
          by,
          ...(values.note === undefined ? {} : { note: values.note }),
          ...(values.since === undefined
            ? {}
            : { since: parseSince(values.since, run.clock.now(), '--since') }),
        }),
      );
      if (values.json === true)
        cli.io.stdout.write(`${JSON.stringify({ tenant: report.tenant, signoff }, null, 2)}\n`);
      else
        cli.io.stdout.write(
          `Signed off ${report.tenant.name} for production: ${signoff.by}, ${new Date(signoff.at).toISOString()}.\n` +
            `  report   ${signoff.reportHash}\n  criteria ${signoff.criteriaHash}\n` +
            (signoff.specHash === undefined ? '' : `  spec     ${signoff.specHash}\n`) +
            Object.entries(signoff.cassettes)
              .map(([name, hash]) => `  cassette ${name} ${hash}\n`)
              .join('') +
            '`tapedeck readiness` says whether it still holds.\n',
        );
      cli.exitCode = EXIT.ok;
    },
  );
}

/**
 * Control characters or bidirectional overrides in a sign-off, which every later report shows:
 * a name that reads one way and is stored another (`Ada\u202Egnp.exe`), or that moves the
 * terminal's cursor. Refused, naming the flag, as is an overlong one.
 */
// eslint-disable-next-line no-control-regex -- control characters are what it refuses
const UNSHOWABLE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;

function signText(value: string, flag: string, max: number): string {
  if (value.trim() === '' || UNSHOWABLE.test(value) || value.length > max)
    throw new TapedeckError(
      'TD_USAGE',
      `${flag} must be 1 to ${max} characters of plain text: no control characters and no bidirectional overrides.`,
      { details: { field: flag }, hint: 'e.g. --by "Ada (payments)".' },
    );
  return value;
}
