export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Structured log events. Fields must never carry secret values; callers pass redacted data. */
export interface Logger {
  /** Whether a line at this level would be written: skip building messages that would not. */
  enabled(level: LogLevel): boolean;
  log(
    level: LogLevel,
    event: string,
    message: string,
    fields?: Readonly<Record<string, unknown>>,
  ): void;
}
