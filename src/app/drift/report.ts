/**
 * What a finished drift run means for the command: does it fail at the `--fail-on` level, did it
 * check nothing at all, and the Markdown that goes to a file or a pull-request comment.
 */
import type { DriftReport } from '../../core/drift/model.js';
import { UNCHECKED_REASON_TEXT } from '../../core/drift/verdict.js';
import { TapedeckError } from '../../core/errors.js';
import { renderDriftMarkdown } from '../../core/render/drift-markdown.js';
import type { FailOn } from '../../core/modes.js';
import { GITHUB_COMMENT_LIMIT } from './github.js';
import type { DriftRun } from './run.js';

/** Does the report fail the run at this `--fail-on` level? */
export function driftFails(report: DriftReport, failOn: FailOn): boolean {
  switch (failOn) {
    case 'breaking':
      return report.totals.breaking > 0;
    case 'any':
      return report.totals.breaking + report.totals.nonBreaking > 0;
    case 'none':
      return false;
  }
}

/**
 * Why a run checked nothing (verdict `unchecked`: exit 4, never "clean"), as `5 timed out, 2
 * rate limited (429)`; undefined when something was checked.
 */
export function nothingChecked(report: DriftReport): string | undefined {
  if (report.verdict !== 'unchecked') return undefined;
  const reasons = new Map<string, number>();
  for (const i of report.interactions) {
    const text = i.unchecked === undefined ? 'unknown' : UNCHECKED_REASON_TEXT[i.unchecked.reason];
    reasons.set(text, (reasons.get(text) ?? 0) + 1);
  }
  return [...reasons].map(([text, n]) => `${n} ${text}`).join(', ');
}

/**
 * The run's result as the command's outcome: TD_DRIFT_UNCHECKED when nothing could be checked
 * (that is never "clean"), TD_DRIFT_FOUND when drift reaches `--fail-on`, else undefined.
 */
export function driftOutcomeError(report: DriftReport, failOn: FailOn): TapedeckError | undefined {
  const why = nothingChecked(report);
  if (why !== undefined) {
    return new TapedeckError(
      'TD_DRIFT_UNCHECKED',
      `none of the ${report.totals.interactions} interaction(s) could be checked against ${report.target} (${why}).`,
      {
        hint: 'Check --target and that the API is up; mark unsafe requests "replayable" to check them (docs/drift.md).',
        details: { target: report.target, interactions: report.totals.interactions },
      },
    );
  }
  if (driftFails(report, failOn)) {
    const { breaking, nonBreaking } = report.totals;
    return new TapedeckError(
      'TD_DRIFT_FOUND',
      `drift found (${breaking} breaking, ${nonBreaking} non-breaking interaction(s)) at --fail-on ${failOn}.`,
      { details: { breaking, nonBreaking, failOn } },
    );
  }
  return undefined;
}

/** The run's page on GitHub Actions, when running there. */
export function actionsRunUrl(
  env: Readonly<Record<string, string | undefined>>,
): string | undefined {
  const server = env['GITHUB_SERVER_URL'];
  const repo = env['GITHUB_REPOSITORY'];
  const id = env['GITHUB_RUN_ID'];
  return server && repo && id ? `${server}/${repo}/actions/runs/${id}` : undefined;
}

/** The Markdown report, with what `--update` re-recorded after it. */
export function driftMarkdown(
  run: DriftRun,
  options: { maxDetails?: number; runUrl?: string } = {},
): string {
  let text = renderDriftMarkdown(run.report, options);
  if (run.updated.length > 0 || run.notUpdated.length > 0) {
    const lines = ['', `### Re-recorded with \`--update\` (${run.updated.length})`, ''];
    for (const u of run.updated)
      lines.push(`- \`${u.cassette}\` #${u.index} \`${u.method} ${u.target}\``);
    for (const u of run.notUpdated)
      lines.push(
        `- not updated: \`${u.cassette}\` #${u.index} \`${u.method} ${u.target}\`: ${u.why}`,
      );
    text = `${text.replace(/\n+$/, '')}\n${lines.join('\n')}\n`;
  }
  return text;
}

/** The comment body for GitHub: as many details as fit GitHub's limit. */
export function commentBody(run: DriftRun, runUrl: string | undefined): string {
  const base = runUrl === undefined ? {} : { runUrl };
  for (const maxDetails of [undefined, 100, 40, 10, 0]) {
    const body = driftMarkdown(run, maxDetails === undefined ? base : { ...base, maxDetails });
    if (body.length <= GITHUB_COMMENT_LIMIT) return body;
  }
  return driftMarkdown(run, { ...base, maxDetails: 0 }).slice(0, GITHUB_COMMENT_LIMIT);
}

export interface ReportFiles {
  /** `--out FILE`: the Markdown report. */
  readonly out?: string;
  /** `--json FILE`: the JSON report. */
  readonly json?: string;
}

/** The report files to write, as [file, text] in order: Markdown, then JSON. */
export function reportFileTexts(
  run: DriftRun,
  files: ReportFiles,
  env: Readonly<Record<string, string | undefined>>,
): [string, string][] {
  const runUrl = actionsRunUrl(env);
  const out: [string, string][] = [];
  if (files.out !== undefined)
    out.push([files.out, driftMarkdown(run, runUrl === undefined ? {} : { runUrl })]);
  if (files.json !== undefined) out.push([files.json, `${JSON.stringify(run.report, null, 2)}\n`]);
  return out;
}
