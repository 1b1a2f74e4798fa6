import type { Command } from 'commander';
import { armView, type ArmView, type ScenarioAdmin } from '../../app/sandbox/scenario-admin.js';
import { TapedeckError } from '../../core/errors.js';
import type { ScenarioRenderOptions } from '../../core/render/scenarios.js';
import type { ApiProfile } from '../../core/sandbox/profile/types.js';
import { EXIT } from '../common.js';
import type { CliContext } from '../context.js';
import { CASSETTES, commandConfig, declareOptions, type CliOption } from '../options.js';
import { requireStateDir, STATE_DIR } from './tenants.js';

const SPEC: CliOption = {
  flags: '--spec <file>',
  description: "OpenAPI/Swagger spec the scenarios' operations are checked against",
  pointer: '/sandbox/spec',
};

const SCENARIOS_DIR: CliOption = {
  flags: '--scenarios-dir <dir>',
  description: 'directory of *.json scenario files',
  pointer: '/sandbox/scenariosDir',
};

const PROFILE: CliOption = {
  flags: '--profile <name|file>',
  description:
    'API profile whose preset scenarios join the catalogue: standard, stripe, github or a file',
  pointer: '/sandbox/profile',
};

const TENANT: CliOption = { flags: '--tenant <name>', description: 'the tenant (required)' };
const JSON_OUT: CliOption = { flags: '--json', description: 'print the result as JSON' };

const RENDER_OPTIONS: readonly CliOption[] = [
  {
    flags: '--markdown',
    description: 'print the catalogue as Markdown for a developer portal (the default)',
  },
  { flags: '--json', description: 'print the catalogue as JSON (format 1, docs/scenarios.md)' },
  SPEC,
  CASSETTES,
  PROFILE,
  SCENARIOS_DIR,
];

/** The options of arm, disarm and armed: the state directory and what the catalogue is read from. */
const STATE_OPTIONS: readonly CliOption[] = [TENANT, STATE_DIR, PROFILE, SCENARIOS_DIR];

const EXIT_HELP =
  '\nExit codes: 0 done; 2 bad arguments, an unknown scenario, an operation not the scenario’s, no such\n' +
  'arm (TD_USAGE), no such tenant (TD_TENANT_NOT_FOUND), or a catalogue that does not load\n' +
  '(TD_SCENARIO_INVALID, naming the file and the JSON pointer); 4 the state directory could not be read or\n' +
  'written (TD_STATE_STORE_FAILED); 70 a bug in tapedeck. Errors go to stderr, one line and the next step.';

/** How the API's bodies are sent, for "where to put it": Stripe's are form-encoded. */
function bodyFormat(profile: ApiProfile): ScenarioRenderOptions['bodyFormat'] {
  return profile.name === 'stripe' ? 'form' : undefined;
}

/** Opens the arm use cases on the state directory, runs `work`, and closes the state. */
async function withScenarioAdmin<T>(
  cli: CliContext,
  command: Command,
  values: object,
  work: (admin: ScenarioAdmin) => Promise<T>,
): Promise<T> {
  const { config } = commandConfig(cli, command, values, STATE_OPTIONS);
  // As `tapedeck tenants`: a mistyped --state-dir must not start an empty sandbox.
  requireStateDir(config.stateDir);
  const { composeScenarioAdmin } = await import('../../app/compose/scenarios.js');
  const opened = composeScenarioAdmin(config);
  try {
    return await work(opened.admin);
  } finally {
    await opened.close();
  }
}

function tenantOf(values: { tenant?: string }, how: string): string {
  if (values.tenant === undefined)
    throw new TapedeckError('TD_USAGE', `Name the tenant: \`tapedeck scenarios ${how}\`.`, {
      hint: '`tapedeck tenants list` shows the tenants there are.',
    });
  return values.tenant;
}

function countOf(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^[1-9]\d{0,8}$/.test(text))
    throw new TapedeckError(
      'TD_USAGE',
      '--count is a whole number from 1 (none: until disarmed).',
      {
        hint: 'e.g. --count 3 for the next three matching requests.',
      },
    );
  return Number(text);
}

function armLine(a: ArmView): string {
  return `${a.id}  ${a.scenario}  ${a.operation ?? 'all of its operations'}  ${a.remaining === undefined ? 'until disarmed' : `${a.remaining} left`}  armed ${a.armedAt}`;
}

/**
 * A subcommand's options with those the parent parsed: `scenarios` declares --json, --profile
 * and --scenarios-dir too (for rendering), and commander gives a parent's options to the parent
 * wherever they stand, so `scenarios armed --json --profile stripe` reaches the parent.
 */
function withParent<T extends object>(command: Command, own: T): T {
  return { ...(command.parent?.opts() ?? {}), ...own };
}

function printJson(cli: CliContext, value: unknown): void {
  cli.io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** `tapedeck scenarios [--markdown|--json]`, `… arm NAME`, `… disarm (ARM_ID | --scenario NAME)`, `… armed`. */
export function registerScenarios(program: Command, cli: CliContext): void {
  const group = declareOptions(
    program
      .command('scenarios')
      .summary('the sandbox scenario catalogue as partner documentation; arm and disarm scenarios')
      .description(
        'Print the scenario catalogue of `tapedeck sandbox` (the config, sandbox.scenariosDir and the ' +
          "profile's preset) as Markdown for a developer portal, or as JSON: magic values, where to put them, " +
          'what each one does, the headers that choose a scenario, the armed and counted ones. The catalogue is ' +
          'checked as the server checks it, against the spec and recordings (docs/scenarios.md). ' +
          'arm, disarm and armed work on the state directory, beside a running sandbox; the same operations are ' +
          'served under /__tapedeck/tenants/NAME/scenarios (admin token only).',
      )
      .addHelpText(
        'after',
        '\nExamples:\n  tapedeck scenarios --markdown > docs/portal/test-scenarios.md\n' +
          '  tapedeck scenarios arm card_declined --tenant acme --count 1\n' +
          '  tapedeck scenarios armed --tenant acme\n' +
          '  tapedeck scenarios disarm --scenario card_declined --tenant acme\n' +
          EXIT_HELP,
      ),
    RENDER_OPTIONS,
  );
  group.action(async (values: { markdown?: boolean; json?: boolean }, command: Command) => {
    if (values.markdown === true && values.json === true)
      throw new TapedeckError('TD_USAGE', 'Choose one of --markdown and --json.');
    const { config, sources } = commandConfig(cli, command, values, RENDER_OPTIONS);
    const compose = await import('../../app/compose/sandbox.js');
    const render = await import('../../core/render/scenarios.js');
    const { scenarios, profile } = await compose.loadSandboxModel(config, {
      cassettesRequired: (sources.get('/cassettes') ?? 'default') !== 'default',
    });
    const format = bodyFormat(profile);
    const options = format === undefined ? {} : { bodyFormat: format };
    cli.io.stdout.write(
      values.json === true
        ? `${JSON.stringify(render.renderScenariosJson(scenarios, options), null, 2)}\n`
        : render.renderScenariosMarkdown(scenarios, options),
    );
    cli.exitCode = EXIT.ok;
  });

  const sub = (name: string, summary: string, extra: readonly CliOption[]) =>
    declareOptions(
      group
        .command(name)
        .summary(summary)
        .description(`${summary[0]!.toUpperCase()}${summary.slice(1)}.`)
        .addHelpText('after', EXIT_HELP),
      [...extra, ...STATE_OPTIONS],
    );

  sub('arm', "arm a scenario for a tenant's next requests (all, or --count N of them)", [
    {
      flags: '--operation <op>',
      description: 'only for this operation (METHOD /path/{param} or an operation id)',
    },
    {
      flags: '--count <n>',
      description: 'fire on the next N matching requests (default: until disarmed)',
    },
    JSON_OUT,
  ])
    .argument('<scenario>', 'scenario name (`tapedeck scenarios` lists them)')
    .action(
      async (
        scenario: string,
        own: { tenant?: string; operation?: string; count?: string; json?: boolean },
        command: Command,
      ) => {
        const values = withParent(command, own);
        const tenant = tenantOf(values, 'arm NAME --tenant T');
        const count = countOf(values.count);
        const armed = await withScenarioAdmin(cli, command, values, (admin) =>
          admin.arm(tenant, {
            scenario,
            ...(values.operation === undefined ? {} : { operation: values.operation }),
            ...(count === undefined ? {} : { count }),
          }),
        );
        const view = armView(armed);
        if (values.json === true) printJson(cli, view);
        else {
          cli.io.stdout.write(`armed ${armLine(view)}\n`);
          // The arm is in the state file; the catalogue is what each server loaded at its start.
          cli.io.stderr.write(
            'A running sandbox on this state directory fires it within a second, if the scenario was in its catalogue when it started (restart it after changing scenarios/*.json).\n',
          );
        }
        cli.exitCode = EXIT.ok;
      },
    );

  sub('disarm', 'disarm one arm (by its id) or every arm of a scenario', [
    { flags: '--scenario <name>', description: 'disarm every arm of this scenario' },
    JSON_OUT,
  ])
    .argument('[arm]', 'the arm id (arm_…), as `tapedeck scenarios armed` prints it')
    .action(
      async (
        arm: string | undefined,
        own: { tenant?: string; scenario?: string; json?: boolean },
        command: Command,
      ) => {
        const values = withParent(command, own);
        const tenant = tenantOf(values, 'disarm ARM_ID --tenant T');
        if ((arm === undefined) === (values.scenario === undefined))
          throw new TapedeckError(
            'TD_USAGE',
            'Name one arm id or --scenario NAME: `tapedeck scenarios disarm arm_… --tenant T`.',
            { hint: '`tapedeck scenarios armed --tenant T` lists the arms.' },
          );
        const n = await withScenarioAdmin(cli, command, values, (admin) =>
          admin.disarm(tenant, arm === undefined ? { scenario: values.scenario! } : { id: arm }),
        );
        if (values.json === true) printJson(cli, { disarmed: n });
        else cli.io.stdout.write(`disarmed ${n} arm${n === 1 ? '' : 's'}\n`);
        cli.exitCode = EXIT.ok;
      },
    );

  sub('armed', "list a tenant's arms, oldest first (the order they fire in)", [JSON_OUT]).action(
    async (own: { tenant?: string; json?: boolean }, command: Command) => {
      const values = withParent(command, own);
      const tenant = tenantOf(values, 'armed --tenant T');
      const arms = (
        await withScenarioAdmin(cli, command, values, (admin) => admin.armed(tenant))
      ).map(armView);
      if (values.json === true) printJson(cli, { tenant, armed: arms });
      else
        cli.io.stdout.write(
          arms.length === 0 ? `nothing armed for ${tenant}\n` : `${arms.map(armLine).join('\n')}\n`,
        );
      cli.exitCode = EXIT.ok;
    },
  );
}
