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
  private waiters: { event: string; count: number; resolve: (line: LogLine) => void }[] = [];

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
    const line = { level, event, message, fields };
    this.lines.push(line);
    if (this.waiters.length === 0) return;
    const seen = this.lines.filter((l) => l.event === event).length;
    this.waiters = this.waiters.filter((w) => {
      if (w.event !== event || seen < w.count) return true;
      w.resolve(line);
      return false;
    });
  }

  /**
   * Resolves with the `count`-th line of this event once it is logged (at once if it already
   * is): a test awaits the event itself instead of polling for it. The test's own timeout
   * ends the wait if it never comes.
   */
  waitFor(event: string, count = 1): Promise<LogLine> {
    const already = this.lines.filter((l) => l.event === event);
    if (already.length >= count) return Promise.resolve(already[count - 1]!);
    return new Promise((resolve) => this.waiters.push({ event, count, resolve }));
  }

  /** Everything logged, as one string (for searching). */
  text(): string {
    return this.lines
      .map((l) => `${l.level} ${l.event} ${l.message} ${JSON.stringify(l.fields)}`)
      .join('\n');
  }
}
