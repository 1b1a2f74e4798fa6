/**
 * Scenario firing is deterministic (docs/design/issue-14-plan.md): a seeded random sequence of
 * requests against every-Kth, seeded-chance and armed scenarios fires the same scenarios on two
 * servers started on copies of one fresh state, and on a third that is restarted in the middle
 * of the sequence (counters and arms are durable, so it continues where it stopped).
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScenarioDecl } from '../../src/core/sandbox/scenarios/types.js';
import { propertySeed, rerunHint } from '../helpers/property.js';
import { startSandbox, stripeSpecFile, type RunningSandbox } from '../helpers/sandbox.js';

const CATALOGUE: ScenarioDecl[] = [
  {
    name: 'every-4th',
    description: 'Every fourth product list.',
    operations: ['GET /v1/products'],
    triggers: [{ every: 4 }],
    outcome: { inline: { status: 503, body: 'every' } },
  },
  {
    name: 'chance-30',
    description: 'A seeded 30% of price lists.',
    operations: ['GET /v1/prices'],
    triggers: [{ chance: { probability: 0.3, seed: 7 } }],
    outcome: { inline: { status: 500, body: 'chance' } },
  },
  {
    name: 'armed-charges',
    description: 'While armed.',
    operations: ['GET /v1/charges'],
    triggers: [{ armed: true }],
    outcome: { inline: { status: 402, body: 'armed' } },
  },
];

type Step = 'products' | 'prices' | 'charges' | 'arm';

const flags = [
  { pointer: '/sandbox/scenarios', value: CATALOGUE, flag: 'test' },
  { pointer: '/sandbox/presetScenarios', value: false, flag: 'test' },
];

let root: string;
let fresh: string;
let key: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'tapedeck-determinism-'));
  fresh = join(root, 'fresh');
  const first = await startSandbox({
    spec: stripeSpecFile(),
    profile: 'stripe',
    stateDir: fresh,
    flags,
  });
  key = await first.createTenant('acme');
  await first.stop();
}, 120_000);

afterAll(() => {
  if (root !== undefined) rmSync(root, { recursive: true, force: true });
});

async function start(copy: string): Promise<RunningSandbox> {
  return startSandbox({ spec: stripeSpecFile(), profile: 'stripe', stateDir: copy, flags });
}

function copyOfFresh(name: string): string {
  const dir = join(root, name);
  cpSync(fresh, dir, { recursive: true });
  return dir;
}

/** Runs the steps; each answer as the scenario that fired, or `-`. */
async function run(sandbox: RunningSandbox, steps: readonly Step[]): Promise<string[]> {
  const out: string[] = [];
  for (const step of steps) {
    if (step === 'arm') {
      const armed = await sandbox.admin('POST', 'tenants/acme/scenarios', {
        scenario: 'armed-charges',
        count: 2,
      });
      expect(armed.status).toBe(201);
      out.push('arm');
      continue;
    }
    const res = await fetch(`${sandbox.url}/v1/${step}`, {
      headers: { authorization: `Bearer ${key}` },
    });
    await res.arrayBuffer();
    out.push(`${step}:${res.headers.get('x-tapedeck-scenario') ?? '-'}`);
  }
  return out;
}

describe('scenario firing across servers and restarts', () => {
  it('is the same for the same seeded sequence of requests', async () => {
    const step = fc.constantFrom<Step>(
      'products',
      'products',
      'prices',
      'prices',
      'charges',
      'arm',
    );
    const [steps] = fc.sample(fc.array(step, { minLength: 40, maxLength: 40 }), {
      seed: propertySeed(),
      numRuns: 1,
    });
    const sequence = steps!;

    const a = await start(copyOfFresh('a'));
    const onA = await run(a, sequence).finally(() => a.stop());
    const b = await start(copyOfFresh('b'));
    const onB = await run(b, sequence).finally(() => b.stop());

    const dir = copyOfFresh('c');
    const half = sequence.length / 2;
    const c1 = await start(dir);
    const before = await run(c1, sequence.slice(0, half)).finally(() => c1.stop());
    const c2 = await start(dir);
    const after = await run(c2, sequence.slice(half)).finally(() => c2.stop());

    expect(onB, rerunHint()).toEqual(onA);
    expect([...before, ...after], rerunHint()).toEqual(onA);
    // The sequence exercised every kind of trigger.
    expect(onA.some((s) => s === 'products:every-4th')).toBe(true);
    expect(onA.some((s) => s === 'prices:chance-30')).toBe(true);
  }, 120_000);
});
