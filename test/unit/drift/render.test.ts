import { describe, expect, it } from 'vitest';
import { buildReport } from '../../../src/core/drift/report.js';
import type { Finding, InteractionDrift } from '../../../src/core/drift/model.js';
import {
  DRIFT_COMMENT_MARKER,
  renderDriftMarkdown,
} from '../../../src/core/render/drift-markdown.js';
import { renderDriftSummary } from '../../../src/core/render/drift-text.js';
import { PLAIN, type Style } from '../../../src/core/render/text.js';
import { sampleReport } from './fixture.js';

const TIMES = {
  target: 'https://staging.example.test',
  startedAt: '2026-03-01T02:00:00.000Z',
  finishedAt: '2026-03-01T02:00:01.000Z',
  durationMs: 1000,
};

function drifted(
  index: number,
  findings: Finding[],
  extra: Partial<InteractionDrift> = {},
): InteractionDrift {
  return {
    cassette: 'c',
    index,
    method: 'GET',
    target: `/items/${index}`,
    outcome: 'drift',
    recordedStatus: 200,
    liveStatus: 200,
    findings,
    ...extra,
  };
}

describe('drift Markdown (golden files)', () => {
  it('renders breaking, non-breaking, noise, unchecked, spec verdicts and history', async () => {
    const md = renderDriftMarkdown(sampleReport(), {
      runUrl: 'https://github.com/o/r/actions/runs/1',
    });
    expect(md.split('\n')[0]).toBe(DRIFT_COMMENT_MARKER);
    await expect(md).toMatchFileSnapshot('../../golden/drift-report.md');
  });

  it('renders a clean report', async () => {
    const report = buildReport({ ...TIMES, interactions: [drifted(0, [])] });
    await expect(renderDriftMarkdown(report)).toMatchFileSnapshot('../../golden/drift-clean.md');
  });

  it('is deterministic', () => {
    expect(renderDriftMarkdown(sampleReport())).toBe(renderDriftMarkdown(sampleReport()));
  });
});

describe('drift Markdown escaping', () => {
  const nasty = '</details></summary><script>alert(1)</script> ``` `x` | *b* [l](http://e) \n# h';
  const report = buildReport({
    ...TIMES,
    interactions: [
      drifted(
        0,
        [
          {
            kind: 'value-changed',
            severity: 'non-breaking',
            place: 'body',
            path: '/a`b',
            recorded: nasty,
            live: '````',
          },
          {
            kind: 'value-changed',
            severity: 'noise',
            place: 'body',
            path: '/</code>',
            noiseReason: 'builtin',
          },
        ],
        { cassette: 'a|b</details>', target: '/x?q=<b>`|`' },
      ),
      { ...drifted(1, []), outcome: 'unchecked', unchecked: { reason: 'network', detail: nasty } },
    ],
  });
  const md = renderDriftMarkdown(report, { runUrl: 'javascript:alert(1)' });

  it('keeps the structure: one details block, closed fences, no raw HTML from values', () => {
    // Outside fenced code (where GitHub shows text literally) no value adds HTML.
    const outside = md.replace(/^(`{3,})diff\n[\s\S]*?\n\1$/gm, '');
    expect(outside.match(/<details>/g)).toHaveLength(1);
    expect(outside.match(/<\/details>/g)).toHaveLength(1);
    expect(outside.match(/<\/summary>/g)).toHaveLength(1);
    expect(outside).not.toContain('<script>');
    expect(outside).not.toContain('<b>`');
    expect(md).not.toContain('javascript:');
    // The diff block's fence is longer than any backtick run inside it.
    const open = /^(`{3,})diff$/m.exec(md);
    expect(open).not.toBeNull();
    const fence = open![1]!;
    expect(fence.length).toBeGreaterThan(4);
    const body = md.slice(open!.index + open![0].length, md.indexOf(`\n${fence}\n`, open!.index));
    expect(body).toContain('</details></summary><script>');
    expect(body).not.toContain('\n# h');
    // Table rows stay one row each: a pipe in a value is escaped.
    for (const line of md.split('\n').filter((l) => l.startsWith('| a'))) {
      expect(line.split(/(?<!\\)\|/).length).toBe(8);
    }
  });
});

describe('drift Markdown length bound', () => {
  it('stays under GitHub\u2019s 65,536 characters and says how many details were left out', () => {
    const long = 'v'.repeat(80);
    const interactions = Array.from({ length: 400 }, (_, i) =>
      drifted(
        i,
        Array.from({ length: 30 }, (_, k): Finding => ({
          kind: 'value-changed',
          severity: k === 0 ? 'breaking' : 'non-breaking',
          place: 'body',
          path: `/data/${k}/field`,
          recorded: long,
          live: long,
        })),
      ),
    );
    const md = renderDriftMarkdown(buildReport({ ...TIMES, interactions }));
    expect(md.length).toBeLessThan(65_536);
    const shown = md.match(/<details>/g)!.length;
    expect(shown).toBeGreaterThan(0);
    expect(md).toContain(`${400 - shown} more drifted interactions are not shown here`);
  });

  it('honours maxDetails', () => {
    const interactions = Array.from({ length: 5 }, (_, i) =>
      drifted(i, [
        { kind: 'field-added', severity: 'non-breaking', place: 'body', path: '/x', live: '1' },
      ]),
    );
    const md = renderDriftMarkdown(buildReport({ ...TIMES, interactions }), { maxDetails: 2 });
    expect(md.match(/<details>/g)).toHaveLength(2);
    expect(md).toContain('3 more drifted interactions are not shown here');
  });
});

describe('drift terminal summary (golden file)', () => {
  it('renders without colour', async () => {
    await expect(renderDriftSummary(sampleReport(), PLAIN)).toMatchFileSnapshot(
      '../../golden/drift-summary.txt',
    );
  });

  it('colours only through the Style and strips control characters from values', () => {
    const tag = (name: string) => (s: string) => `<${name}>${s}</${name}>`;
    const style: Style = {
      bold: tag('b'),
      dim: tag('d'),
      red: tag('r'),
      green: tag('g'),
      yellow: tag('y'),
    };
    const text = renderDriftSummary(sampleReport(), style);
    expect(text).toContain('<b><r>Drift: 2 breaking, 1 non-breaking</r></b>');
    expect(text).not.toContain('\u001b');
    const evil = buildReport({
      ...TIMES,
      interactions: [
        drifted(0, [
          {
            kind: 'value-changed',
            severity: 'non-breaking',
            place: 'body',
            path: '/a',
            recorded: '\u001b[31mred',
            live: 'x\ry',
          },
        ]),
      ],
    });
    const out = renderDriftSummary(evil, PLAIN);
    expect(out).not.toContain('\u001b');
    expect(out).not.toContain('\r');
  });
});
