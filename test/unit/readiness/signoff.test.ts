import { describe, expect, it } from 'vitest';
import { DEFAULT_CRITERIA } from '../../../src/core/readiness/defaults.js';
import { evaluate } from '../../../src/core/readiness/evaluate.js';
import { readinessReportSchema } from '../../../src/core/readiness/schema.js';
import { signoffOf, signoffStatus, withSignoff } from '../../../src/core/readiness/signoff.js';
import { compileValidator } from '../../../src/core/validation.js';
import { evidenceOf, goodDeliveries, goodRequests, HASH, T0 } from './fixture.js';

const NOW = T0 + 61_000;
const validate = compileValidator(readinessReportSchema);

describe('sign-off', () => {
  const report = evaluate(DEFAULT_CRITERIA, evidenceOf(), NOW);
  const signed = signoffOf(report, { by: 'ada', at: NOW, note: 'pilot' });

  it('records the report hash, the inputs and the verdicts', () => {
    expect(signed).toEqual({
      tenant: 'ten_1',
      by: 'ada',
      note: 'pilot',
      at: NOW,
      reportHash: report.hash,
      criteriaHash: HASH('c'),
      specHash: HASH('a'),
      cassettes: { charges: HASH('b') },
      verdicts: Object.fromEntries(report.criteria.map((c) => [c.id, 'pass'])),
    });
  });

  it('holds for a later report of the same verdicts against the same inputs', () => {
    const later = evaluate(DEFAULT_CRITERIA, evidenceOf(), NOW + 3_600_000);
    expect(signoffStatus(signed, later)).toEqual({
      by: 'ada',
      at: NOW,
      note: 'pilot',
      holds: true,
      changed: [],
    });
  });

  it('says what changed: criteria, spec, each cassette, each verdict', () => {
    const requests = goodRequests();
    delete requests['list3'];
    const versions = {
      spec: { name: 'stripe-openapi.json', hash: HASH('d') },
      cassettes: [
        { name: 'charges', hash: HASH('e') },
        { name: 'refunds', hash: HASH('f') },
      ],
      criteria: { name: 'defaults', hash: HASH('9') },
    };
    const later = evaluate(
      DEFAULT_CRITERIA,
      evidenceOf(requests, goodDeliveries(), { versions }),
      NOW,
    );
    const status = signoffStatus(signed, later);
    expect(status.holds).toBe(false);
    expect(status.changed).toEqual([
      'criteria',
      'spec',
      'cassettes: charges',
      'cassettes: refunds (new)',
      'report: pagination now fail',
    ]);
  });

  it('names criteria added and gone, and a cassette gone', () => {
    const fewer = {
      name: 'x',
      criteria: [...DEFAULT_CRITERIA.criteria.slice(1), { id: 'p2', kind: 'pagination' as const }],
    };
    const versions = { ...evidenceOf().versions, cassettes: [] };
    const later = evaluate(fewer, evidenceOf(goodRequests(), goodDeliveries(), { versions }), NOW);
    expect(signoffStatus(signed, later).changed).toEqual([
      'cassettes: charges (gone)',
      'report: p2 (new, pass)',
      'report: retry-after (gone)',
    ]);
  });

  it('a report hash that differs with nothing else listed says "report"', () => {
    expect(signoffStatus({ ...signed, reportHash: HASH('0') }, report).changed).toEqual(['report']);
  });

  it('withSignoff puts the status in the report, which still validates', () => {
    const withStatus = withSignoff(report, signed);
    expect(withStatus.signoff?.holds).toBe(true);
    expect(withSignoff(report, undefined)).toBe(report);
    expect(validate(JSON.parse(JSON.stringify(withStatus))).ok).toBe(true);
  });
});

describe('the report JSON schema', () => {
  it('validates reports of every verdict, through their JSON form', () => {
    const reports = [
      evaluate(DEFAULT_CRITERIA, evidenceOf(), NOW),
      evaluate(DEFAULT_CRITERIA, evidenceOf({}, {}, { since: T0 }), NOW),
      evaluate(
        {
          name: 'ops',
          criteria: [
            { id: 'o', kind: 'operations', operations: ['PostRefunds', 'PostCustomers'] },
            { id: 's', kind: 'scenario', scenario: 'card_declined', then: ['Nope'] },
          ],
        },
        evidenceOf(),
        NOW,
      ),
    ];
    for (const report of reports) {
      const json = JSON.parse(JSON.stringify(report)) as unknown;
      expect(validate(json)).toEqual({ ok: true, value: json });
    }
  });

  it('refuses what the format does not allow, naming the place', () => {
    const json = JSON.parse(JSON.stringify(evaluate(DEFAULT_CRITERIA, evidenceOf(), NOW))) as {
      criteria: { verdict: string }[];
    };
    json.criteria[2]!.verdict = 'maybe';
    const result = validate(json);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems[0]!.pointer).toBe('/criteria/2/verdict');
  });
});
