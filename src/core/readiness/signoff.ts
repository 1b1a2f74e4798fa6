/**
 * Sign-off against a report (issue 16): what a sign-off records of the report it signs, and
 * whether a later report still matches it. Pure; the store is core/ports/readiness.ts.
 */
import type { Signoff } from '../ports/readiness.js';
import type { ReadinessReport, SignoffStatus } from './types.js';

/** The sign-off of a report: its hash, its inputs' hashes and its verdicts. */
export function signoffOf(
  report: ReadinessReport,
  who: { readonly by: string; readonly at: number; readonly note?: string },
): Signoff {
  const v = report.versions;
  return {
    tenant: report.tenant.id,
    by: who.by,
    ...(who.note === undefined ? {} : { note: who.note }),
    at: who.at,
    reportHash: report.hash,
    criteriaHash: v.criteria.hash,
    ...(v.spec === undefined ? {} : { specHash: v.spec.hash }),
    cassettes: Object.fromEntries(v.cassettes.map((c) => [c.name, c.hash])),
    verdicts: Object.fromEntries(report.criteria.map((c) => [c.id, c.verdict])),
  };
}

/**
 * Whether the sign-off still holds for this report, and if not, what changed: `criteria`,
 * `spec`, `cassettes: NAME` (changed, `(new)` or `(gone)`), `report: ID now VERDICT` (or
 * `(new, VERDICT)`, `(gone)`), in that order. A report whose hash differs with none of those
 * (an input renamed) says `report`.
 */
export function signoffStatus(signoff: Signoff, report: ReadinessReport): SignoffStatus {
  const changed: string[] = [];
  const v = report.versions;
  if (v.criteria.hash !== signoff.criteriaHash) changed.push('criteria');
  if (v.spec?.hash !== signoff.specHash) changed.push('spec');
  const now = new Map(v.cassettes.map((c) => [c.name, c.hash]));
  const signed = new Map(Object.entries(signoff.cassettes));
  for (const name of [...new Set([...signed.keys(), ...now.keys()])].sort()) {
    const before = signed.get(name);
    const after = now.get(name);
    if (before === after) continue;
    changed.push(
      `cassettes: ${name}${before === undefined ? ' (new)' : after === undefined ? ' (gone)' : ''}`,
    );
  }
  const verdicts = new Map(Object.entries(signoff.verdicts));
  for (const c of report.criteria) {
    const before = verdicts.get(c.id);
    if (before === undefined) changed.push(`report: ${c.id} (new, ${c.verdict})`);
    else if (before !== c.verdict) changed.push(`report: ${c.id} now ${c.verdict}`);
  }
  const ids = new Set(report.criteria.map((c) => c.id));
  for (const id of verdicts.keys()) if (!ids.has(id)) changed.push(`report: ${id} (gone)`);
  if (changed.length === 0 && report.hash !== signoff.reportHash) changed.push('report');
  return {
    by: signoff.by,
    at: signoff.at,
    ...(signoff.note === undefined ? {} : { note: signoff.note }),
    holds: changed.length === 0,
    changed,
  };
}

/** The report with the status of the tenant's newest sign-off (none: the report as it is). */
export function withSignoff(
  report: ReadinessReport,
  signoff: Signoff | undefined,
): ReadinessReport {
  return signoff === undefined ? report : { ...report, signoff: signoffStatus(signoff, report) };
}
