/**
 * What start-up checks of a scenario catalogue against the Stripe model, spec and recordings
 * (checkCatalogue in app/compose/sandbox.ts): a catalogue that would do nothing, or fail at request
 * time, stops the start with TD_SCENARIO_INVALID naming the scenario, its source and pointer.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkCatalogue, loadSandboxModel } from '../../src/app/compose/sandbox.js';
import { resolveConfig } from '../../src/app/config/config.js';
import { isTapedeckError } from '../../src/core/errors.js';
import type { LoadedScenario, ScenarioDecl } from '../../src/core/sandbox/scenarios/types.js';
import { stripeSpecFile } from '../helpers/sandbox.js';

let root: string;
let model: Awaited<ReturnType<typeof loadSandboxModel>>;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'tapedeck-catalogue-check-'));
  const config = resolveConfig({
    cwd: root,
    env: {},
    flags: [
      { pointer: '/sandbox/spec', value: stripeSpecFile(), flag: '--spec' },
      { pointer: '/sandbox/profile', value: 'stripe', flag: '--profile' },
      { pointer: '/cassettes', value: join(root, 'none'), flag: '--cassettes' },
    ],
  }).config;
  model = await loadSandboxModel(config);
}, 60_000);

afterAll(() => rmSync(root, { recursive: true, force: true }));

const DECLINE = {
  action: 'payment_failed',
  from: ['requires_confirmation'],
  set: { status: 'requires_payment_method' },
};

function refusal(decl: ScenarioDecl): Error {
  const scenario: LoadedScenario = { ...decl, source: 'scenarios/mine.json', pointer: '/0' };
  try {
    checkCatalogue({ scenarios: [scenario] }, model.model, model.spec, model.cassettes, () => []);
  } catch (error) {
    expect(isTapedeckError(error, 'TD_SCENARIO_INVALID')).toBe(true);
    return error as Error;
  }
  throw new Error('expected the catalogue to be refused');
}

const base = { description: 'x', triggers: [] } as const;

describe('checkCatalogue: state outcomes that could never act', () => {
  it('accepts the preset catalogue, and an inline action on an action route', () => {
    const scenarios = model.scenarios.scenarios;
    expect(scenarios.length).toBeGreaterThan(0);
    expect(() =>
      checkCatalogue(
        {
          scenarios: [
            ...scenarios,
            {
              ...base,
              name: 'ok',
              operations: ['POST /v1/payment_intents/{intent}/confirm'],
              outcome: { state: DECLINE },
              source: 'config',
              pointer: '/0',
            },
          ],
        },
        model.model,
        model.spec,
        model.cassettes,
        () => [],
      ),
    ).not.toThrow();
  });

  it('refuses a state outcome on every operation (`*`)', () => {
    const error = refusal({ ...base, name: 'any', operations: ['*'], outcome: { state: DECLINE } });
    expect(error.message).toContain('"any" (scenario file scenarios/mine.json at /0/operations/0)');
    expect(error.message).toContain('every operation');
  });

  it('refuses a state outcome on a list route', () => {
    const error = refusal({
      ...base,
      name: 'listed',
      operations: ['GET /v1/payment_intents'],
      outcome: { state: DECLINE },
    });
    expect(error.message).toContain('lists payment_intents');
  });

  it('refuses an action neither declared inline nor by the type', () => {
    const error = refusal({
      ...base,
      name: 'frob',
      operations: ['POST /v1/payment_intents/{intent}/confirm'],
      outcome: { state: { action: 'frobnicate' } },
    });
    expect(error.message).toContain('/0/outcome/state/action');
    expect(error.message).toMatch(
      /frobnicate, which payment_intents does not declare \(it declares [a-z_, ]+\)/,
    );
  });
});
