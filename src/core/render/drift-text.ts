/**
 * The drift summary printed at the end of `tapedeck drift`: the verdict, a counts table, the top
 * findings and what could not be checked. Colour only through the Style the caller passes in.
 */
import type { DriftReport } from '../drift/model.js';
import {
  bySeverity,
  describeAge,
  driftedInteractions,
  findingAge,
  findingWhere,
  SEVERITY_ORDER,
  UNCHECKED_REASON_TEXT,
  verdictParts,
} from '../drift/verdict.js';
import { clip, padEnd, type Style } from './text.js';

const TOP_FINDINGS = 15;

/** Response data never reaches the terminal raw: no escape sequences, no carriage returns. */
function safe(s: string, max: number): string {
  // eslint-disable-next-line no-control-regex
  return clip(s, max).replace(/[\u0000-\u001f\u007f-\u009f]/g, '�');
}
const UNCHECKED_LISTED = 10;

export function renderDriftSummary(report: DriftReport, style: Style): string {
  const t = report.totals;
  const lines: string[] = [];
  const { headline, rest } = verdictParts(report);
  const colour =
    report.verdict === 'breaking'
      ? style.red
      : report.verdict === 'non-breaking' || report.verdict === 'unchecked'
        ? style.yellow
        : style.green;
  lines.push(`${style.bold(colour(headline))} ${rest}`);
  lines.push(
    style.dim(`target ${safe(report.target, 100)} · ${(report.durationMs / 1000).toFixed(1)} s`),
  );
  lines.push('');
  const row = (label: string, interactions: string, findings: string) =>
    `  ${padEnd(label, 17)}${padEnd(interactions, 14)}${findings}`.trimEnd();
  lines.push(style.dim(row('', 'interactions', 'findings')));
  lines.push(row('breaking', String(t.breaking), String(t.breakingFindings)));
  lines.push(row('non-breaking', String(t.nonBreaking), String(t.nonBreakingFindings)));
  lines.push(row('noise', '-', String(t.noiseFindings)));
  lines.push(row('same', String(t.same), '-'));
  lines.push(row('could not check', String(t.unchecked), '-'));

  const top: string[] = [];
  let total = 0;
  // Breaking findings of every interaction before any non-breaking one.
  const ranked = driftedInteractions(report).flatMap((i) =>
    bySeverity(i.findings).map((f) => ({ i, f })),
  );
  ranked.sort((a, b) => SEVERITY_ORDER[a.f.severity] - SEVERITY_ORDER[b.f.severity]);
  for (const { i, f } of ranked) {
    if (f.severity === 'noise') continue;
    total += 1;
    if (top.length >= TOP_FINDINGS) continue;
    const label =
      f.severity === 'breaking' ? style.red('BREAKING    ') : style.yellow('non-breaking');
    const change =
      f.recorded !== undefined || f.live !== undefined
        ? `  ${safe(f.recorded ?? '∅', 30)} → ${safe(f.live ?? '∅', 30)}`
        : '';
    const age = describeAge(findingAge(i, f, report.finishedAt));
    top.push(
      `  ${label}  ${safe(i.method, 10)} ${safe(i.target, 50)}  ${style.dim(`${safe(i.cassette, 60)} #${i.index}`)}  ${f.kind} ${safe(findingWhere(f), 60)}${change}${age === undefined ? '' : style.dim(`  (${age})`)}`,
    );
  }
  if (top.length > 0) {
    lines.push('');
    lines.push(style.bold('Top findings:'));
    lines.push(...top);
    if (total > top.length)
      lines.push(style.dim(`  … and ${total - top.length} more (see the Markdown or JSON report)`));
  }

  const unchecked = report.interactions.filter((i) => i.outcome === 'unchecked');
  if (unchecked.length > 0) {
    lines.push('');
    lines.push(style.bold('Could not check (not drift):'));
    for (const i of unchecked.slice(0, UNCHECKED_LISTED)) {
      const reason = i.unchecked ? UNCHECKED_REASON_TEXT[i.unchecked.reason] : 'unknown';
      const detail = i.unchecked?.detail ? `: ${safe(i.unchecked.detail, 80)}` : '';
      lines.push(
        `  ${safe(i.cassette, 60)} #${i.index}  ${safe(i.method, 10)} ${safe(i.target, 50)}  ${reason}${detail}`,
      );
    }
    if (unchecked.length > UNCHECKED_LISTED)
      lines.push(style.dim(`  … and ${unchecked.length - UNCHECKED_LISTED} more`));
  }
  return `${lines.join('\n')}\n`;
}
