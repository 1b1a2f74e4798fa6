import { responseFor } from './choose.js';
import type { SpecModel, SpecOperation } from './operations.js';

/** Which operations and documented responses have recordings, and how many. */
export interface CoverageRow {
  readonly operation: string;
  readonly method: string;
  readonly path: string;
  readonly recorded: number;
  readonly responses: readonly { readonly status: string; readonly recorded: number }[];
}

export interface CoverageReport {
  readonly operations: number;
  readonly operationsRecorded: number;
  readonly responses: number;
  readonly responsesRecorded: number;
  readonly rows: readonly CoverageRow[];
}

export class CoverageCounter {
  private readonly byOperation = new Map<SpecOperation, Map<string, number>>();

  constructor(private readonly model: SpecModel) {}

  /** One recorded exchange of an operation, with the status it answered. */
  add(operation: SpecOperation, status: number): void {
    let counts = this.byOperation.get(operation);
    if (!counts) this.byOperation.set(operation, (counts = new Map<string, number>()));
    const documented = responseFor(operation, status)?.status ?? String(status);
    counts.set(documented, (counts.get(documented) ?? 0) + 1);
    counts.set('', (counts.get('') ?? 0) + 1);
  }

  report(): CoverageReport {
    let operationsRecorded = 0;
    let responses = 0;
    let responsesRecorded = 0;
    const rows = this.model.operations.map((operation) => {
      const counts = this.byOperation.get(operation);
      const recorded = counts?.get('') ?? 0;
      if (recorded > 0) operationsRecorded++;
      return {
        operation: operation.id,
        method: operation.method,
        path: operation.path,
        recorded,
        responses: operation.responses.map((r) => {
          const n = counts?.get(r.status) ?? 0;
          responses++;
          if (n > 0) responsesRecorded++;
          return { status: r.status, recorded: n };
        }),
      };
    });
    return {
      operations: this.model.operations.length,
      operationsRecorded,
      responses,
      responsesRecorded,
      rows,
    };
  }
}

/** The coverage table as text: one line per operation, each response marked ✓ or ·. */
export function renderCoverage(report: CoverageReport): string {
  const width = Math.min(
    60,
    Math.max(9, ...report.rows.map((r) => r.method.length + 1 + r.path.length)),
  );
  const lines = [
    `${'operation'.padEnd(width)}  rec  responses (✓ recorded, · not)`,
    ...report.rows.map((row) => {
      const name = `${row.method} ${row.path}`;
      const shown = name.length > width ? `${name.slice(0, width - 1)}…` : name.padEnd(width);
      const responses = row.responses
        .map((r) => `${r.recorded > 0 ? '✓' : '·'}${r.status}`)
        .join(' ');
      return `${shown}  ${String(row.recorded).padStart(3)}  ${responses}`;
    }),
    `coverage: ${report.operationsRecorded}/${report.operations} operation(s), ${report.responsesRecorded}/${report.responses} documented response(s) recorded`,
  ];
  return `${lines.join('\n')}\n`;
}
