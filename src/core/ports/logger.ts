import type { LOG_LEVELS } from '../modes.js';

/** One of LOG_LEVELS (core/modes.ts), lowest first. */
export type LogLevel = (typeof LOG_LEVELS)[number];

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
