/**
 * The drift report: per-interaction results (from compare.ts) assembled into totals, per-cassette
 * rows and a verdict, and the fingerprint that names a finding across runs in drift history.
 */
import { hash64 } from './hash.js';
import type {
  CassetteDrift,
  DriftReport,
  DriftTotals,
  Finding,
  InteractionDrift,
  Verdict,
} from './model.js';

/**
 * A stable id for a finding, for history in SQLite: cassette + method + recorded target + kind +
 * place + the stable path (indexes of id-aligned arrays replaced by identities). The same drift
 * seen tomorrow gets the same fingerprint even when elements were inserted before it.
 */
export function fingerprint(
  cassette: string,
  method: string,
  target: string,
  finding: Finding,
): string {
  const where =
    finding.place === 'header' ? finding.path.toLowerCase() : (finding.stablePath ?? finding.path);
  return hash64(
    [cassette, method.toUpperCase(), target, finding.kind, finding.place, where].join('\u0000'),
  );
}

/** Severity summary of one interaction's findings. */
export function summarize(findings: readonly Finding[]): {
  outcome: 'same' | 'drift';
  severity?: 'breaking' | 'non-breaking';
} {
  if (findings.some((f) => f.severity === 'breaking'))
    return { outcome: 'drift', severity: 'breaking' };
  if (findings.some((f) => f.severity === 'non-breaking'))
    return { outcome: 'drift', severity: 'non-breaking' };
  return { outcome: 'same' };
}

/**
 * Builds the report totals, per-cassette rows and verdict from per-interaction results.
 * Interactions are ordered by cassette name then index; the outcome and severity of every checked
 * interaction are recomputed from its findings, so a report cannot disagree with itself.
 */
export function buildReport(input: {
  target: string;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  interactions: InteractionDrift[];
}): DriftReport {
  const interactions = input.interactions
    .map(normalizeInteraction)
    .sort((a, b) =>
      a.cassette === b.cassette ? a.index - b.index : a.cassette < b.cassette ? -1 : 1,
    );
  const count = (i: InteractionDrift, severity: Finding['severity']) =>
    i.outcome === 'unchecked' ? 0 : i.findings.filter((f) => f.severity === severity).length;
  const rows = new Map<string, { -readonly [K in keyof CassetteDrift]: CassetteDrift[K] }>();
  const totals: { -readonly [K in keyof DriftTotals]: DriftTotals[K] } = {
    interactions: interactions.length,
    checked: 0,
    same: 0,
    breaking: 0,
    nonBreaking: 0,
    unchecked: 0,
    skipped: 0,
    noiseFindings: 0,
    breakingFindings: 0,
    nonBreakingFindings: 0,
  };
  for (const i of interactions) {
    let row = rows.get(i.cassette);
    if (!row) {
      row = {
        name: i.cassette,
        interactions: 0,
        breaking: 0,
        nonBreaking: 0,
        unchecked: 0,
        noiseFindings: 0,
      };
      rows.set(i.cassette, row);
    }
    row.interactions += 1;
    if (i.outcome === 'unchecked') {
      totals.unchecked += 1;
      row.unchecked += 1;
      if (i.unchecked?.reason === 'unsafe-method') totals.skipped += 1;
      continue;
    }
    totals.checked += 1;
    if (i.outcome === 'same') totals.same += 1;
    else if (i.severity === 'breaking') {
      totals.breaking += 1;
      row.breaking += 1;
    } else {
      totals.nonBreaking += 1;
      row.nonBreaking += 1;
    }
    const noise = count(i, 'noise');
    totals.noiseFindings += noise;
    row.noiseFindings += noise;
    totals.breakingFindings += count(i, 'breaking');
    totals.nonBreakingFindings += count(i, 'non-breaking');
  }
  const verdict: Verdict =
    totals.breaking > 0
      ? 'breaking'
      : totals.nonBreaking > 0
        ? 'non-breaking'
        : totals.checked === 0 && totals.interactions > 0
          ? 'unchecked'
          : 'clean';
  return {
    version: 1,
    target: input.target,
    startedAt: input.startedAt,
    finishedAt: input.finishedAt,
    durationMs: input.durationMs,
    verdict,
    totals,
    cassettes: [...rows.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
    interactions,
  };
}

function normalizeInteraction(i: InteractionDrift): InteractionDrift {
  if (i.outcome === 'unchecked') {
    const { severity: _drop, ...rest } = i;
    return rest;
  }
  const { severity: _old, outcome: _outcome, ...rest } = i;
  const summary = summarize(i.findings);
  return summary.severity === undefined
    ? { ...rest, outcome: summary.outcome }
    : { ...rest, outcome: summary.outcome, severity: summary.severity };
}
