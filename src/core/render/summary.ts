import type { AnswerLayer } from '../ports/index.js';
import type { Style } from './text.js';
import { PLAIN } from './text.js';

/** What a record or replay server served, for the shutdown summary and /__tapedeck/summary. */
export interface ServerSummary {
  readonly served: number;
  readonly byLayer: Readonly<Partial<Record<AnswerLayer, number>>>;
  /** Requests that missed, by request line, with how often. */
  readonly misses: readonly { readonly request: string; readonly count: number }[];
  /** Recorded interactions no request used. */
  readonly unused: readonly {
    readonly cassette: string;
    readonly position: number;
    readonly request: string;
  }[];
  readonly recorded: readonly { readonly cassette: string; readonly count: number }[];
  readonly recordFailures: number;
  readonly blocked: number;
}

const LIST_LIMIT = 20;

/** The shutdown summary of record and replay: what was served, what missed, what went unused. */
export function renderSummary(summary: ServerSummary, style: Style = PLAIN): string {
  const lines: string[] = [];
  const layers = Object.entries(summary.byLayer)
    .filter(([, n]) => (n ?? 0) > 0)
    .map(([layer, n]) => `${layer} ${n}`)
    .join(', ');
  lines.push(
    style.bold(
      `tapedeck summary: ${summary.served} request(s) served${layers === '' ? '' : ` (${layers})`}`,
    ),
  );
  const missCount = summary.misses.reduce((n, m) => n + m.count, 0);
  if (missCount > 0) {
    lines.push(style.red(`  ${missCount} miss(es):`));
    for (const m of summary.misses.slice(0, LIST_LIMIT))
      lines.push(`    ${m.request}${m.count > 1 ? `  ×${m.count}` : ''}`);
    if (summary.misses.length > LIST_LIMIT)
      lines.push(`    … and ${summary.misses.length - LIST_LIMIT} more`);
  } else {
    lines.push(style.green('  no misses'));
  }
  for (const r of summary.recorded)
    lines.push(`  recorded ${r.count} interaction(s) to ${r.cassette}`);
  if (summary.recordFailures > 0)
    lines.push(
      style.red(`  ${summary.recordFailures} interaction(s) could not be recorded (see the log)`),
    );
  if (summary.blocked > 0)
    lines.push(
      style.red(
        `  ${summary.blocked} interaction(s) kept off disk: still secret-looking after redaction (see the log: TD_SECRET_DETECTED)`,
      ),
    );
  if (summary.unused.length > 0) {
    lines.push(style.yellow(`  ${summary.unused.length} recorded interaction(s) never used:`));
    for (const u of summary.unused.slice(0, LIST_LIMIT))
      lines.push(`    ${u.cassette} #${u.position}  ${u.request}`);
    if (summary.unused.length > LIST_LIMIT)
      lines.push(`    … and ${summary.unused.length - LIST_LIMIT} more`);
  }
  return `${lines.join('\n')}\n`;
}
