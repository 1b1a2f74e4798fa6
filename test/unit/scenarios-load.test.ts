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
    expect(error.message).toBe(
      `Scenario file ${file} at /scenarios/1/operations: must NOT have fewer than 1 items`,
    );
    expect(error.hint).toContain('schemas/scenarios.schema.json');
    expect(error.hint).toContain('docs/scenarios.md');
    // Not the command that fails on this very file.
    expect(error.hint).not.toContain('tapedeck scenarios');
  });

  it('several problems in one source: one line each, the source named once, in a sentence', () => {
    const file = writeScenarios(
      'two.json',
      JSON.stringify({
        scenarios: [
          { ...declined, operations: [] },
          { ...declined, name: 'X' },
        ],
      }),
    );
    const error = failure({ dir });
    expect(error.message.split('\n')).toEqual([
      `Scenario file ${file} does not load (2 problems):`,
      '  - at /scenarios/0/operations: must NOT have fewer than 1 items',
      '  - at /scenarios/1/name: must match pattern "^[a-z0-9][a-z0-9_.-]*$"',
    ]);
  });

  it("a config scenario's problem names the config file when it is known, else the config's sandbox.scenarios", () => {
    const bad = [{ ...declined, operations: [] }];
    const unnamed = failure({ config: bad });
    expect(unnamed.message).toBe(
      "The config's sandbox.scenarios at /sandbox/scenarios/0/operations: must NOT have fewer than 1 items",
    );
    expect(unnamed.details).toEqual({ file: 'config', pointer: '/sandbox/scenarios/0/operations' });
    const named = failure({ config: bad, configFile: '/srv/app/tapedeck.config.json' });
    expect(named.message).toBe(
      'Config file /srv/app/tapedeck.config.json at /sandbox/scenarios/0/operations: must NOT have fewer than 1 items',
    );
    expect(named.details['file']).toBe('/srv/app/tapedeck.config.json');
    const many = failure({ config: [...bad, { ...declined, name: 'Y' }] });
    expect(many.message).toMatch(
      /^The config's sandbox\.scenarios does not load \(2 problems\):\n/,
    );
    // The loaded scenarios still say `config`, as the rendered catalogue documents.
    const loaded = load({ config: [declined], configFile: '/srv/app/tapedeck.config.json' });
    expect(loaded.scenarios[0]!.source).toBe('config');
  });

  it('shows the precise problem, not that an if/then/else or oneOf branch failed', () => {
    const cases: { outcome: unknown; pointer: string; message: string }[] = [
      {
        outcome: { fault: 'reset', ms: 5 },
        pointer: '/sandbox/scenarios/0/outcome/ms',
        message: 'is not a known property',
      },
      {
        outcome: { inline: { status: 'x' } },
        pointer: '/sandbox/scenarios/0/outcome/inline/status',
        message: 'must be integer',
      },
      {
        outcome: { error: { status: 402 } },
        pointer: '/sandbox/scenarios/0/outcome/error',
        message: 'must have the property "message"',
      },
    ];
    for (const { outcome, pointer, message } of cases) {
      const error = failure({ config: [{ ...declined, outcome }] });
      expect(error.details['pointer']).toBe(pointer);
      expect(error.message).toContain(message);
      expect(error.message).not.toMatch(/"then" schema|"else" schema|in oneOf|in anyOf/);
      expect(error.message).not.toContain('\n');
    }
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
      `Scenario "declined" is declared twice: in the config's sandbox.scenarios at /sandbox/scenarios/0 and in scenario file ${file} at /scenarios/0.`,
    );
    expect(error.details).toMatchObject({ file, pointer: '/scenarios/0/name' });
    const withPreset = failure({
      config: [{ ...declined, name: 'card_declined' }],
      preset: { name: 'stripe', scenarios: PRESETS.stripe.scenarios },
    });
    expect(withPreset.message).toContain(
      "in the config's sandbox.scenarios at /sandbox/scenarios/0 and in the stripe preset's scenarios at /scenarios/0",
    );
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

  it('an inline header that would break the answer on the wire is refused at load, naming the header', () => {
    const withHeaders = (headers: Record<string, unknown>) => [
      { ...declined, outcome: { inline: { status: 200, headers, body: 'ok' } } },
    ];
    const cases: { headers: Record<string, unknown>; pointer: string; message: RegExp }[] = [
      {
        headers: { 'x-note': 'one\r\nSet-Cookie: a=b' },
        pointer: 'x-note',
        message: /header "x-note" has a line break \(CR\) in its value/,
      },
      {
        headers: { 'x-note': 'one\ntwo' },
        pointer: 'x-note',
        message: /header "x-note" has a line break \(LF\)/,
      },
      {
        headers: { 'x-note': 'a\u0000b' },
        pointer: 'x-note',
        message: /header "x-note" has the control character U\+0000/,
      },
      {
        headers: { 'X Custom': 'v' },
        pointer: 'X Custom',
        message: /header name "X Custom" is not an HTTP token/,
      },
      {
        headers: { 'x-price': '10 €' },
        pointer: 'x-price',
        message: /header "x-price" has "€" \(U\+20AC\) in its value, outside Latin-1/,
      },
      {
        headers: { 'a/b': 'v' },
        pointer: 'a~1b',
        message: /header name "a\/b" is not an HTTP token/,
      },
    ];
    for (const { headers, pointer, message } of cases) {
      const error = failure({ config: withHeaders(headers) });
      expect(error.code).toBe('TD_SCENARIO_INVALID');
      expect(error.details).toEqual({
        file: 'config',
        pointer: `/sandbox/scenarios/0/outcome/inline/headers/${pointer}`,
      });
      expect(error.message).toMatch(message);
      expect(error.message).not.toContain('must match pattern');
      expect(error.message).not.toContain('\n');
    }
    // In a file, the file is named.
    const file = writeScenarios(
      'headers.json',
      JSON.stringify({ scenarios: withHeaders({ 'x-note': 'a\nb' }) }),
    );
    expect(failure({ dir }).message).toContain(
      `Scenario file ${file} at /scenarios/0/outcome/inline/headers/x-note: header "x-note" has a line break`,
    );
  });

  it('framing and hop-by-hop headers are refused in an inline answer, whatever their case, with what to use', () => {
    for (const name of [
      'content-length',
      'Content-Length',
      'transfer-encoding',
      'connection',
      'Keep-Alive',
      'upgrade',
      'te',
      'trailer',
      'proxy-connection',
    ]) {
      const error = failure({
        config: [{ ...declined, outcome: { inline: { status: 200, headers: { [name]: '5' } } } }],
      });
      expect(error.details['pointer']).toBe(`/sandbox/scenarios/0/outcome/inline/headers/${name}`);
      expect(error.message).toContain(`header "${name}"`);
      expect(error.message).toMatch(/remove it \(to .*, use the "(truncated|close)"/);
    }
  });

  it('ordinary inline headers load: token names, values with Latin-1, tabs and spaces', () => {
    const headers = { 'x-name': 'Müller\tand co', "x-!#$%&'*+.^_`|~": 'ok', 'Retry-After': '3' };
    const catalogue = load({
      config: [{ ...declined, outcome: { inline: { status: 200, headers } } }],
    });
    expect(catalogue.scenarios[0]!.outcome).toEqual({ inline: { status: 200, headers } });
    // A name outside ASCII is no token, though the same letter is fine in a value.
    expect(
      failure({
        config: [{ ...declined, outcome: { inline: { status: 200, headers: { 'x-café': 'x' } } } }],
      }).message,
    ).toContain('header name "x-café" is not an HTTP token');
  });

  it('an inline, recorded or documented answer needs a final status (200–599): a 1xx alone leaves the client waiting', () => {
    for (const outcome of [
      { inline: { status: 100 } },
      { inline: { status: 103, headers: { link: '</a.css>; rel=preload' } } },
      { recorded: { status: 101 } },
      { documented: { status: 199 } },
    ]) {
      const error = failure({ config: [{ ...declined, outcome }] });
      expect(error.code).toBe('TD_SCENARIO_INVALID');
      expect(error.details['pointer']).toMatch(/^\/sandbox\/scenarios\/0\/outcome\/\w+\/status$/);
      expect(error.message).toContain('must be >= 200');
    }
    for (const outcome of [
      { inline: { status: 200 } },
      { inline: { status: 599 } },
      { recorded: { status: 204 } },
      { documented: { status: 404 } },
    ])
      expect(load({ config: [{ ...declined, outcome }] }).scenarios).toHaveLength(1);
    expect(
      failure({ config: [{ ...declined, outcome: { inline: { status: 600 } } }] }).message,
    ).toContain('must be <= 599');
  });

  it('a recorded outcome is {cassette, interaction} or {status}, whole, never a mix', () => {
    const cases: [unknown, string][] = [
      [{}, 'none of them'],
      [{ interaction: 0 }, 'this one has "interaction"'],
      [{ cassette: 'balance' }, 'this one has "cassette"'],
      [
        { cassette: 'balance', interaction: 0, status: 200 },
        '"cassette" and "interaction" and "status"',
      ],
      [{ interaction: 1, status: 200 }, '"interaction" and "status"'],
    ];
    for (const [recorded, has] of cases) {
      const error = failure({ config: [{ ...declined, outcome: { recorded } }] });
      expect(error.code).toBe('TD_SCENARIO_INVALID');
      expect(error.details['pointer']).toBe('/sandbox/scenarios/0/outcome/recorded');
      expect(error.message).toContain(
        'must be {"cassette": NAME, "interaction": INDEX} (the cassette\'s interaction at INDEX, counted from 0) or {"status": CODE}',
      );
      expect(error.message).toContain(has);
      // One problem, said once.
      expect(error.message).not.toContain('\n');
    }
    expect(
      failure({
        config: [{ ...declined, outcome: { recorded: { cassette: 'b', interaction: -1 } } }],
      }).details['pointer'],
    ).toBe('/sandbox/scenarios/0/outcome/recorded/interaction');
    // Beside a problem that explains it, the form is not repeated.
    const typo = failure({ config: [{ ...declined, outcome: { recorded: { statuss: 503 } } }] });
    expect(typo.message).toContain('did you mean "status"?');
    expect(typo.message).not.toContain('one form whole');
    const notObject = failure({ config: [{ ...declined, outcome: { recorded: 5 } }] });
    expect(notObject.message).toMatch(
      /at \/sandbox\/scenarios\/0\/outcome\/recorded: must be object$/,
    );
    for (const recorded of [{ cassette: 'balance', interaction: 0 }, { status: 503 }])
      expect(load({ config: [{ ...declined, outcome: { recorded } }] }).scenarios).toHaveLength(1);
  });

  it('a scenario with no triggers loads: it fires only when a request names it', () => {
    expect(load({ config: [{ ...declined, triggers: [] }] }).scenarios[0]!.triggers).toEqual([]);
  });
});
