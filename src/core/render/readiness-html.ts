/**
 * The readiness report as one self-contained HTML page: inline CSS, no script, no external URL
 * (a Content-Security-Policy of `default-src 'none'` says so to the browser too), so it can be
 * attached to a ticket or opened from disk. Every value is HTML-escaped; nothing from the
 * report becomes markup. The same sections as the Markdown: verdict banner, criteria table,
 * next steps, evidence, coverage apart from the score, versions, sign-off.
 */
import type { CriterionResult, ReadinessReport } from '../readiness/types.js';
import { evidenceIds, isoTime, VERDICT_LABEL, verdictHeadline } from './readiness-markdown.js';

/** Text for an element's content or a quoted attribute: every character that could end either escaped. */
export function escapeHtmlText(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const h = escapeHtmlText;

const STYLE = `
:root { color-scheme: light dark; --pass: #1a7f37; --fail: #cf222e; --skip: #6e7781; }
body { font: 15px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 72rem; padding: 0 1rem; }
h1 { font-size: 1.4rem; margin: 0 0 1rem; }
h2 { font-size: 1.1rem; margin: 2rem 0 .5rem; }
.banner { font-size: 1.15rem; font-weight: 600; padding: .9rem 1.1rem; border-radius: 6px; color: #fff; }
.banner.ready { background: var(--pass); }
.banner.not-ready { background: var(--fail); }
.meta { color: var(--skip); }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: .45rem .6rem; border-bottom: 1px solid #8884; }
td.verdict { font-weight: 600; white-space: nowrap; }
tr.pass td.verdict { color: var(--pass); }
tr.fail td.verdict { color: var(--fail); }
tr.not-exercised td.verdict { color: var(--skip); }
code { font: 13px ui-monospace, monospace; overflow-wrap: anywhere; }
.id { display: block; color: var(--skip); }
ul { padding-left: 1.2rem; }
`.trim();

function row(c: CriterionResult): string {
  const ids = [...new Set(c.evidence.flatMap((e) => evidenceIds(e).slice(0, 1)))];
  return [
    `<tr class="${c.verdict}" data-criterion="${h(c.id)}">`,
    `<td>${h(c.title)}<code class="id">${h(c.id)}</code></td>`,
    `<td class="verdict">${VERDICT_LABEL[c.verdict]}</td>`,
    `<td>${c.required ? 'yes' : 'no'}</td>`,
    `<td>${h(c.summary)}</td>`,
    `<td>${ids.length === 0 ? '–' : ids.map((id) => `<code>${h(id)}</code>`).join(' ')}</td>`,
    '</tr>',
  ].join('');
}

export function renderReadinessHtml(report: ReadinessReport): string {
  const { ready, text } = verdictHeadline(report);
  const out: string[] = [];
  out.push('<!doctype html>');
  out.push('<html lang="en"><head><meta charset="utf-8">');
  out.push(
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
  );
  out.push('<meta name="viewport" content="width=device-width, initial-scale=1">');
  out.push(`<title>Partner readiness: ${h(report.tenant.name)}</title>`);
  out.push(`<style>${STYLE}</style></head><body>`);
  out.push(`<h1>Partner readiness: ${h(report.tenant.name)}</h1>`);
  out.push(
    `<p id="verdict" class="banner ${report.verdict}" data-verdict="${report.verdict}">${ready ? '✔' : '✘'} ${h(text)}</p>`,
  );
  const meta = [
    `Criteria <code>${h(report.criteriaName)}</code>`,
    `score ${report.score.passed} of ${report.score.of} passed`,
    `${report.counts.fail} failed`,
    `${report.counts.notExercised} not exercised`,
    `generated ${isoTime(report.generatedAt)}`,
    ...(report.since === undefined ? [] : [`traffic since ${isoTime(report.since)}`]),
  ];
  out.push(`<p class="meta" id="score">${meta.join(' · ')}</p>`);
  out.push('<table id="criteria"><thead><tr>');
  out.push('<th>Criterion</th><th>Verdict</th><th>Required</th><th>Observed</th><th>Evidence</th>');
  out.push('</tr></thead><tbody>');
  for (const c of report.criteria) out.push(row(c));
  out.push('</tbody></table>');
  const todo = report.criteria.filter((c) => c.next !== undefined);
  if (todo.length > 0) {
    out.push('<h2>Next steps</h2><ul id="next">');
    for (const c of todo)
      out.push(
        `<li><code>${h(c.id)}</code> (${VERDICT_LABEL[c.verdict]}${c.required ? '' : ', optional'}): ${h(c.next!)}</li>`,
      );
    out.push('</ul>');
  }
  const withEvidence = report.criteria.filter((c) => c.evidence.length > 0);
  if (withEvidence.length > 0) {
    out.push('<h2>Evidence</h2>');
    for (const c of withEvidence) {
      out.push(
        `<details${c.verdict === 'fail' ? ' open' : ''}><summary><code>${h(c.id)}</code>: ${VERDICT_LABEL[c.verdict]} (${c.evidence.length})</summary><ul>`,
      );
      for (const e of c.evidence)
        out.push(
          `<li>${isoTime(e.at)} ${evidenceIds(e)
            .map((id) => `<code>${h(id)}</code>`)
            .join(' ')}: ${h(e.note)}</li>`,
        );
      out.push('</ul></details>');
    }
  }
  out.push('<h2>Coverage (apart from the score)</h2><ul id="coverage">');
  for (const [label, part] of [
    ['Operations', report.coverage.operations],
    ['Scenarios', report.coverage.scenarios],
  ] as const) {
    const total = part.exercised.length + part.notExercised.length;
    const missing = part.notExercised.map((n) => `<code>${h(n)}</code>`).join(', ');
    out.push(
      `<li>${label}: ${part.exercised.length} of ${total} exercised${missing === '' ? '' : `; not exercised: ${missing}`}</li>`,
    );
  }
  out.push('</ul>');
  const v = report.versions;
  out.push('<h2>Versions</h2><ul id="versions">');
  const version = (kind: string, name: string, hash: string) =>
    `<li>${kind} <code>${h(name)}</code> <code>${h(hash)}</code></li>`;
  out.push(version('criteria', v.criteria.name, v.criteria.hash));
  if (v.spec !== undefined) out.push(version('spec', v.spec.name, v.spec.hash));
  for (const c of v.cassettes) out.push(version('cassette', c.name, c.hash));
  out.push(`<li>report <code>${h(report.hash)}</code></li></ul>`);
  const s = report.signoff;
  if (s !== undefined) {
    const who = `Signed off by ${h(s.by)} at ${isoTime(s.at)}${s.note === undefined ? '' : ` (${h(s.note)})`}`;
    out.push(
      `<h2>Sign-off</h2><p id="signoff" data-holds="${s.holds}">${who}: ${
        s.holds
          ? 'still holds.'
          : `no longer holds. Changed since: ${s.changed.map((c) => `<code>${h(c)}</code>`).join(', ')}.`
      }</p>`,
    );
  }
  out.push(
    `<p class="meta">tapedeck readiness · report format ${report.schemaVersion} · tenant <code>${h(report.tenant.id)}</code></p>`,
  );
  out.push('</body></html>');
  return `${out.join('\n')}\n`;
}
