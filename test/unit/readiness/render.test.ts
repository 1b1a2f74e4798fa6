import { describe, expect, it } from 'vitest';
import { DEFAULT_CRITERIA } from '../../../src/core/readiness/defaults.js';
import { evaluate } from '../../../src/core/readiness/evaluate.js';
import { renderReadinessHtml } from '../../../src/core/render/readiness-html.js';
import { renderReadinessMarkdown } from '../../../src/core/render/readiness-markdown.js';
import { evidenceOf, mixedReport, T0 } from './fixture.js';

const NOW = T0 + 61_000;
describe('readiness Markdown (golden file)', () => {
  it('renders the banner, the criteria table, next steps, evidence, coverage and sign-off', async () => {
    await expect(renderReadinessMarkdown(mixedReport())).toMatchFileSnapshot(
      '../../golden/readiness-report.md',
    );
  });

  it('renders a ready partner', async () => {
    await expect(
      renderReadinessMarkdown(evaluate(DEFAULT_CRITERIA, evidenceOf(), NOW)),
    ).toMatchFileSnapshot('../../golden/readiness-ready.md');
  });

  it('no value changes the structure: one table row per criterion, nothing raw', () => {
    const md = renderReadinessMarkdown(mixedReport());
    expect(md).not.toContain('<script>');
    const rows = md.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| ---'));
    expect(rows).toHaveLength(1 + 11);
    // Every row has exactly the five cells: no unescaped pipe inside one.
    for (const r of rows) expect(r.replace(/\\\|/g, '').split('|')).toHaveLength(7);
  });

  it('a line break in a title, note or sign-off cannot end the table or start a block', () => {
    const report = mixedReport();
    const forged = 'ok\n\n| forged | row | yes | x | - |\n# heading\r\n- item\u2028> quote';
    const md = renderReadinessMarkdown({
      ...report,
      criteria: report.criteria.map((c, i) =>
        i === 0
          ? {
              ...c,
              title: forged,
              summary: forged,
              next: forged,
              evidence: [{ at: 0, note: forged }],
            }
          : c,
      ),
      signoff: { ...report.signoff!, by: forged, note: forged },
    });
    const rows = md.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| ---'));
    expect(rows).toHaveLength(1 + 11);
    // No forged fragment starts a line, escaped or not.
    expect(md).not.toMatch(/^(\\?#+ heading|- item|\\?\| forged|&gt; quote)/m);
    expect(md).not.toMatch(/[\r\u2028\u2029]/);
  });
});

describe('readiness Markdown next steps', () => {
  it('shows `backtick` spans as inline code, escaped inside, and a lone backtick as text', () => {
    const report = mixedReport();
    const md = renderReadinessMarkdown({
      ...report,
      criteria: report.criteria.map((c, i) =>
        i === 0
          ? { ...c, next: 'Run `tapedeck webhooks probe --tenant <T>` then `a|b` and ` alone' }
          : c,
      ),
    });
    const line = md.split('\n').find((l) => l.includes('webhooks probe'))!;
    expect(line).toContain('<code>tapedeck webhooks probe --tenant &lt;T&gt;</code>');
    expect(line).toContain('<code>a\\|b</code>');
    expect(line).toContain('and \\` alone');
    expect(line).not.toContain('\\`tapedeck');
  });
});

describe('readiness HTML', () => {
  const html = renderReadinessHtml(mixedReport());

  it('is one self-contained page: no script, no external URL', () => {
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/\b(src|href)=/i);
    expect(html).toContain("default-src 'none'");
    expect(html).toMatch(/^<!doctype html>/);
  });

  it('escapes every value', () => {
    expect(html).toContain(
      'Pipes | `ticks` &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;',
    );
    expect(html).toContain('Ada &lt;ada@example.test&gt;');
  });

  it('has the verdict and one row per criterion', () => {
    expect(html).toContain('data-verdict="not-ready"');
    expect(html.match(/<tr class=/g)).toHaveLength(11);
    expect(html).toContain('<tr class="fail" data-criterion="pagination">');
  });
});
