import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { recheckSafety } from '../../src/adapters/redaction/redaction-io.js';
import { TapedeckError } from '../../src/core/errors.js';
import { PRESETS } from '../../src/core/sandbox/profile/presets/index.js';
import { loadCatalogue, type LoadCatalogueOptions } from '../../src/core/sandbox/scenarios/load.js';

const listDir = (dir: string): string[] | undefined => {
  try {
    return readdirSync(dir);
  } catch {
    return undefined;
  }
};
const readFile = (file: string) => readFileSync(file, 'utf8');

const declined = {
  name: 'declined',
  description: 'The card is declined.',
  operations: ['POST /v1/charges'],
  triggers: [{ value: { in: 'body', path: 'source', equals: 'tok_chargeDeclined' } }],
  outcome: { error: { status: 402, code: 'card_declined', message: 'Your card was declined.' } },
};

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'td-scenarios-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function load(over: Partial<LoadCatalogueOptions> = {}) {
  return loadCatalogue({
    config: [],
    dir: undefined,
    preset: undefined,
    readFile,
    listDir,
    recheckSafety,
    ...over,
  });
}

/** The TapedeckError a load throws. */
function failure(over: Partial<LoadCatalogueOptions>): TapedeckError {
  try {
    load(over);
  } catch (error) {
    if (error instanceof TapedeckError) return error;
    throw error;
  }
  throw new Error('the catalogue loaded');
}

function writeScenarios(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

describe('loadCatalogue', () => {
  it('reads the config, then the files of the directory in name order, then the preset, each with its source and pointer', () => {
    const b = writeScenarios(
      'b.json',
      JSON.stringify({ scenarios: [{ ...declined, name: 'from-b' }] }),
    );
    // JSON with comments, and the editor's $schema pointer.
    const a = writeScenarios(
      'a.json',
      `{
        "$schema": "../schemas/scenarios.schema.json",
        // a partner's own decline
        "scenarios": [${JSON.stringify({ ...declined, name: 'from-a' })}]
      }`,
    );
    writeScenarios('notes.txt', 'not a scenario file');
    const catalogue = load({
      config: [{ ...declined, name: 'from-config' }],
      dir,
      preset: { name: 'stripe', scenarios: [{ ...declined, name: 'from-preset' } as never] },
    });
    expect(catalogue.scenarios.map((s) => [s.name, s.source, s.pointer])).toEqual([
      ['from-config', 'config', '/sandbox/scenarios/0'],
      ['from-a', a, '/scenarios/0'],
      ['from-b', b, '/scenarios/0'],
      ['from-preset', 'preset:stripe', '/scenarios/0'],
    ]);
    expect(Object.isFrozen(catalogue.scenarios[0]!.triggers)).toBe(true);
  });

  it('a scenarios directory that does not exist holds no files', () => {
    expect(load({ dir: join(dir, 'missing') }).scenarios).toEqual([]);
  });

  it("the Stripe preset's catalogue loads: one scenario per declining card, each on the payment-intent flow", () => {
    const catalogue = load({ preset: { name: 'stripe', scenarios: PRESETS.stripe.scenarios } });
    expect(catalogue.scenarios.map((s) => s.name)).toEqual([
      'card_declined',
      'insufficient_funds',
      'expired_card',
      'incorrect_cvc',
      'processing_error',
    ]);
    for (const scenario of catalogue.scenarios) {
      expect(scenario.operations).toEqual([
        'POST /v1/payment_intents',
        'POST /v1/payment_intents/{intent}/confirm',
      ]);
      expect(scenario.outcome).toMatchObject({
        state: { action: 'payment_failed', event: 'payment_intent.payment_failed' },
      });
    }
  });

  it('a schema violation in a file names the file and the JSON pointer, with the next step', () => {
    const file = writeScenarios(
      'bad.json',
      JSON.stringify({ scenarios: [declined, { ...declined, name: 'x', operations: [] }] }),
    );
    const error = failure({ dir });
    expect(error.code).toBe('TD_SCENARIO_INVALID');
    expect(error.details).toEqual({ file, pointer: '/scenarios/1/operations' });
    expect(error.message).toContain(file);
    expect(error.message).toContain('/scenarios/1/operations must NOT have fewer than 1 items');
    expect(error.hint).toContain('schemas/scenarios.schema.json');
  });

  it('a config scenario is located under /sandbox/scenarios, an unknown member with its allowed names', () => {
    const error = failure({ config: [{ ...declined, outcome: { eror: { status: 500 } } }] });
    expect(error.code).toBe('TD_SCENARIO_INVALID');
    expect(error.details).toMatchObject({ file: 'config' });
    expect(error.details['pointer']).toBe('/sandbox/scenarios/0/outcome/eror');
    expect(error.message).toContain('did you mean "error"?');
  });

  it('a file that is not JSON is refused with where it breaks', () => {
    const file = writeScenarios('broken.json', '{"scenarios": [');
    const error = failure({ dir });
    expect(error.code).toBe('TD_SCENARIO_INVALID');
    expect(error.details).toEqual({ file, pointer: '' });
    expect(error.message).toContain('is not valid JSON');
  });

  it('a file without a scenarios array, or with other members, is refused', () => {
    writeScenarios('list.json', JSON.stringify([declined]));
    expect(failure({ dir }).message).toContain('must be an object {"scenarios": [...]}');
    rmSync(join(dir, 'list.json'));
    writeScenarios('extra.json', JSON.stringify({ scenarios: [], version: 1 }));
    expect(failure({ dir }).details['pointer']).toBe('/version');
  });

  it('a value trigger must have exactly one test, and so must each of its `and` conditions', () => {
    const two = failure({
      config: [
        {
          ...declined,
          triggers: [{ value: { in: 'body', path: 'source', equals: 'a', prefix: 'b' } }],
        },
      ],
    });
    expect(two.code).toBe('TD_SCENARIO_INVALID');
    expect(two.details['pointer']).toBe('/sandbox/scenarios/0/triggers/0/value');
    expect(two.message).toContain('has 2 tests (equals, prefix): give exactly one');
    const none = failure({
      config: [
        {
          ...declined,
          triggers: [
            {
              value: {
                in: 'body',
                path: 'source',
                equals: 'a',
                and: [{ in: 'body', path: 'confirm' }],
              },
            },
          ],
        },
      ],
    });
    expect(none.details['pointer']).toBe('/sandbox/scenarios/0/triggers/0/value/and/0');
    expect(none.message).toContain('tests nothing');
  });

  it('a trigger holds exactly one kind (value, armed, every, chance)', () => {
    const error = failure({ config: [{ ...declined, triggers: [{ armed: true, every: 3 }] }] });
    expect(error.details['pointer']).toBe('/sandbox/scenarios/0/triggers/0');
    expect(error.message).toContain('must NOT have more than 1 properties');
  });

  it('a regex that can backtrack catastrophically is refused by the ReDoS check, naming its pointer', () => {
    const file = writeScenarios(
      'redos.json',
      JSON.stringify({
        scenarios: [
          { ...declined, triggers: [{ value: { in: 'header', path: 'x-id', regex: '^(a+)+$' } }] },
        ],
      }),
    );
    const error = failure({ dir });
    expect(error.code).toBe('TD_SCENARIO_INVALID');
    expect(error.details).toEqual({ file, pointer: '/scenarios/0/triggers/0/value/regex' });
    expect(error.message).toContain('can backtrack catastrophically');
  });

  it('a regex that does not compile, and a range whose min is above its max, are refused', () => {
    const bad = failure({
      config: [
        { ...declined, triggers: [{ value: { in: 'query', path: 'q', regex: '(unclosed' } }] },
      ],
    });
    expect(bad.details['pointer']).toBe('/sandbox/scenarios/0/triggers/0/value/regex');
    expect(bad.message).toContain('is not a valid regular expression');
    const range = failure({
      config: [
        {
          ...declined,
          triggers: [{ value: { in: 'body', path: 'amount', range: { min: 10, max: 1 } } }],
        },
      ],
    });
    expect(range.details['pointer']).toBe('/sandbox/scenarios/0/triggers/0/value/range');
  });

  it('a resource trigger needs a state outcome', () => {
    const error = failure({
      config: [
        { ...declined, triggers: [{ value: { in: 'resource', path: 'source', equals: 'x' } }] },
      ],
    });
    expect(error.details['pointer']).toBe('/sandbox/scenarios/0/triggers/0/value/in');
    expect(error.message).toContain('needs a "state" outcome');
  });

  it('a name declared twice names both places', () => {
    mkdirSync(join(dir, 'sub'));
    const file = writeScenarios('dup.json', JSON.stringify({ scenarios: [declined] }));
    const error = failure({ config: [declined], dir });
    expect(error.code).toBe('TD_SCENARIO_INVALID');
    expect(error.message).toBe(
      `Scenario "declined" is declared twice: in config at /sandbox/scenarios/0 and in ${file} at /scenarios/0.`,
    );
    expect(error.details).toMatchObject({ file, pointer: '/scenarios/0/name' });
    const withPreset = failure({
      config: [{ ...declined, name: 'card_declined' }],
      preset: { name: 'stripe', scenarios: PRESETS.stripe.scenarios },
    });
    expect(withPreset.message).toContain('in config at /sandbox/scenarios/0 and in preset:stripe');
    expect(withPreset.hint).toContain('sandbox.presetScenarios');
  });

  it('a fault takes only its own members', () => {
    const error = failure({
      config: [{ ...declined, outcome: { fault: 'reset', ms: 5 } }],
    });
    expect(error.details['pointer']).toBe('/sandbox/scenarios/0/outcome/ms');
    expect(
      load({ config: [{ ...declined, outcome: { fault: 'timeout', ms: 5, at: 'after' } }] }),
    ).toBeTruthy();
  });
});
