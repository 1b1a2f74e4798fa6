import type { Command } from 'commander';
import type { ClockOp } from '../../app/sandbox/tenants.js';
import { TapedeckError } from '../../core/errors.js';
import { parseDuration } from '../../core/sandbox/duration.js';
import type { CliContext } from '../context.js';
import { declareOptions, type CliOption } from '../options.js';
import { EXIT_HELP, PROFILE, STATE_DIR, withTenantAdmin } from './tenants.js';

const OPTIONS: readonly CliOption[] = [
  { flags: '--tenant <name>', description: 'the tenant whose clock this is (required)' },
  { flags: '--json', description: 'print the clock as JSON' },
  STATE_DIR,
  PROFILE,
];

const OPS = ['freeze', 'advance', 'now', 'show'] as const;

function opOf(op: string, duration: string | undefined): ClockOp {
  // Unknown options reach here (the command lets them through, so that `advance -1h` is
  // answered by what it means rather than "unknown option '-1h'").
  if (duration?.startsWith('-') === true) {
    throw /^-\d/.test(duration)
      ? new TapedeckError(
          'TD_USAGE',
          'A tenant clock only moves forward: advance takes a duration such as 2h.',
          { hint: '`tapedeck clock --tenant NAME now` puts it back on real time.' },
        )
      : new TapedeckError('TD_USAGE', 'Unknown option of `tapedeck clock`.', {
          hint: '`tapedeck clock --help` lists its options.',
        });
  }
  if (!(OPS as readonly string[]).includes(op)) {
    throw new TapedeckError(
      'TD_USAGE',
      'The clock operation is freeze, advance DURATION, now or show.',
    );
  }
  if (op === 'advance') {
    if (duration === undefined)
      throw new TapedeckError(
        'TD_USAGE',
        'advance needs a duration: `tapedeck clock --tenant NAME advance 2h`.',
      );
    return { advanceMs: parseDuration(duration, 'duration') };
  }
  if (duration !== undefined)
    throw new TapedeckError('TD_USAGE', `${op} takes no duration (only advance does).`);
  return op === 'freeze' ? { freeze: true } : op === 'now' ? { now: true } : { show: true };
}

/** `tapedeck clock --tenant NAME freeze|advance 2h|now|show`. */
export function registerClock(program: Command, cli: CliContext): void {
  declareOptions(
    program
      .command('clock')
      .argument('<operation>', 'freeze, advance, now or show')
      .argument('[duration]', 'for advance: 90s, 30m, 2h, 7d (at most 2 years at a time)')
      .allowUnknownOption()
      .summary("freeze, advance or reset a sandbox tenant's clock")
      .description(
        'Each tenant of `tapedeck sandbox` has its own clock: the `created` times of its objects and its ' +
          'idempotency retention read it. freeze stops it, advance moves it forward (frozen or not), now puts it ' +
          'back on real time, show prints it. A running sandbox sees the change within a second.',
      )
      .addHelpText(
        'after',
        '\nExamples:\n  tapedeck clock --tenant acme freeze\n  tapedeck clock --tenant acme advance 25h\n  tapedeck clock --tenant acme now\n' +
          EXIT_HELP,
      ),
    OPTIONS,
  ).action(
    async (
      operation: string,
      duration: string | undefined,
      values: { tenant?: string; json?: boolean },
      command: Command,
    ) => {
      const tenant = values.tenant;
      if (tenant === undefined)
        throw new TapedeckError('TD_USAGE', 'Name the tenant: `tapedeck clock --tenant NAME …`.');
      const op = opOf(operation, duration);
      const view = await withTenantAdmin(cli, command, values, OPTIONS, (admin) =>
        admin.clock(tenant, op),
      );
      if (values.json === true) {
        cli.io.stdout.write(`${JSON.stringify({ tenant, clock: view }, null, 2)}\n`);
        return;
      }
      const how = view.frozen
        ? 'frozen'
        : view.offsetMs === 0
          ? 'running at real time'
          : `running, ${view.offsetMs >= 0 ? '+' : ''}${view.offsetMs} ms from real time`;
      cli.io.stdout.write(`Tenant ${tenant}'s clock: ${view.now} (${how}).\n`);
    },
  );
}
