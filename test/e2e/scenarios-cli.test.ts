/**
 * `tapedeck scenarios` as a partner's developer-portal build and a tester meet it (built CLI,
 * `npm run build` first): the Stripe catalogue rendered from a project's config (the golden
 * file), then arm, armed and disarm on the state directory `tapedeck tenants` made.
 */
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCleanups } from '../helpers/cleanup.js';
import { runCliToEnd } from '../helpers/cli.js';
import { stripeSpecFile } from '../helpers/sandbox.js';
import { tempDir } from '../helpers/tmp.js';

afterEach(runCleanups);

const ROOT = join(import.meta.dirname, '../..');

/** Scenarios of the project's own, beside the preset's: armable ones, in a scenarios file. */
const ARMABLE = {
  scenarios: [
    {
      name: 'gateway_502',
      description: 'The load balancer answers 502: retry with the same Idempotency-Key.',
      operations: ['*'],
      triggers: [{ armed: true }],
      outcome: { fault: 'gateway', status: 502 },
    },
    {
      name: 'intent_declined',
      description: 'The next payment intent is declined.',
      operations: ['POST /v1/payment_intents', 'POST /v1/payment_intents/{intent}/confirm'],
      triggers: [{ armed: true }],
      outcome: {
        error: {
          status: 402,
          type: 'card_error',
          code: 'card_declined',
          message: 'Your card was declined.',
        },
      },
    },
    {
      name: 'header_only',
      description: 'Only when a request names it.',
      operations: ['*'],
      triggers: [],
      outcome: { fault: 'server-error' },
    },
  ],
};

function project(options: { armable?: boolean } = {}): string {
  const cwd = tempDir('tapedeck-scenarios-e2e-');
  copyFileSync(stripeSpecFile(), join(cwd, 'stripe.json'));
  writeFileSync(
    join(cwd, 'tapedeck.config.json'),
    `${JSON.stringify({ sandbox: { spec: 'stripe.json', profile: 'stripe' } }, null, 2)}\n`,
  );
  if (options.armable === true) {
    mkdirSync(join(cwd, 'scenarios'));
    writeFileSync(join(cwd, 'scenarios', 'network.json'), JSON.stringify(ARMABLE, null, 2));
  }
  return cwd;
}

describe('tapedeck scenarios (built CLI)', () => {
  it('renders the Stripe catalogue as Markdown (the golden file) and as JSON', async () => {
    const cwd = project();
    const md = await runCliToEnd(['scenarios', '--markdown'], { cwd });
    expect(md.code, md.stderr).toBe(0);
    expect(md.stdout).toBe(readFileSync(join(ROOT, 'test/golden/scenarios-stripe.md'), 'utf8'));
    // The default is Markdown.
    expect((await runCliToEnd(['scenarios'], { cwd })).stdout).toBe(md.stdout);

    const json = await runCliToEnd(['scenarios', '--json'], { cwd });
    expect(json.code, json.stderr).toBe(0);
    const parsed = JSON.parse(json.stdout) as {
      format: number;
      scenarios: { name: string; source: string }[];
    };
    expect(parsed.format).toBe(1);
    expect(parsed.scenarios.map((s) => s.name)).toContain('card_declined');
    expect(new Set(parsed.scenarios.map((s) => s.source))).toEqual(new Set(['preset:stripe']));

    const both = await runCliToEnd(['scenarios', '--markdown', '--json'], { cwd });
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('Choose one of --markdown and --json');
  });

  it('refuses a catalogue that does not load, naming the file and exiting 2', async () => {
    const cwd = project();
    writeFileSync(
      join(cwd, 'tapedeck.config.json'),
      JSON.stringify({ sandbox: { spec: 'stripe.json', profile: 'stripe', scenariosDir: 'sc' } }),
    );
    mkdirSync(join(cwd, 'sc'));
    writeFileSync(join(cwd, 'sc', 'bad.json'), '{"scenarios": [{"name": "Bad Name"}]}');
    const run = await runCliToEnd(['scenarios'], { cwd });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('TD_SCENARIO_INVALID');
    expect(run.stderr).toContain('bad.json');
  });

  it('arms, lists and disarms on the state directory of `tapedeck tenants`', async () => {
    const cwd = project({ armable: true });
    expect((await runCliToEnd(['tenants', 'create', 'acme'], { cwd })).code).toBe(0);

    const armed = await runCliToEnd(
      ['scenarios', 'arm', 'gateway_502', '--tenant', 'acme', '--count', '2', '--json'],
      { cwd },
    );
    expect(armed.code, armed.stderr).toBe(0);
    const arm = JSON.parse(armed.stdout) as { id: string; remaining: number };
    expect(arm).toMatchObject({ scenario: 'gateway_502', remaining: 2 });
    expect(arm.id).toMatch(/^arm_[0-9a-f]{16}$/);
    const second = await runCliToEnd(
      [
        'scenarios',
        'arm',
        'intent_declined',
        '--tenant',
        'acme',
        '--operation',
        'POST /v1/payment_intents',
      ],
      { cwd },
    );
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toMatch(
      /^armed arm_[0-9a-f]{16} {2}intent_declined {2}POST \/v1\/payment_intents {2}until disarmed/,
    );

    const listed = await runCliToEnd(['scenarios', 'armed', '--tenant', 'acme', '--json'], { cwd });
    expect(listed.code, listed.stderr).toBe(0);
    expect(
      (JSON.parse(listed.stdout) as { armed: { scenario: string }[] }).armed.map((a) => a.scenario),
    ).toEqual(['gateway_502', 'intent_declined']);

    const one = await runCliToEnd(['scenarios', 'disarm', arm.id, '--tenant', 'acme'], { cwd });
    expect(one.code, one.stderr).toBe(0);
    expect(one.stdout).toBe('disarmed 1 arm\n');
    const again = await runCliToEnd(['scenarios', 'disarm', arm.id, '--tenant', 'acme'], { cwd });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('has no arm');
    const all = await runCliToEnd(
      ['scenarios', 'disarm', '--scenario', 'intent_declined', '--tenant', 'acme'],
      { cwd },
    );
    expect(all.stdout).toBe('disarmed 1 arm\n');
    expect((await runCliToEnd(['scenarios', 'armed', '--tenant', 'acme'], { cwd })).stdout).toBe(
      'nothing armed for acme\n',
    );
  });

  it('refuses what cannot be armed, with exit code 2 and the next step', async () => {
    const cwd = project({ armable: true });
    await runCliToEnd(['tenants', 'create', 'acme'], { cwd });
    const unknown = await runCliToEnd(['scenarios', 'arm', 'intent_decline', '--tenant', 'acme'], {
      cwd,
    });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain(
      'Known scenarios: gateway_502, intent_declined, header_only, card_declined',
    );
    // A scenario without an `armed` trigger fires only by header.
    const headerOnly = await runCliToEnd(['scenarios', 'arm', 'header_only', '--tenant', 'acme'], {
      cwd,
    });
    expect(headerOnly.code).toBe(2);
    expect(headerOnly.stderr).toContain(
      'Armable scenarios: gateway_502, intent_declined, card_declined, insufficient_funds',
    );
    const op = await runCliToEnd(
      [
        'scenarios',
        'arm',
        'intent_declined',
        '--tenant',
        'acme',
        '--operation',
        'GET /v1/customers',
      ],
      { cwd },
    );
    expect(op.code).toBe(2);
    expect(op.stderr).toContain('does not apply to the operation');
    for (const count of ['0', '1.5', 'x'])
      expect(
        (
          await runCliToEnd(
            ['scenarios', 'arm', 'intent_declined', '--tenant', 'acme', '--count', count],
            { cwd },
          )
        ).code,
      ).toBe(2);
    const noTenant = await runCliToEnd(
      ['scenarios', 'arm', 'intent_declined', '--tenant', 'nobody'],
      { cwd },
    );
    expect(noTenant.code).toBe(2);
    expect(noTenant.stderr).toContain('There is no tenant "nobody"');
    expect((await runCliToEnd(['scenarios', 'armed'], { cwd })).code).toBe(2);
    expect((await runCliToEnd(['scenarios', 'disarm', '--tenant', 'acme'], { cwd })).code).toBe(2);
    const noState = await runCliToEnd(
      ['scenarios', 'armed', '--tenant', 'acme', '--state-dir', 'nope'],
      { cwd },
    );
    expect(noState.code).toBe(2);
    expect(noState.stderr).toContain('There is no sandbox state');
  });
});
