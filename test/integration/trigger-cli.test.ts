/**
 * `tapedeck trigger` on the command line (in process, on a real SQLite state directory): it
 * composes a sandbox without listening, so it leaves alone the idempotency keys a running sandbox
 * has in flight on the same directory; and it takes its profile from --profile, else the config's
 * sandbox.profile (a tenant records none), warning when the tenant's keys say another profile.
 */
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CommanderError } from 'commander';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteState } from '../../src/adapters/state/sqlite/index.js';
import { sha256Hex } from '../../src/app/layers/idempotency.js';
import type { CliContext } from '../../src/cli/context.js';
import { buildProgram } from '../../src/cli/main.js';
import { runCleanups } from '../helpers/cleanup.js';
import { stripeSpecFile } from '../helpers/sandbox.js';
import { tempDir } from '../helpers/tmp.js';

afterEach(runCleanups);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  error?: unknown;
}

/** Runs one command as main() would, in `cwd`; a thrown error is returned, not rethrown. */
async function tapedeck(cwd: string, ...args: string[]): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const context: CliContext = {
    io: {
      stdout: { write: (s: string) => ((stdout += s), true) },
      stderr: { write: (s: string) => ((stderr += s), true) },
      env: { NO_COLOR: '1' },
    },
    cwd,
    exitCode: 0,
    stopSignal: () => new Promise<string>(() => undefined),
  };
  try {
    await buildProgram(context).parseAsync(['node', 'tapedeck', ...args]);
  } catch (error) {
    return { code: context.exitCode, stdout, stderr, error };
  }
  return { code: context.exitCode, stdout, stderr };
}

/** A sandbox's directory: the Stripe spec, a config naming it and the stripe profile. */
function stripeSandboxDir(): { cwd: string; stateDir: string } {
  const cwd = tempDir('tapedeck-trigger-cli-');
  const stateDir = join(cwd, 'state');
  copyFileSync(stripeSpecFile(), join(cwd, 'stripe.json'));
  writeFileSync(
    join(cwd, 'tapedeck.config.json'),
    JSON.stringify({ stateDir, sandbox: { spec: 'stripe.json', profile: 'stripe' } }),
  );
  return { cwd, stateDir };
}

describe('tapedeck trigger', () => {
  it('leaves the idempotency keys in flight on its state directory in flight', async () => {
    const { cwd, stateDir } = stripeSandboxDir();
    const created = await tapedeck(cwd, 'tenants', 'create', 'acme');
    expect(created.code, created.stderr).toBe(0);
    // A request a running sandbox is answering: its key is in flight in the state file.
    const key = sha256Hex('k-running');
    let state = openSqliteState(stateDir);
    const tenant = (await state.tenants.getByName('acme'))!;
    const now = Date.now();
    const begin = () =>
      state.idempotency.begin(tenant.id, key, 'fp', 'POST /v1/customers', now, now - 3_600_000);
    expect((await begin()).kind).toBe('new');
    await state.close();

    const run = await tapedeck(
      cwd,
      'trigger',
      'payment_intent.succeeded',
      '--tenant',
      'acme',
      '--no-wait',
      '--json',
    );
    expect(run.error).toBeUndefined();
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('payment_intent.succeeded');

    state = openSqliteState(stateDir);
    try {
      expect((await begin()).kind).toBe('in-flight');
    } finally {
      await state.close();
    }
  }, 120_000);

  it("uses the config's sandbox.profile without --profile, and warns when the tenant's keys are another's", async () => {
    const { cwd } = stripeSandboxDir();
    expect((await tapedeck(cwd, 'tenants', 'create', 'acme')).code).toBe(0);

    // No --profile: the config's stripe profile, whose flow makes the event; no warning.
    const own = await tapedeck(cwd, 'trigger', 'payment_intent.succeeded', '--tenant', 'acme');
    expect(own.error).toBeUndefined();
    expect(own.code, own.stderr).toBe(0);
    expect(own.stdout).toContain('payment_intent.succeeded happened in acme');
    expect(own.stderr).not.toContain('are not of the');

    // Another profile than the one the tenant's keys were made with: said before anything runs.
    const other = await tapedeck(
      cwd,
      'trigger',
      'customer.created',
      '--tenant',
      'acme',
      '--profile',
      'standard',
      '--no-wait',
    );
    expect(other.stderr).toContain(
      "Tenant acme's keys (sk_test_…) are not of the standard profile",
    );

    const help = await tapedeck(cwd, 'trigger', '--help');
    expect(help.error).toBeInstanceOf(CommanderError);
    expect(help.stdout).toContain('a tenant records none');
    expect(help.stdout).toContain("else the config's sandbox.profile");
  }, 120_000);
});
