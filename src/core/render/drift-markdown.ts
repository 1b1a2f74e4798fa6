/**
 * The drift report as Markdown for a pull-request comment (GitHub-flavoured). Deterministic: the
 * same report renders the same bytes, and "now" is the report's finishedAt, never a clock.
 *
 * Safety of the output: every value from a response (already redacted) is placed either in a
 * fenced code block whose fence is longer than any backtick run inside it, or HTML-escaped inside
 * an HTML element, or escaped for a table cell. A value holding `</details>`, backticks, pipes or
 * `<script>` cannot change the comment's structure.
 */
import {
  bySeverity,
  describeAge,
  driftedInteractions,
  findingAge,
  findingWhere,
  interactionAge,
  plural,
  UNCHECKED_REASON_TEXT,
  verdictParts,
} from '../drift/verdict.js';
import type { DriftReport, Finding, InteractionDrift } from '../drift/model.js';

/** The hidden first line that lets `--github` find and update its own comment. */
export const DRIFT_COMMENT_MARKER = '<!-- tapedeck:drift-report -->';

/** GitHub refuses comments longer than 65,536 characters; stay well below it. */
export const MAX_COMMENT_CHARS = 60_000;
const DEFAULT_MAX_DETAILS = 50;
const MAX_FINDINGS_PER_INTERACTION = 40;
const MAX_UNCHECKED_ROWS = 50;
const MAX_NOISE_LISTED = 5;

export function renderDriftMarkdown(
  report: DriftReport,
  options: { maxDetails?: number; runUrl?: string } = {},
): string {
  const maxDetails = options.maxDetails ?? DEFAULT_MAX_DETAILS;
  const t = report.totals;
  const head: string[] = [];
  head.push(DRIFT_COMMENT_MARKER);
  head.push('## tapedeck drift report');
  head.push('');
  const { headline, rest } = verdictParts(report);
  head.push(`**${headline}** ${rest}.`);
  head.push('');
  head.push(
    `Target ${code(report.target)} · ${t.checked} of ${plural(t.interactions, 'interaction')} checked in ${seconds(report.durationMs)} · finished ${escapeText(report.finishedAt)}`,
  );
  head.push('');
  head.push('| Severity | Interactions | Findings |');
  head.push('| --- | ---: | ---: |');
  head.push(`| Breaking | ${t.breaking} | ${t.breakingFindings} |`);
  head.push(`| Non-breaking | ${t.nonBreaking} | ${t.nonBreakingFindings} |`);
  head.push(`| Noise | – | ${t.noiseFindings} |`);
  head.push(`| Same | ${t.same} | – |`);
  head.push(`| Could not check | ${t.unchecked} | – |`);
  head.push('');
  if (report.cassettes.length > 0) {
    head.push('| Cassette | Interactions | Breaking | Non-breaking | Could not check | Noise |');
    head.push('| --- | ---: | ---: | ---: | ---: | ---: |');
    for (const c of report.cassettes) {
      head.push(
        `| ${cell(c.name)} | ${c.interactions} | ${c.breaking} | ${c.nonBreaking} | ${c.unchecked} | ${c.noiseFindings} |`,
      );
    }
    head.push('');
  }
  const specLine = specSummary(report);
  if (specLine !== undefined) {
    head.push(specLine);
    head.push('');
  }

  const tail: string[] = [];
  const unchecked = report.interactions.filter((i) => i.outcome === 'unchecked');
  if (unchecked.length > 0) {
    tail.push(`### Could not check (${unchecked.length})`);
    tail.push('');
    tail.push('Not drift: these interactions got no usable live answer.');
    tail.push('');
    tail.push('| Cassette | # | Request | Reason | Detail |');
    tail.push('| --- | ---: | --- | --- | --- |');
    for (const i of unchecked.slice(0, MAX_UNCHECKED_ROWS)) {
      const reason = i.unchecked ? UNCHECKED_REASON_TEXT[i.unchecked.reason] : 'unknown';
      tail.push(
        `| ${cell(i.cassette)} | ${i.index} | ${cell(`${i.method} ${i.target}`, true)} | ${cell(reason)} | ${cell(i.unchecked?.detail ?? '')} |`,
      );
    }
    if (unchecked.length > MAX_UNCHECKED_ROWS)
      tail.push('', `… and ${unchecked.length - MAX_UNCHECKED_ROWS} more (see the JSON report).`);
    tail.push('');
  }
  const footer: string[] = [];
  const link = safeUrl(options.runUrl);
  footer.push(
    `<sub>tapedeck drift · report format 1${link === undefined ? '' : ` · <a href="${escapeHtml(link)}">workflow run</a>`}</sub>`,
  );

  // Details go between the head and the tail, as many as fit the budget.
  const drifted = driftedInteractions(report);
  const fixed = join(head) + join(tail) + join(footer);
  const details: string[] = [];
  let budget = MAX_COMMENT_CHARS - fixed.length - 400;
  let shown = 0;
  if (drifted.length > 0) {
    details.push('### Drifted interactions', '');
    budget -= 30;
    for (const i of drifted) {
      if (shown >= maxDetails) break;
      const block = renderInteraction(i, report.finishedAt).join('\n');
      if (block.length + 1 > budget) break;
      details.push(block);
      budget -= block.length + 1;
      shown += 1;
    }
    if (shown < drifted.length) {
      details.push(
        `${drifted.length - shown} more drifted ${drifted.length - shown === 1 ? 'interaction is' : 'interactions are'} not shown here (comment length limit); the JSON report has every finding.`,
        '',
      );
    }
  }
  return `${join(head)}${join(details)}${join(tail)}${join(footer)}`.replace(/\n+$/, '\n');
}

function renderInteraction(i: InteractionDrift, now: string): string[] {
  const lines: string[] = [];
  const severity = i.severity === 'breaking' ? 'Breaking' : 'Non-breaking';
  const status =
    i.liveStatus === undefined || i.liveStatus === i.recordedStatus
      ? `${i.recordedStatus}`
      : `${i.recordedStatus} → ${i.liveStatus}`;
  const counted = i.findings.filter((f) => f.severity !== 'noise');
  const age = describeAge(interactionAge(i, now));
  const summary = [
    `<b>${severity}</b>`,
    `<code>${escapeHtml(`${i.method} ${i.target}`)}</code>`,
    `${escapeHtml(i.cassette)} #${i.index}`,
    `status ${status}`,
    plural(counted.length, 'change'),
    ...(age === undefined ? [] : [age]),
  ].join(' · ');
  lines.push('<details>');
  lines.push(`<summary>${summary}</summary>`);
  lines.push('');
  const diff: string[] = [];
  const ordered = bySeverity(counted);
  for (const f of ordered.slice(0, MAX_FINDINGS_PER_INTERACTION))
    diff.push(...diffLines(i, f, now));
  if (ordered.length > MAX_FINDINGS_PER_INTERACTION)
    diff.push(`@@ … and ${ordered.length - MAX_FINDINGS_PER_INTERACTION} more changes @@`);
  lines.push(...fenced('diff', diff));
  const noise = i.findings.filter((f) => f.severity === 'noise');
  if (noise.length > 0) {
    const listed = noise
      .slice(0, MAX_NOISE_LISTED)
      .map((f) => `${code(findingWhere(f))} (${f.noiseReason ?? 'noise'})`)
      .join(', ');
    const more =
      noise.length > MAX_NOISE_LISTED ? `, … ${noise.length - MAX_NOISE_LISTED} more` : '';
    lines.push('');
    lines.push(`Noise, not counted: ${listed}${more}.`);
  }
  if (i.spec !== undefined) {
    lines.push('');
    lines.push(...specLines(i));
  }
  lines.push('');
  lines.push('</details>');
  lines.push('');
  return lines;
}

function diffLines(i: InteractionDrift, f: Finding, now: string): string[] {
  const age = describeAge(findingAge(i, f, now));
  const where = findingWhere(f);
  const out = [`@@ ${f.severity} · ${f.kind} · ${where}${age === undefined ? '' : ` · ${age}`} @@`];
  const label = f.place === 'status' ? 'status' : f.place === 'header' ? f.path : where;
  if (f.recorded !== undefined) out.push(`- ${oneLine(label)}: ${oneLine(f.recorded)}`);
  if (f.live !== undefined) out.push(`+ ${oneLine(label)}: ${oneLine(f.live)}`);
  return out.map(oneLine);
}

function specLines(i: InteractionDrift): string[] {
  const spec = i.spec!;
  const side = (name: string, list: typeof spec.live) => {
    if (list.length === 0) return [`- ${name}: conforms to the spec`];
    return [
      `- ${name}: violates the spec in ${plural(list.length, 'place')}`,
      ...list.slice(0, 5).map((v) => `  - ${code(v.pointer || '/')} ${escapeText(v.message)}`),
      ...(list.length > 5 ? [`  - … and ${list.length - 5} more`] : []),
    ];
  };
  return ['OpenAPI spec:', '', ...side('Recording', spec.recording), ...side('Live', spec.live)];
}

function specSummary(report: DriftReport): string | undefined {
  const withSpec = report.interactions.filter((i) => i.spec !== undefined);
  if (withSpec.length === 0) return undefined;
  const live = withSpec.filter((i) => i.spec!.live.length > 0).length;
  const rec = withSpec.filter((i) => i.spec!.recording.length > 0).length;
  if (live === 0 && rec === 0)
    return `OpenAPI spec: recordings and live answers conform in all ${withSpec.length} checked ${withSpec.length === 1 ? 'interaction' : 'interactions'}.`;
  return `OpenAPI spec: the live API violates it in ${plural(live, 'interaction')}, the recordings in ${rec}.`;
}

// ---------------------------------------------------------------------------------------------
// Escaping

function join(lines: readonly string[]): string {
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

/** A fenced code block whose fence is longer than any run of backticks in its content. */
function fenced(info: string, content: readonly string[]): string[] {
  let longest = 0;
  for (const line of content)
    for (const run of line.match(/`+/g) ?? []) longest = Math.max(longest, run.length);
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return [`${fence}${info}`, ...content, fence];
}

function oneLine(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\r?\n|\r/g, '⏎').replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '�');
}

export function escapeHtml(s: string): string {
  return oneLine(s)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** Text in Markdown outside code: HTML-escaped, and Markdown punctuation backslash-escaped. */
export function escapeText(s: string): string {
  // Markdown punctuation first, then HTML: the entities HTML escaping adds (`&#39;`) must stay whole.
  return escapeHtml(s.replace(/[\\`*_[\]{}()#+!|~]/g, (c) => `\\${c}`));
}

/** A table cell: escaped text, optionally in `<code>`. */
function cell(s: string, asCode = false): string {
  return asCode ? code(s) : escapeText(s);
}

/**
 * Inline code in Markdown text (a paragraph, list item or table cell): `<code>` rather than
 * backticks, with the content escaped so Markdown inside it stays literal.
 */
function code(s: string): string {
  return `<code>${escapeText(s)}</code>`;
}

function seconds(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

function safeUrl(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  return /^https?:\/\/[^\s<>"']+$/.test(url) ? url : undefined;
}
