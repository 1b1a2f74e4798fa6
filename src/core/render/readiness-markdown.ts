/**
 * The readiness report as Markdown, for a pull request or a ticket (GitHub-flavoured), presented
 * like Pact's can-i-deploy: one verdict banner, a table of criteria × verdict with the request
 * ids behind each, the next steps, and coverage shown apart from the score. Deterministic: the
 * same report renders the same bytes. Every value is escaped for where it stands (a criterion
 * title or an evidence note holding `|`, backticks or `<script>` cannot change the structure).
 */
import type { CriterionResult, EvidenceItem, ReadinessReport } from '../readiness/types.js';
import { escapeText as escapeInline } from './drift-markdown.js';

/**
 * Text in a table cell, a list item or the banner: escaped, and on one line. A line break in a
 * criterion's title, an evidence note or a sign-off's note would end the table row (or the list
 * item) and start whatever block the next line spells: a forged row, a heading, a list.
 */
function escapeText(s: string): string {
  return escapeInline(s.replace(/\r\n|[\r\n\u2028\u2029\u0085]/g, ' '));
}

/** Evidence ids shown in a table cell; the rest are in the details below the table. */
const IDS_IN_CELL = 3;

export const VERDICT_LABEL = {
  pass: 'pass',
  fail: 'fail',
  'not-exercised': 'not exercised',
} as const;
const VERDICT_MARK = { pass: '✅', fail: '❌', 'not-exercised': '⚪' } as const;

/** The banner's words: can-i-deploy's yes or no, and why not. */
export function verdictHeadline(report: ReadinessReport): { ready: boolean; text: string } {
  if (report.verdict === 'ready')
    return {
      ready: true,
      text: `Ready: ${report.tenant.name} meets every required criterion of ${report.criteriaName}.`,
    };
  const required = report.criteria.filter((c) => c.required);
  const failed = required.filter((c) => c.verdict === 'fail').length;
  const unexercised = required.filter((c) => c.verdict === 'not-exercised').length;
  const parts = [
    ...(failed > 0 ? [`${failed} required ${failed === 1 ? 'criterion' : 'criteria'} failed`] : []),
    ...(unexercised > 0 ? [`${unexercised} not exercised`] : []),
  ];
  return {
    ready: false,
    text: `Not ready: ${report.tenant.name} does not meet ${report.criteriaName} (${parts.join(', ')}).`,
  };
}

export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

/** Inline code: `<code>` with the content escaped, so nothing inside is read as Markdown. */
const code = (s: string) => `<code>${escapeText(s)}</code>`;

/**
 * A next step: its `backtick` spans (commands, flags) as inline code, the rest escaped. A lone
 * backtick stays text; nothing of either part is read as Markdown.
 */
function withCode(s: string): string {
  return s
    .split(/`([^`\r\n]+)`/)
    .map((part, i) => (i % 2 === 1 ? code(part) : escapeText(part)))
    .join('');
}

/** The ids an evidence item names: request, delivery, event. */
export function evidenceIds(item: EvidenceItem): string[] {
  return [item.requestId, item.deliveryId, item.eventId].filter(
    (id): id is string => id !== undefined,
  );
}

function idsCell(c: CriterionResult): string {
  const ids = [...new Set(c.evidence.flatMap((e) => evidenceIds(e).slice(0, 1)))];
  if (ids.length === 0) return '–';
  const shown = ids.slice(0, IDS_IN_CELL).map(code).join(' ');
  return ids.length > IDS_IN_CELL ? `${shown} +${ids.length - IDS_IN_CELL}` : shown;
}

export function renderReadinessMarkdown(report: ReadinessReport): string {
  const out: string[] = [];
  const { ready, text } = verdictHeadline(report);
  out.push(`## Partner readiness: ${escapeText(report.tenant.name)}`);
  out.push('');
  out.push(`> ${ready ? '✅' : '❌'} **${escapeText(text)}**`);
  out.push('');
  out.push(
    [
      `Criteria ${code(report.criteriaName)}`,
      `score ${report.score.passed} of ${report.score.of} passed`,
      `${report.counts.fail} failed`,
      `${report.counts.notExercised} not exercised`,
      `generated ${isoTime(report.generatedAt)}`,
      ...(report.since === undefined ? [] : [`traffic since ${isoTime(report.since)}`]),
    ].join(' · '),
  );
  out.push('');
  out.push('| Criterion | Verdict | Required | Observed | Evidence |');
  out.push('| --- | --- | --- | --- | --- |');
  for (const c of report.criteria)
    out.push(
      `| ${escapeText(c.title)}<br><sub>${code(c.id)}</sub> | ${VERDICT_MARK[c.verdict]} ${VERDICT_LABEL[c.verdict]} | ${c.required ? 'yes' : 'no'} | ${escapeText(c.summary)} | ${idsCell(c)} |`,
    );
  out.push('');
  const todo = report.criteria.filter((c) => c.next !== undefined);
  if (todo.length > 0) {
    out.push('### Next steps');
    out.push('');
    for (const c of todo)
      out.push(
        `- ${code(c.id)} (${VERDICT_LABEL[c.verdict]}${c.required ? '' : ', optional'}): ${withCode(c.next!)}`,
      );
    out.push('');
  }
  const withEvidence = report.criteria.filter((c) => c.evidence.length > 0);
  if (withEvidence.length > 0) {
    out.push('### Evidence');
    out.push('');
    for (const c of withEvidence) {
      out.push(
        `<details><summary>${escapeText(c.id)}: ${VERDICT_LABEL[c.verdict]} (${c.evidence.length})</summary>`,
      );
      out.push('');
      for (const e of c.evidence) {
        const ids = evidenceIds(e);
        out.push(
          `- ${isoTime(e.at)}${ids.length === 0 ? '' : ` ${ids.map(code).join(' ')}`}: ${escapeText(e.note)}`,
        );
      }
      out.push('');
      out.push('</details>');
      out.push('');
    }
  }
  out.push('### Coverage (apart from the score)');
  out.push('');
  for (const [label, part] of [
    ['Operations', report.coverage.operations],
    ['Scenarios', report.coverage.scenarios],
  ] as const) {
    const total = part.exercised.length + part.notExercised.length;
    out.push(
      `- ${label}: ${part.exercised.length} of ${total} exercised` +
        (part.notExercised.length === 0
          ? ''
          : `; not exercised: ${part.notExercised.map(code).join(', ')}`),
    );
  }
  out.push('');
  out.push('### Versions');
  out.push('');
  const v = report.versions;
  out.push(`- criteria ${code(v.criteria.name)} ${code(v.criteria.hash)}`);
  if (v.spec !== undefined) out.push(`- spec ${code(v.spec.name)} ${code(v.spec.hash)}`);
  for (const c of v.cassettes) out.push(`- cassette ${code(c.name)} ${code(c.hash)}`);
  out.push(`- report ${code(report.hash)}`);
  out.push('');
  const s = report.signoff;
  if (s !== undefined) {
    out.push('### Sign-off');
    out.push('');
    const who = `Signed off by ${escapeText(s.by)} at ${isoTime(s.at)}${s.note === undefined ? '' : ` (${escapeText(s.note)})`}`;
    out.push(
      s.holds
        ? `${who}: still holds.`
        : `${who}: no longer holds. Changed since: ${s.changed.map(code).join(', ')}.`,
    );
    out.push('');
  }
  out.push(
    `<sub>tapedeck readiness · report format ${report.schemaVersion} · tenant ${escapeText(report.tenant.id)}</sub>`,
  );
  return `${out.join('\n')}\n`;
}
