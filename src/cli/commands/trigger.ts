import type { Command } from 'commander';
import { makeLogger } from '../../app/compose/compose.js';
import { TapedeckError } from '../../core/errors.js';
import { EXIT } from '../common.js';
import type { CliContext } from '../context.js';
import { CASSETTES, commandConfig, declareOptions, type CliOption } from '../options.js';
import { requireStateDir } from './tenants.js';
import type { TenantView } from '../../app/sandbox/tenants.js';
import type { Logger } from '../../core/ports/index.js';
import type { ApiProfile } from '../../core/sandbox/profile/types.js';

interface TriggerOptions {
  tenant?: string;
  json?: boolean;
  wait?: boolean;
}

const OPTIONS: readonly CliOption[] = [
  { flags: '--tenant <name>', description: 'the tenant whose state the flow runs in (required)' },
  {
    flags: '--spec <file>',
    description: "the sandbox's OpenAPI/Swagger spec",
    pointer: '/sandbox/spec',
  },
  CASSETTES,
  {
    flags: '--profile <name|file>',
    description:
      "the sandbox's API profile: standard, stripe, github, or a profile file (default: the config's sandbox.profile; a tenant records none)",
    pointer: '/sandbox/profile',
  },
  {
    flags: '--state-dir <dir>',
    description: 'the state directory of the sandbox (SQLite)',
    pointer: '/stateDir',
  },
  {
    flags: '--no-wait',
    description: "leave the deliveries to the running sandbox's dispatcher instead of sending them",
  },
  { flags: '--json', description: 'print the report as JSON' },
];

const PROFILE_HELP =
  '\nProfile: a tenant records no profile of its own. The flow, the event names and the signing\n' +
  "scheme come from --profile, else the config's sandbox.profile (TAPEDECK_SANDBOX_PROFILE), else\n" +
  "standard: run it where the sandbox's tapedeck.config.json is, or give the sandbox's --profile.\n";

const EXIT_HELP =
  '\nExit codes: 0 the event happened; 1 it did not (TD_TRIGGER_FAILED: no flow for it, a step\n' +
  'refused, or only other events); 2 bad arguments, no such tenant (TD_USAGE, TD_TENANT_NOT_FOUND);\n' +
  '4 the state directory could not be read or written; 70 a bug in tapedeck.';

/**
 * `tapedeck trigger EVENT --tenant T`: runs the flow that makes the event through the sandbox
 * (composed on the state directory, not listening), as `stripe trigger` runs its fixtures, so the
 * objects the event names exist in the tenant's state. Then, unless --no-wait, it sends the
 * deliveries that fell due; a sandbox running on the same directory would send them too (the
 * leases keep them from going twice).
 */
export function registerTrigger(program: Command, cli: CliContext): void {
  declareOptions(
    program
      .command('trigger')
      .summary("make a webhook event happen in a sandbox tenant's state, and send it")
      .description(
        "Run the requests that produce EVENT (the config's webhooks.triggers, the profile's, or a flow " +
          'derived from the model: X.created creates an X) as the tenant, through the sandbox, so the ' +
          "objects the event names exist; then send the tenant's due webhooks (docs/webhooks.md).",
      )
      .argument('<event>', 'the event type, e.g. payment_intent.succeeded')
      .addHelpText(
        'after',
        '\nExamples:\n  tapedeck trigger payment_intent.succeeded --tenant acme --spec stripe.json --profile stripe\n  tapedeck trigger customer.created --tenant acme --json' +
          PROFILE_HELP +
          EXIT_HELP,
      ),
    OPTIONS,
  ).action(async (event: string, options: TriggerOptions, command: Command) => {
    const tenant = options.tenant;
    if (tenant === undefined || tenant === '')
      throw new TapedeckError('TD_USAGE', 'Name the tenant the flow runs in: --tenant NAME.', {
        details: { field: 'tenant' },
        hint: 'e.g. `tapedeck trigger payment_intent.succeeded --tenant acme`.',
      });
    const { config } = commandConfig(cli, command, options, OPTIONS);
    requireStateDir(config.stateDir);
    const { logger } = makeLogger(config, cli.io);
    const compose = await import('../../app/compose/sandbox.js');
    const server = await compose.composeSandboxServer(config, logger, { env: cli.io.env });
    try {
      const use = server.webhooks;
      if (use === undefined)
        throw new TapedeckError('TD_INTERNAL', 'This sandbox was composed without webhooks.');
      const record = await server.tenants.show(tenant);
      warnOtherProfile(logger, record, server.profile);
      const report = await use.trigger(tenant, event);
      const sent = options.wait === false ? undefined : await use.dispatcher.drain(record.id);
      if (options.json === true) {
        cli.io.stdout.write(
          `${JSON.stringify({ ...report, sent: sent !== undefined }, null, 2)}\n`,
        );
      } else {
        const lines = [`${event} happened in ${tenant}:`];
        for (const step of report.steps)
          lines.push(
            `  ${step.status}  ${step.method} ${step.path}${step.name === undefined ? '' : `  (${step.name})`}`,
          );
        lines.push(`events: ${report.events.map((e) => `${e.type} ${e.id}`).join(', ')}`);
        lines.push(
          sent === undefined
            ? 'deliveries: left to the running sandbox'
            : `deliveries: what fell due was sent (tapedeck webhooks deliveries --tenant ${tenant})`,
        );
        cli.io.stdout.write(`${lines.join('\n')}\n`);
      }
      cli.exitCode = EXIT.ok;
    } finally {
      await server.stop();
    }
  });
}

/**
 * A tenant records no profile, but its keys carry the prefix of the profile it was made with:
 * none with this profile's prefix says the trigger probably runs with another profile than the
 * sandbox's (other event names, another signing scheme).
 */
function warnOtherProfile(logger: Logger, tenant: TenantView, profile: ApiProfile): void {
  const prefix = profile.credentials.keyPrefix;
  const live = tenant.keys.filter((k) => k.state === 'active' || k.state === 'expiring');
  if (live.length === 0 || live.some((k) => k.hint.startsWith(prefix))) return;
  logger.log(
    'warn',
    'trigger.profile',
    `Tenant ${tenant.name}'s keys (${live[0]!.hint.split('…')[0]!}…) are not of the ${profile.name} profile (${prefix}…): give the sandbox's --profile, or run where its tapedeck.config.json names sandbox.profile.`,
    { tenant: tenant.name, profile: profile.name },
  );
}
