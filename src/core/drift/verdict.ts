/**
 * Words shared by the drift renderers (Markdown, terminal), so the PR comment and the terminal
 * summary say the same thing in the same order.
 */
import { fingerprint } from './report.js';
import type { DriftReport, Finding, InteractionDrift, UncheckedReason } from './model.js';

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/**
 * The verdict in two parts: the headline (`Drift: 2 breaking, 3 non-breaking` or `No drift`)
 * and the rest (`in 5 of 40 interactions; 12 differences were noise; 1 could not be checked`).
 */
export function verdictParts(report: DriftReport): { headline: string; rest: string } {
  const t = report.totals;
  const drifted = t.breaking + t.nonBreaking;
  const extra: string[] = [];
  if (t.noiseFindings > 0)
    extra.push(
      `${plural(t.noiseFindings, 'difference')} ${t.noiseFindings === 1 ? 'was' : 'were'} noise`,
    );
  if (t.unchecked > 0) extra.push(`${t.unchecked} could not be checked`);
  const tail = extra.length > 0 ? `; ${extra.join('; ')}` : '';
  if (report.verdict === 'unchecked') {
    return {
      headline: 'Nothing checked',
      rest: `${plural(t.unchecked, 'interaction')} could not be checked`,
    };
  }
  if (report.verdict === 'clean') {
    return {
      headline: 'No drift',
      rest: `in ${t.checked} checked of ${plural(t.interactions, 'interaction')}${tail}`,
    };
  }
  const parts: string[] = [];
  if (t.breaking > 0) parts.push(`${t.breaking} breaking`);
  if (t.nonBreaking > 0) parts.push(`${t.nonBreaking} non-breaking`);
  return {
    headline: `Drift: ${parts.join(', ')}`,
    rest: `in ${drifted} of ${plural(t.interactions, 'interaction')}${tail}`,
  };
}

export const SEVERITY_ORDER: Readonly<Record<Finding['severity'], number>> = {
  breaking: 0,
  'non-breaking': 1,
  noise: 2,
};

/** Findings most severe first; the comparison order is kept within a severity. */
export function bySeverity(findings: readonly Finding[]): Finding[] {
  return findings
    .map((f, i) => ({ f, i }))
    .sort((a, b) => SEVERITY_ORDER[a.f.severity] - SEVERITY_ORDER[b.f.severity] || a.i - b.i)
    .map(({ f }) => f);
}

/** Drifted interactions, breaking first, then in report order (cassette, index). */
export function driftedInteractions(report: DriftReport): InteractionDrift[] {
  const drifted = report.interactions.filter((i) => i.outcome === 'drift');
  return [
    ...drifted.filter((i) => i.severity === 'breaking'),
    ...drifted.filter((i) => i.severity !== 'breaking'),
  ];
}

const DAY_MS = 86_400_000;

/**
 * How long a finding has been known, from the history the job attached (`firstSeen`), measured
 * at `now` (the report's finishedAt: renderers never read a clock). Undefined without history.
 */
export function findingAge(
  interaction: InteractionDrift,
  finding: Finding,
  now: string,
): { isNew: true } | { isNew: false; days: number } | undefined {
  if (interaction.firstSeen === undefined) return undefined;
  const id = fingerprint(interaction.cassette, interaction.method, interaction.target, finding);
  const seen = Object.hasOwn(interaction.firstSeen, id) ? interaction.firstSeen[id] : undefined;
  if (seen === undefined) return { isNew: true };
  const from = Date.parse(seen);
  const to = Date.parse(now);
  if (Number.isNaN(from) || Number.isNaN(to)) return { isNew: false, days: 0 };
  return { isNew: false, days: Math.max(0, Math.floor((to - from) / DAY_MS)) };
}

/** `new since last run`, `known since today`, `known for 12 days`. */
export function describeAge(age: ReturnType<typeof findingAge>): string | undefined {
  if (age === undefined) return undefined;
  if (age.isNew) return 'new since last run';
  if (age.days === 0) return 'known since today';
  return `known for ${plural(age.days, 'day')}`;
}

/** The age of an interaction's drift: new when any non-noise finding is new, else the oldest. */
export function interactionAge(
  interaction: InteractionDrift,
  now: string,
): ReturnType<typeof findingAge> {
  let oldest: ReturnType<typeof findingAge>;
  for (const f of interaction.findings) {
    if (f.severity === 'noise') continue;
    const age = findingAge(interaction, f, now);
    if (age === undefined) return undefined;
    if (age.isNew) return age;
    if (oldest === undefined || (!oldest.isNew && age.days > oldest.days)) oldest = age;
  }
  return oldest;
}

export const UNCHECKED_REASON_TEXT: Readonly<Record<UncheckedReason, string>> = {
  timeout: 'timed out',
  network: 'network error',
  'rate-limited': 'rate limited (429)',
  'upstream-unavailable': 'upstream unavailable',
  'unreadable-body': 'body too large or not decodable',
  'internal-error': 'tapedeck failed on this step (see the log)',
  'unsafe-method': 'skipped: unsafe method not marked replayable',
  'flow-broken': 'an earlier step of its flow could not be checked',
  'not-allowed': 'target host not allowed',
  'credential-not-mapped': 'credential not mapped',
};

/** Where a finding is, for people: `status`, `header etag`, `/data/0/email`, `body`. */
export function findingWhere(f: Finding): string {
  switch (f.place) {
    case 'status':
      return 'status';
    case 'header':
      return `header ${f.path}`;
    case 'body':
      return f.path === '' ? 'body' : f.path;
  }
}

export { plural };
