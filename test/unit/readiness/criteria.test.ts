import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CRITERIA_NAME, loadCriteria } from '../../../src/app/readiness/criteria.js';
import { TapedeckError } from '../../../src/core/errors.js';
import { parseCriteria } from '../../../src/core/readiness/criteria.js';
import { DEFAULT_CRITERIA } from '../../../src/core/readiness/defaults.js';
import {
  readinessCriteriaSchema,
  readinessReportSchema,
} from '../../../src/core/readiness/schema.js';
import { sha256Hex } from '../../../src/core/readiness/sha256.js';
import { compileValidator } from '../../../src/core/validation.js';
import { tempDir } from '../../helpers/tmp.js';

const read = (file: string): unknown =>
  JSON.parse(readFileSync(new URL(`../../../${file}`, import.meta.url), 'utf8'));

function refusal(text: string, file = 'readiness.json'): TapedeckError {
  try {
    parseCriteria(text, file);
  } catch (error) {
    if (error instanceof TapedeckError) return error;
    throw error;
  }
  throw new Error('parsed');
}

describe('the shipped readiness schemas', () => {
  it('schemas/readiness-criteria.schema.json is the schema the code validates with (run `npm run schemas` after a change)', () => {
    expect(read('schemas/readiness-criteria.schema.json')).toEqual(readinessCriteriaSchema);
  });

  it('schemas/readiness-report.schema.json is the report schema in the code', () => {
    expect(read('schemas/readiness-report.schema.json')).toEqual(readinessReportSchema);
  });

  it('the defaults validate against the criteria schema', () => {
    expect(compileValidator(readinessCriteriaSchema)(DEFAULT_CRITERIA).ok).toBe(true);
    expect(DEFAULT_CRITERIA.criteria.map((c) => c.id)).toEqual([
      'retry-after',
      'idempotent-retry',
      'webhooks-acknowledged',
      'webhook-duplicate',
      'webhook-signature',
      'pagination',
      'error-rate',
      'latency-p95',
      'spec-conformance',
    ]);
  });
});

describe('reading a criteria file', () => {
  it('reads JSON with comments, every kind', () => {
    const criteria = parseCriteria(
      `{
        // Acme's go-live bar
        "$schema": "../schemas/readiness-criteria.schema.json",
        "name": "Acme payments go-live",
        "criteria": [
          { "id": "ops", "kind": "operations", "operations": ["PostCustomers", { "operation": "PostRefunds", "min": 2 }] },
          { "id": "declines", "kind": "scenario", "scenario": "card_declined", "then": ["PostPaymentMethods"], "within": 3 },
          { "id": "retry-after", "kind": "retry-after", "title": "Backs off", "next": "Read the docs." },
          { "id": "idem", "kind": "idempotent-retry", "required": false },
          { "id": "hooks", "kind": "webhooks-acknowledged", "withinMs": 5000, "minShare": 0.9 },
          { "id": "dup", "kind": "webhook-duplicate", "windowMs": 60000 },
          { "id": "sig", "kind": "webhook-signature" },
          { "id": "pages", "kind": "pagination" },
          { "id": "errors", "kind": "error-rate", "max": 0.01 },
          { "id": "p95", "kind": "latency-p95", "maxMs": 300 },
          { "id": "spec", "kind": "spec-conformance", "last": 50 } /* the last 50 */
        ]
      }`,
      'acme.jsonc',
    );
    expect(criteria.name).toBe('Acme payments go-live');
    expect(criteria.criteria.map((c) => c.kind)).toHaveLength(11);
    expect(criteria.criteria[1]).toEqual({
      id: 'declines',
      kind: 'scenario',
      scenario: 'card_declined',
      then: ['PostPaymentMethods'],
      within: 3,
    });
  });

  it('refuses bad JSON, naming the file and the place', () => {
    const error = refusal('{\n  "name": "x",\n  "criteria": [\n}');
    expect(error.code).toBe('TD_READINESS_CRITERIA_INVALID');
    expect(error.message).toMatch(
      /^Readiness criteria file readiness\.json is not valid JSON( at line 4, column 1)?: /,
    );
    expect(error.details).toEqual({ file: 'readiness.json', pointer: '' });
    expect(error.hint).toContain('schemas/readiness-criteria.schema.json');
  });

  it('refuses a schema violation with its JSON pointer', () => {
    const error = refusal(
      JSON.stringify({ name: 'x', criteria: [{ id: 'e', kind: 'error-rate', max: 5 }] }),
    );
    expect(error.code).toBe('TD_READINESS_CRITERIA_INVALID');
    expect(error.details).toEqual({ file: 'readiness.json', pointer: '/criteria/0/max' });
    expect(error.message).toBe(
      'Readiness criteria file readiness.json at /criteria/0/max: must be <= 1.',
    );
  });

  it('refuses a member another kind has, saying which are allowed', () => {
    const error = refusal(
      JSON.stringify({ name: 'x', criteria: [{ id: 'p', kind: 'pagination', maxMs: 5 }] }),
    );
    expect(error.details).toEqual({ file: 'readiness.json', pointer: '/criteria/0/maxMs' });
    expect(error.message).toContain('is not a known property');
    expect(error.message).toContain('Allowed here: id, title, required, next, kind');
  });

  it('refuses an unknown or missing kind in words, with the nearest kind', () => {
    const error = refusal(
      JSON.stringify({ name: 'x', criteria: [{ id: 'a', kind: 'retry-afer' }, { id: 'b' }] }),
    );
    expect(error.code).toBe('TD_READINESS_CRITERIA_INVALID');
    expect(error.details).toEqual({ file: 'readiness.json', pointer: '/criteria/0/kind' });
    expect(error.message).toContain(
      '"retry-afer" is no kind of criterion; did you mean "retry-after"?',
    );
    expect(error.message).toContain('at /criteria/1: must have a "kind": one of "operations"');
  });

  it('refuses ids used twice', () => {
    const error = refusal(
      JSON.stringify({
        name: 'x',
        criteria: [
          { id: 'sig', kind: 'webhook-signature' },
          { id: 'sig', kind: 'pagination' },
        ],
      }),
    );
    expect(error.code).toBe('TD_READINESS_CRITERIA_INVALID');
    expect(error.details).toEqual({ file: 'readiness.json', pointer: '/criteria/1/id' });
    expect(error.message).toContain('"sig" is the id of /criteria/0 too');
  });

  it('refuses a bad id, an empty list and a file that is no object', () => {
    expect(
      refusal(JSON.stringify({ name: 'x', criteria: [{ id: 'Bad Id', kind: 'pagination' }] }))
        .details,
    ).toEqual({ file: 'readiness.json', pointer: '/criteria/0/id' });
    expect(refusal(JSON.stringify({ name: 'x', criteria: [] })).details).toEqual({
      file: 'readiness.json',
      pointer: '/criteria',
    });
    expect(refusal('[]').message).toContain('must be an object');
  });
});

describe('loading criteria from disk', () => {
  it('without a file: the defaults, versioned by their canonical JSON', () => {
    const loaded = loadCriteria(undefined);
    expect(loaded.criteria).toBe(DEFAULT_CRITERIA);
    expect(loaded.version.name).toBe(DEFAULT_CRITERIA_NAME);
    expect(loaded.version.hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(loadCriteria(undefined).version).toEqual(loaded.version);
  });

  it('a file: its criteria, versioned by the hash of its bytes', () => {
    const file = join(tempDir(), 'criteria.json');
    const text = JSON.stringify({ name: 'x', criteria: [{ id: 'p', kind: 'pagination' }] });
    writeFileSync(file, text);
    const loaded = loadCriteria(file);
    expect(loaded.criteria.criteria).toEqual([{ id: 'p', kind: 'pagination' }]);
    expect(loaded.version).toEqual({
      name: file,
      hash: `sha256:${createHash('sha256').update(text).digest('hex')}`,
    });
  });

  it('a file that does not exist or does not load is TD_READINESS_CRITERIA_INVALID naming it', () => {
    const dir = tempDir();
    expect(() => loadCriteria(join(dir, 'nope.json'))).toThrow(
      expect.objectContaining({
        code: 'TD_READINESS_CRITERIA_INVALID',
        details: { file: join(dir, 'nope.json'), pointer: '' },
      }) as Error,
    );
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"name": "x", "criteria": [{"id": "a", "kind": "pagination", "x": 1}]}');
    expect(() => loadCriteria(bad)).toThrow(
      expect.objectContaining({
        code: 'TD_READINESS_CRITERIA_INVALID',
        details: { file: bad, pointer: '/criteria/0/x' },
      }) as Error,
    );
  });
});

describe('sha256', () => {
  it('agrees with node:crypto on the standard vectors and on random text', () => {
    const texts = ['', 'abc', 'a'.repeat(55), 'a'.repeat(56), 'a'.repeat(64), 'é✓😀'.repeat(50)];
    // Seeded text (a linear congruential generator): any failure names the text.
    let seed = 16;
    const next = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31);
    for (let i = 0; i < 20; i++)
      texts.push(
        String.fromCharCode(...Array.from({ length: i * 13 }, () => 32 + (next() % 0x2000))),
      );
    for (const text of texts)
      expect(sha256Hex(text), JSON.stringify(text)).toBe(
        createHash('sha256').update(text).digest('hex'),
      );
    expect(sha256Hex('abc')).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });
});
