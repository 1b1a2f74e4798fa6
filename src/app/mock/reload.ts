import { isTapedeckError } from '../../core/errors.js';
import type { Logger } from '../../core/ports/index.js';
import type { MockEngine } from './engine.js';
import type { MockStats } from './stats.js';

/** Starts watching files; returns a function that stops (flush: deliver pending events first). */
export type WatchFiles = (
  files: readonly string[],
  onChange: () => void,
) => (flush?: boolean) => void;

export interface ReloaderDeps {
  /** Loads the engine again; throws TD_SPEC_INVALID naming the file and pointer. */
  readonly load: (stats: MockStats) => Promise<MockEngine>;
  /** Absent: no `--watch`. */
  readonly watch: WatchFiles | undefined;
  readonly stats: MockStats;
  readonly logger: Logger;
  /** The engine serving now, and where a freshly loaded one goes. */
  readonly current: () => MockEngine;
  readonly swap: (engine: MockEngine) => void;
}

/**
 * `--watch`: a change to the spec or any file it references reloads it. A reload that fails
 * keeps the last good spec serving and logs the file and pointer of the problem. Changes that
 * arrive during a reload coalesce into one more reload.
 */
export class SpecReloader {
  private unwatch: ((flush?: boolean) => void) | undefined;
  private stopped = false;
  private reloading: Promise<boolean> | undefined;
  private again = false;

  constructor(private readonly deps: ReloaderDeps) {}

  /** Watches the current engine's files (again: the set may have changed). */
  watch(): void {
    if (this.stopped) return;
    const previous = this.unwatch;
    this.unwatch = this.deps.watch?.(this.deps.current().files, () => void this.reload());
    // Closed after the new watchers exist, so no change falls between the two.
    previous?.(true);
  }

  /** Loads the spec again; true when the new one serves. */
  reload(): Promise<boolean> {
    if (this.stopped) return Promise.resolve(false);
    if (this.reloading) {
      this.again = true;
      return this.reloading;
    }
    this.reloading = (async () => {
      let swapped = await this.reloadOnce();
      while (this.again) {
        this.again = false;
        swapped = await this.reloadOnce();
      }
      this.reloading = undefined;
      return swapped;
    })();
    return this.reloading;
  }

  /** Stops watching and waits for a reload under way. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.unwatch?.();
    this.unwatch = undefined;
    await this.reloading;
  }

  private async reloadOnce(): Promise<boolean> {
    const { stats, logger } = this.deps;
    try {
      const next = await this.deps.load(stats);
      this.deps.swap(next);
      stats.reloads++;
      logger.log('info', 'mock.reloaded', `Reloaded: ${next.description}.`, {
        files: next.files.length,
      });
      return true;
    } catch (error) {
      stats.reloadFailures++;
      const message = isTapedeckError(error) ? error.describe() : String(error);
      logger.log(
        'warn',
        'mock.reload_failed',
        `The changed spec does not load, so the last good one keeps serving:\n${message}`,
        isTapedeckError(error) ? { code: error.code, ...error.details } : {},
      );
      return false;
    } finally {
      // The set of referenced files may have changed (a new $ref, a fixed path).
      this.watch();
    }
  }
}
