import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { makeLogger } from '../../app/compose/common.js';
import { composeTenantAdmin } from '../../app/compose/sandbox.js';
import type { TenantAdmin, TenantView } from '../../app/sandbox/tenants.js';
import { TapedeckError } from '../../core/errors.js';
import { parseDuration } from '../../core/sandbox/duration.js';
import { EXIT } from '../common.js';
import type { CliContext } from '../context.js';
import { commandConfig, subcommandsOf, fromCwd, type CliOption } from '../options.js';

/**
 * A command that works on an existing sandbox state directory refuses a missing one: a mistyped
 * --state-dir would otherwise make an empty one and answer "no tenants" (or nothing) from it.
 */
export function requireStateDir(stateDir: string): void {
  if (existsSync(stateDir)) return;
  throw new TapedeckError(
    'TD_USAGE',
    `There is no sandbox state in ${stateDir} (--state-dir, or stateDir in the config).`,
    {
      details: { pointer: '/stateDir' },
      hint: 'Give the state directory of the sandbox, or `tapedeck tenants create NAME` to start one.',
    },
  );
}

export const STATE_DIR: CliOption = {
  flags: '--state-dir <dir>',
  description: 'state directory of the sandbox (tenants, keys, resources)',
  pointer: '/stateDir',
  toConfig: fromCwd,
};

export const PROFILE: CliOption = {
  flags: '--profile <name|file>',
  description: 'API profile whose key prefix new keys get: standard, stripe, github or a file',
  pointer: '/sandbox/profile',
};

const JSON_OUT: CliOption = { flags: '--json', description: 'print the result as JSON' };

/** What `--help` of `tenants …` and `clock` says about how they end. */
export const EXIT_HELP =
  '\nExit codes: 0 done; 2 bad arguments, a name that is not allowed, an unknown seed set or\n' +
  'snapshot (TD_USAGE), or no such tenant (TD_TENANT_NOT_FOUND); 4 the state directory could not\n' +
  'be read or written (TD_STATE_STORE_FAILED); 70 a bug in tapedeck. Errors go to stderr, one line\n' +
  'and the next step; --json changes only what a success prints.';

/** The line under every key tapedeck prints: the one time it can be seen. */
export const STORE_IT = 'Store it now; it cannot be shown again.';

interface Common {
  json?: boolean;
}

/**
 * Opens the tenant use cases on the state directory (no spec, no cassettes: only the profile's
 * key prefix and the seed set names), runs `work`, and closes the state whatever happens.
 */
export async function withTenantAdmin<T>(
  cli: CliContext,
  command: Command,
  values: object,
  options: readonly CliOption[],
  work: (admin: TenantAdmin) => Promise<T>,
  how: { readonly creates?: boolean } = {},
): Promise<T> {
  const { config } = commandConfig(cli, command, values, options);
  // Only `create` starts a state directory: a mistyped --state-dir elsewhere would make an
  // empty one and answer "no tenants" from it.
  if (how.creates !== true) requireStateDir(config.stateDir);
  const { logger } = makeLogger(config, cli.io);
  const opened = await composeTenantAdmin(config, { logger });
  try {
    return await work(opened.admin);
  } finally {
    await opened.close();
  }
}

function printJson(cli: CliContext, value: unknown): void {
  cli.io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

function describeTenant(view: TenantView): string {
  const lines = [
    `tenant ${view.name} (${view.id})`,
    `  created     ${view.createdAt}`,
    `  last used   ${view.lastUsedAt}`,
    `  seed set    ${view.seedSet}${view.seededAt === undefined ? ' (seeded on its next request)' : `, seeded ${view.seededAt}`}`,
    `  clock       ${view.clock.now}${view.clock.frozen ? ' (frozen)' : view.clock.offsetMs === 0 ? ' (real time)' : ` (real time ${view.clock.offsetMs >= 0 ? '+' : ''}${view.clock.offsetMs} ms)`}`,
    `  usage       ${view.usage.resources} of ${view.quotas.resources} resources, ${view.usage.bytes} of ${view.quotas.bytes} bytes, ${view.usage.requestsToday} of ${view.quotas.requestsPerDay} requests today`,
    `  keys`,
    ...view.keys.map(
      (k) =>
        `    ${k.hint}  ${k.state.padEnd(8)}  created ${k.createdAt}${k.expiresAt === undefined ? '' : `, expires ${k.expiresAt}`}${k.revokedAt === undefined ? '' : `, revoked ${k.revokedAt}`}`,
    ),
    `  snapshots${view.snapshots.length === 0 ? '   none' : ''}`,
    ...view.snapshots.map((s) => `    ${s.name}  ${s.createdAt}  ${s.resources} resource(s)`),
  ];
  return `${lines.join('\n')}\n`;
}

/** A key printed once, with the one line that says so. */
function printKey(cli: CliContext, key: string): void {
  cli.io.stdout.write(`\n  ${key}\n\n${STORE_IT}\n`);
}

/** `tapedeck tenants create|list|show|rotate|revoke|reset|snapshot|restore|delete`. */
export function registerTenants(program: Command, cli: CliContext): void {
  const group = program
    .command('tenants')
    .summary('create and manage sandbox tenants and their test keys')
    .description(
      "Manage the tenants of `tapedeck sandbox` on its state directory: each tenant is one partner's (or CI job's) " +
        'isolated state with its own test keys. Works beside a running sandbox, which sees changes within a second. ' +
        'A key is printed once, when it is made, and stored only as a hash. ' +
        'The same operations are served under /__tapedeck/tenants (admin token only).',
    )
    .addHelpText('after', EXIT_HELP);

  const base = [STATE_DIR, PROFILE];
  const sub = subcommandsOf(group, EXIT_HELP, base);

  {
    const { command, options } = sub(
      'create',
      'create a tenant and print its first key (once)',
      [
        {
          flags: '--seed <set>',
          description:
            'seed set it starts from: recordings, empty or a name in sandbox.seeds (default: sandbox.defaultSeed)',
        },
        JSON_OUT,
      ],
      [['<name>', 'tenant name: lower-case letters, digits, - and _']],
    );
    command.action(async (name: string, values: Common & { seed?: string }, cmd: Command) => {
      const created = await withTenantAdmin(
        cli,
        cmd,
        values,
        options,
        (admin) => admin.create(name, values.seed === undefined ? {} : { seed: values.seed }),
        { creates: true },
      );
      if (values.json === true) {
        printJson(cli, { tenant: created.tenant, key: created.key, note: STORE_IT });
        return;
      }
      cli.io.stdout.write(
        `Created tenant ${created.tenant.name} (seed set ${created.tenant.seedSet}). Its key:\n`,
      );
      printKey(cli, created.key);
    });
  }
  {
    const { command, options } = sub('list', 'list the tenants, oldest first', [JSON_OUT], []);
    command.action(async (values: Common, cmd: Command) => {
      const tenants = await withTenantAdmin(cli, cmd, values, options, (admin) => admin.list());
      if (values.json === true) {
        printJson(cli, { tenants });
        return;
      }
      if (tenants.length === 0) {
        cli.io.stdout.write('No tenants yet: `tapedeck tenants create NAME` makes one.\n');
        return;
      }
      const width = Math.max(4, ...tenants.map((t) => t.name.length));
      cli.io.stdout.write(`${'NAME'.padEnd(width)}  KEYS  RESOURCES  SEED SET    LAST USED\n`);
      for (const t of tenants) {
        const live = t.keys.filter((k) => k.state === 'active' || k.state === 'expiring').length;
        cli.io.stdout.write(
          `${t.name.padEnd(width)}  ${String(live).padStart(4)}  ${String(t.usage.resources).padStart(9)}  ${t.seedSet.padEnd(10)}  ${t.lastUsedAt}\n`,
        );
      }
    });
  }
  {
    const { command, options } = sub(
      'show',
      'show a tenant: its keys (by hint), usage, clock and snapshots',
      [JSON_OUT],
      [['<name>', 'tenant name']],
    );
    command.action(async (name: string, values: Common, cmd: Command) => {
      const view = await withTenantAdmin(cli, cmd, values, options, (admin) => admin.show(name));
      if (values.json === true) printJson(cli, view);
      else cli.io.stdout.write(describeTenant(view));
    });
  }
  {
    const { command, options } = sub(
      'rotate',
      'make a new key; the current ones keep working for the overlap, then expire',
      [
        {
          flags: '--overlap <duration>',
          description:
            'how long the current keys keep working: 24h, 30m, 0 for not at all (default: sandbox.tenants.keyOverlapHours)',
        },
        JSON_OUT,
      ],
      [['<name>', 'tenant name']],
    );
    command.action(async (name: string, values: Common & { overlap?: string }, cmd: Command) => {
      const overlapMs =
        values.overlap === undefined ? undefined : parseDuration(values.overlap, 'overlap');
      const rotated = await withTenantAdmin(cli, cmd, values, options, (admin) =>
        admin.rotate(name, overlapMs === undefined ? {} : { overlapMs }),
      );
      if (values.json === true) {
        printJson(cli, {
          tenant: name,
          key: rotated.key,
          previous: rotated.previous,
          note: STORE_IT,
        });
        return;
      }
      cli.io.stdout.write(`New key of tenant ${name}:\n`);
      printKey(cli, rotated.key);
      for (const k of rotated.previous)
        cli.io.stdout.write(
          `  ${k.hint} ${k.expiresAt === undefined ? 'still works' : k.state === 'expired' ? 'no longer works' : `works until ${k.expiresAt}`}\n`,
        );
    });
  }
  {
    const { command, options } = sub(
      'revoke',
      'revoke one key (--key HINT, its last four characters) or all of them (--all)',
      [
        {
          flags: '--key <hint>',
          description: "the key's hint as `tenants show` lists it (tdk_test_…DELp, or DELp)",
        },
        { flags: '--all', description: 'every key of the tenant' },
        JSON_OUT,
      ],
      [['<name>', 'tenant name']],
    );
    command.action(
      async (name: string, values: Common & { key?: string; all?: boolean }, cmd: Command) => {
        if ((values.key === undefined) === (values.all !== true)) {
          throw new TapedeckError(
            'TD_USAGE',
            'Name the key to revoke with --key HINT, or give --all (one of the two).',
            {
              hint: '`tapedeck tenants show NAME` lists the keys by hint.',
            },
          );
        }
        const n = await withTenantAdmin(cli, cmd, values, options, (admin) =>
          admin.revoke(name, values.key === undefined ? { all: true } : { hint: values.key }),
        );
        if (values.json === true) printJson(cli, { tenant: name, revoked: n });
        else
          cli.io.stdout.write(
            `Revoked ${n} key(s) of tenant ${name}; a running sandbox refuses them within a second.\n`,
          );
      },
    );
  }
  {
    const { command, options } = sub(
      'reset',
      'empty a tenant back to its seed set (keys, clock and snapshots stay)',
      [JSON_OUT],
      [['<name>', 'tenant name']],
    );
    command.action(async (name: string, values: Common, cmd: Command) => {
      await withTenantAdmin(cli, cmd, values, options, (admin) => admin.reset(name));
      if (values.json === true) printJson(cli, { reset: name });
      else cli.io.stdout.write(`Reset tenant ${name}: it is seeded again on its next request.\n`);
    });
  }
  {
    const { command, options } = sub(
      'snapshot',
      "save a tenant's whole state under a name (restore brings it back)",
      [JSON_OUT],
      [
        ['<name>', 'tenant name'],
        ['<snapshot>', 'snapshot name (a second snapshot of that name replaces it)'],
      ],
    );
    command.action(async (name: string, snapshot: string, values: Common, cmd: Command) => {
      const saved = await withTenantAdmin(cli, cmd, values, options, (admin) =>
        admin.snapshot(name, snapshot),
      );
      if (values.json === true) printJson(cli, { tenant: name, snapshot: saved });
      else
        cli.io.stdout.write(
          `Saved snapshot ${saved.name} of tenant ${name} (${saved.resources} resource(s)).\n`,
        );
    });
  }
  {
    const { command, options } = sub(
      'restore',
      "replace a tenant's state with a snapshot (idempotency keys are cleared)",
      [JSON_OUT],
      [
        ['<name>', 'tenant name'],
        ['<snapshot>', 'snapshot name'],
      ],
    );
    command.action(async (name: string, snapshot: string, values: Common, cmd: Command) => {
      await withTenantAdmin(cli, cmd, values, options, (admin) => admin.restore(name, snapshot));
      if (values.json === true) printJson(cli, { tenant: name, restored: snapshot });
      else cli.io.stdout.write(`Restored tenant ${name} to snapshot ${snapshot}.\n`);
    });
  }
  {
    const { command, options } = sub(
      'delete',
      'delete a tenant and everything of it: keys, resources, snapshots, journal',
      [{ flags: '--yes', description: 'really delete (nothing is asked without it)' }, JSON_OUT],
      [['<name>', 'tenant name']],
    );
    command.action(async (name: string, values: Common & { yes?: boolean }, cmd: Command) => {
      if (values.yes !== true) {
        cli.io.stderr.write(
          `tapedeck: deleting tenant ${name} removes its keys, resources, snapshots and journal for good.\n` +
            `Run again with --yes to do it.\n`,
        );
        cli.exitCode = EXIT.usage;
        return;
      }
      await withTenantAdmin(cli, cmd, values, options, (admin) => admin.delete(name));
      if (values.json === true) printJson(cli, { deleted: name });
      else cli.io.stdout.write(`Deleted tenant ${name}.\n`);
    });
  }
}
