import { performance } from 'node:perf_hooks';
import type { Clock, Logger, LogLevel } from '../../core/ports/index.js';
import type { Style } from '../../core/render/text.js';

export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
};

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface StreamLoggerOptions {
  readonly level: LogLevel;
  readonly format: 'text' | 'json';
  readonly write: (line: string) => void;
  readonly style: Style;
  readonly clock: Clock;
}

/** Log lines to a stream (stderr by default): text for people, JSON lines for machines. */
export class StreamLogger implements Logger {
  constructor(private readonly options: StreamLoggerOptions) {}

  enabled(level: LogLevel): boolean {
    return LEVELS[level] >= LEVELS[this.options.level];
  }

  log(
    level: LogLevel,
    event: string,
    message: string,
    fields: Readonly<Record<string, unknown>> = {},
  ): void {
    if (!this.enabled(level)) return;
    if (this.options.format === 'json') {
      this.options.write(
        `${JSON.stringify({ time: new Date(this.options.clock.now()).toISOString(), level, event, message, ...fields })}\n`,
      );
      return;
    }
    const { style } = this.options;
    const tag =
      level === 'error'
        ? style.red('error')
        : level === 'warn'
          ? style.yellow('warn')
          : style.dim(level);
    // Warnings and errors carry their stable code, so a person can look it up in the README.
    const code =
      typeof fields['code'] === 'string' && level !== 'info' && level !== 'debug'
        ? ` ${style.dim(`[${fields['code']}]`)}`
        : '';
    this.options.write(`${tag} ${message}${code}\n`);
  }
}

/** ANSI styles when `enabled`, identity otherwise (NO_COLOR and non-TTY streams turn colour off). */
export function makeStyle(enabled: boolean): Style {
  const wrap = (open: number, close: number) => (s: string) =>
    enabled ? `\u001b[${open}m${s}\u001b[${close}m` : s;
  return {
    bold: wrap(1, 22),
    dim: wrap(2, 22),
    red: wrap(31, 39),
    green: wrap(32, 39),
    yellow: wrap(33, 39),
  };
}

export function colourWanted(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  if (env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '') return false;
  if (env['FORCE_COLOR'] !== undefined && env['FORCE_COLOR'] !== '0') return true;
  return stream.isTTY === true && env['TERM'] !== 'dumb';
}
