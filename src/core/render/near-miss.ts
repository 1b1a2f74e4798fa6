import { problemType, type Problem } from '../http/problem.js';
import type { NearMiss } from '../matching/index.js';
import type { FieldOutcome } from '../matching/match.js';
import {
  REDACTED_PLACEHOLDER,
  requestLine,
  type NormalizedRequest,
} from '../matching/normalize.js';
import { clip, padEnd, PLAIN, type Style } from './text.js';

export interface MissReport {
  readonly request: NormalizedRequest;
  readonly session: string;
  /** The cassette the request named with x-tapedeck-cassette, if any. */
  readonly cassette?: string;
  readonly nearest: readonly NearMiss[];
  /** Total recorded interactions loaded, so "nothing is recorded" is said plainly. */
  readonly loaded: number;
}

/** Body values are JSON already (`"usd"`, `2`); other fields are plain strings, shown quoted. */
function show(field: string, value: string): string {
  return field.startsWith('body') ? clip(value) : JSON.stringify(clip(value));
}

function describeOutcome(f: FieldOutcome): string {
  if (f.kind === 'match') return f.expected === undefined ? '' : clip(f.expected);
  if (f.expected === undefined && f.actual === undefined) return '';
  if (f.expected === undefined) return `not recorded; request has ${show(f.field, f.actual!)}`;
  if (f.actual === undefined) return `recorded ${show(f.field, f.expected)}; request has none`;
  const both = `recorded ${show(f.field, f.expected)}, request has ${show(f.field, f.actual)}`;
  // A value the recorder redacted where this request has a plain one: most often a value it
  // learned from an answer (a cookie sent back in a query), which replay recognizes only under
  // the recording's key (docs/redaction.md, "Values learned while recording").
  return f.expected.includes(REDACTED_PLACEHOLDER) && !f.actual.includes(REDACTED_PLACEHOLDER)
    ? `${both} (redacted while recording: if the client got this value from an answer, replay recognizes it only under the redaction key the recording used)`
    : both;
}

/**
 * The near-miss report: the request, then the nearest recordings field by field with every
 * differing field marked, then what to do. Shown in the miss response body and in the log.
 * Values are those after redaction, so no credential appears here.
 */
export function renderMissReport(report: MissReport, style: Style = PLAIN): string {
  const lines: string[] = [];
  lines.push(style.bold('tapedeck: no recorded interaction matches this request'));
  lines.push('');
  lines.push(`  ${requestLine(report.request)}`);
  lines.push(`  session: ${report.session === '' ? '(default)' : report.session}`);
  if (report.cassette !== undefined) lines.push(`  cassette: ${report.cassette}`);
  lines.push('');
  if (report.nearest.length === 0) {
    lines.push(
      report.loaded === 0
        ? 'No interactions are recorded: the cassettes directory is empty.'
        : `No recorded request is close (${report.loaded} interactions loaded).`,
    );
  } else {
    lines.push('Nearest recorded requests (closest first; ✗ marks a difference):');
    report.nearest.forEach((near, i) => {
      lines.push('');
      lines.push(
        `${i + 1}. ${near.cassette} #${near.position}  ${requestLine(near.normalized)}  (distance ${near.result.distance.toFixed(3)})`,
      );
      const width = Math.max(8, ...near.result.fields.map((f) => f.field.length));
      for (const f of near.result.fields) {
        const mark = f.kind === 'mismatch' ? style.red('✗') : ' ';
        const text = describeOutcome(f);
        const name = padEnd(f.field, width);
        lines.push(
          `   ${mark} ${f.kind === 'mismatch' ? style.red(name) : style.dim(name)}  ${text}`.trimEnd(),
        );
      }
    });
  }
  lines.push('');
  lines.push(
    'Next step: record this request with `tapedeck record`, or, if a differing field should not count, add it to "match" in tapedeck.config.json (ignoreQuery, ignoreBodyPaths, headers).',
  );
  return `${lines.join('\n')}\n`;
}

const MISS_TITLE = 'No recorded interaction matches this request';

/** The same report as data, for `--json` logs. */
export function missReportJson(report: MissReport): Record<string, unknown> {
  return { type: problemType('TD_NO_MATCH'), title: MISS_TITLE, ...missMembers(report) };
}

/**
 * The report as the problem details a client that asks for JSON gets: the report's data and,
 * in `report`, its text (`renderMissReport`).
 */
export function missProblem(report: MissReport, status: number, text: string): Problem {
  return {
    code: 'TD_NO_MATCH',
    title: MISS_TITLE,
    status,
    extra: { ...missMembers(report), report: text },
  };
}

function missMembers(report: MissReport): Record<string, unknown> {
  return {
    code: 'TD_NO_MATCH',
    request: {
      method: report.request.method,
      path: report.request.path,
      query: Object.fromEntries(report.request.query),
      ...(report.cassette === undefined ? {} : { cassette: report.cassette }),
      session: report.session,
    },
    nearest: report.nearest.map((near) => ({
      cassette: near.cassette,
      interaction: near.position,
      request: requestLine(near.normalized),
      distance: near.result.distance,
      differences: near.result.fields
        .filter((f) => f.kind === 'mismatch')
        .map((f) => ({
          field: f.field,
          ...(f.expected === undefined ? {} : { recorded: f.expected }),
          ...(f.actual === undefined ? {} : { actual: f.actual }),
        })),
    })),
  };
}
