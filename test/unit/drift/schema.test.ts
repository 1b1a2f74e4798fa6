import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildReport } from '../../../src/core/drift/report.js';
import { driftReportSchema } from '../../../src/core/drift/schema.js';
import { compileValidator } from '../../../src/core/validation.js';
import { sampleReport } from './fixture.js';

const validate = compileValidator(driftReportSchema);

describe('drift report JSON schema', () => {
  it('schemas/drift-report.schema.json is the schema in the code', () => {
    const shipped: unknown = JSON.parse(
      readFileSync(new URL('../../../schemas/drift-report.schema.json', import.meta.url), 'utf8'),
    );
    expect(shipped).toEqual(driftReportSchema);
  });

  it('a built report (every kind of entry) validates, through its JSON form', () => {
    const report = JSON.parse(JSON.stringify(sampleReport())) as unknown;
    expect(validate(report)).toEqual({ ok: true, value: report });
    const empty = buildReport({
      target: 't',
      startedAt: 's',
      finishedAt: 'f',
      durationMs: 0,
      interactions: [],
    });
    expect(validate(empty).ok).toBe(true);
  });

  it('rejects what the format does not allow, naming the place', () => {
    const report = JSON.parse(JSON.stringify(sampleReport())) as {
      interactions: { findings: { kind: string }[] }[];
    };
    const at = report.interactions.findIndex((i) => i.findings.length > 0);
    report.interactions[at]!.findings[0]!.kind = 'made-up';
    const result = validate(report);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems[0]!.pointer).toBe(`/interactions/${at}/findings/0/kind`);
    expect(validate({ ...sampleReport(), version: 2 }).ok).toBe(false);
  });
});
