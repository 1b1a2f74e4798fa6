import type { Logger, LogLevel } from '../../src/core/ports/index.js';

export interface LogLine {
  readonly level: LogLevel;
  readonly event: string;
  readonly message: string;
  readonly fields: Readonly<Record<string, unknown>>;
}

/** A Logger that keeps every line in memory, for assertions. */
export class CollectingLogger implements Logger {
  readonly lines: LogLine[] = [];

  /** Every level: tests (the leak test above all) see debug lines too. */
  enabled(): boolean {
    return true;
  }

  log(
    level: LogLevel,
    event: string,
    message: string,
    fields: Readonly<Record<string, unknown>> = {},
  ): void {
    this.lines.push({ level, event, message, fields });
  }

  /** Everything logged, as one string (for searching). */
  text(): string {
    return this.lines
      .map((l) => `${l.level} ${l.event} ${l.message} ${JSON.stringify(l.fields)}`)
      .join('\n');
  }
}
