/**
 * Review findings on the comparison: ways a real change could be lost (a false "clean") or
 * classed too low. Each test failed before its fix.
 */
import { describe, expect, it } from 'vitest';
import type { Body, RecordedResponse } from '../../../src/core/cassette/model.js';
import {
  compareResponses,
  DEFAULT_DRIFT_HEADERS,
  volatilePointers,
  type CompareOptions,
} from '../../../src/core/drift/compare.js';
import { buildReport } from '../../../src/core/drift/report.js';
import type { Finding, InteractionDrift } from '../../../src/core/drift/model.js';
import { verdictParts } from '../../../src/core/drift/verdict.js';
import type { JsonValue } from '../../../src/core/json.js';

const OPTIONS: CompareOptions = { ignore: [], volatile: new Set(), headers: DEFAULT_DRIFT_HEADERS };
const JSON_CT = { 'content-type': 'application/json' };

function res(body: Body | undefined, status = 200): RecordedResponse {
  return { status, headers: JSON_CT, ...(body === undefined ? {} : { body }) };
}
const json = (value: JsonValue): Body => ({ encoding: 'json', json: value });
const text = (value: string): Body => ({ encoding: 'text', text: value });

function brief(findings: readonly Finding[]): string[] {
  return findings.map((f) => `${f.kind} ${f.severity} ${f.path}`);
}

describe('noise learning never hides a change of shape', () => {
  it('a field present in one live call and absent in the other is not learned as noise', () => {
    const first = res(json({ id: 1, plan: 'pro', updated_at: '2026-01-01T00:00:00Z' }));
    const second = res(json({ id: 1, updated_at: '2026-01-01T00:00:05Z' }));
    expect(volatilePointers(first, second)).toEqual(['/updated_at']);
  });

  it('a second live call with another kind of body does not make the whole body noise', () => {
    const first = res(json({ id: 1, plan: 'pro' }));
    expect(volatilePointers(first, res(undefined))).toEqual([]);
    expect(volatilePointers(first, res(text('<html>busy</html>')))).toEqual([]);
  });

  it('a learned pointer hides value changes below it, never a removed field', () => {
    const recorded = res(json({ order: { id: 'o_1', total: 5 } }));
    const live = res(json({ order: { id: 'o_2' } }));
    const findings = compareResponses(recorded, live, {
      ...OPTIONS,
      volatile: new Set(['/order']),
    });
    expect(brief(findings)).toEqual([
      'value-changed noise /order/id',
      'field-removed breaking /order/total',
    ]);
  });

  it('a pinned path (config) still hides a removal: the user asked for it', () => {
    const findings = compareResponses(res(json({ a: 1, b: 2 })), res(json({ a: 1 })), {
      ...OPTIONS,
      ignore: ['$.b'],
    });
    expect(brief(findings)).toEqual(['field-removed noise /b']);
  });
});

describe('JSON that is stored as text is still compared as JSON', () => {
  // The body codec stores JSON as text when its bytes would not round-trip (a trailing newline,
  // four-space indents): the comparison must still see fields, not one hash.
  it('finds a removed field in JSON bodies stored as text', () => {
    const recorded = res(text('{"id":1,"name":"a","created_at":"2026-01-01T00:00:00Z"}\n'));
    const live = res(text('{"id":1,"created_at":"2026-03-01T10:00:00Z"}\n'));
    expect(brief(compareResponses(recorded, live, OPTIONS))).toEqual([
      'value-changed noise /created_at',
      'field-removed breaking /name',
    ]);
  });

  it('compares a JSON recording with JSON that now arrives in another layout', () => {
    const recorded = res(json({ id: 1, tags: ['a'] }));
    const live = res(text('{\n    "id": 1,\n    "tags": ["a"]\n}\n'));
    expect(compareResponses(recorded, live, OPTIONS)).toEqual([]);
  });

  it('a JSON recording answered live by something that is not JSON is breaking', () => {
    const recorded = res(json({ id: 1 }));
    for (const live of [res(text('<html>maintenance</html>')), res(undefined)]) {
      const findings = compareResponses(recorded, live, OPTIONS);
      expect(brief(findings)).toEqual(['body-changed breaking ']);
    }
  });

  it('never loses a change to a number too long for a double (compared as text then)', () => {
    const recorded = res(text('{"id":12345678901234567890}\n'));
    const live = res(text('{"id":12345678901234567891}\n'));
    expect(brief(compareResponses(recorded, live, OPTIONS))).toEqual([
      'body-changed non-breaking ',
    ]);
    expect(compareResponses(recorded, res(text('{"id":12345678901234567890}\n')), OPTIONS)).toEqual(
      [],
    );
  });

  it('a body that appears where the recording had none is non-breaking', () => {
    expect(brief(compareResponses(res(undefined), res(json({ ok: true })), OPTIONS))).toEqual([
      'body-changed non-breaking ',
    ]);
  });
});

describe('a run that checked nothing is not clean', () => {
  const unchecked = (
    index: number,
    reason: 'rate-limited' | 'unsafe-method',
  ): InteractionDrift => ({
    cassette: 'c',
    index,
    method: 'GET',
    target: `/x/${index}`,
    recordedStatus: 200,
    outcome: 'unchecked',
    findings: [],
    unchecked: { reason, detail: 'd' },
  });
  const report = (interactions: InteractionDrift[]) =>
    buildReport({ target: 't', startedAt: 's', finishedAt: 'f', durationMs: 0, interactions });

  it('says so in the verdict and the headline', () => {
    const r = report([unchecked(0, 'rate-limited'), unchecked(1, 'unsafe-method')]);
    expect(r.verdict).toBe('unchecked');
    expect(verdictParts(r)).toEqual({
      headline: 'Nothing checked',
      rest: '2 interactions could not be checked',
    });
  });

  it('an empty cassette set is still clean (there was nothing to check)', () => {
    expect(report([]).verdict).toBe('clean');
  });
});
