import type { Cassette, CassetteMeta, Interaction } from '../core/cassette/model.js';
import { CASSETTE_VERSION } from '../core/cassette/model.js';
import { isTapedeckError } from '../core/errors.js';
import type { CassetteStore, Logger } from '../core/ports.js';
import type { RecordMode } from './config.js';
import type { ServerStats } from './stats.js';

export interface RecorderOptions {
  readonly store: CassetteStore;
  readonly mode: RecordMode;
  readonly meta: CassetteMeta;
  readonly logger: Logger;
  readonly stats: ServerStats;
}

/**
 * Appends redacted interactions to cassettes. Interactions that finish close together are
 * written in one atomic update per cassette; in `all` mode the first write of a run replaces
 * the cassette's old interactions, later ones append.
 */
export class CassetteRecorder {
  private readonly pending = new Map<string, Interaction[]>();
  private readonly writing = new Map<string, Promise<void>>();
  private readonly rewritten = new Set<string>();

  constructor(private readonly options: RecorderOptions) {}

  add(cassette: string, interaction: Interaction): void {
    const queue = this.pending.get(cassette);
    if (queue) {
      queue.push(interaction);
      return;
    }
    this.pending.set(cassette, [interaction]);
    if (!this.writing.has(cassette)) this.schedule(cassette);
  }

  private schedule(cassette: string): void {
    const run = new Promise<void>((resolve) => setImmediate(resolve)).then(() =>
      this.write(cassette),
    );
    this.writing.set(cassette, run);
    void run.finally(() => {
      this.writing.delete(cassette);
      if (this.pending.has(cassette)) this.schedule(cassette);
    });
  }

  private async write(cassette: string): Promise<void> {
    const batch = this.pending.get(cassette) ?? [];
    this.pending.delete(cassette);
    if (batch.length === 0) return;
    const replace = this.options.mode === 'all' && !this.rewritten.has(cassette);
    try {
      await this.options.store.update(cassette, (current): Cassette => {
        const base = replace || current === undefined ? [] : current.interactions;
        return {
          version: CASSETTE_VERSION,
          meta: { ...current?.meta, ...this.options.meta },
          interactions: [...base, ...batch],
        };
      });
      if (replace) this.rewritten.add(cassette);
      for (let i = 0; i < batch.length; i++) this.options.stats.wasRecorded(cassette);
      this.options.logger.log(
        'debug',
        'record.written',
        `recorded ${batch.length} interaction(s) to ${cassette}`,
        {
          cassette,
          count: batch.length,
        },
      );
    } catch (error) {
      this.options.stats.recordFailures += batch.length;
      const code = isTapedeckError(error) ? error.code : 'TD_CASSETTE_WRITE_FAILED';
      this.options.logger.log(
        'error',
        'record.failed',
        `could not record ${batch.length} interaction(s) to cassette ${cassette}: ${(error as Error).message}`,
        { code, cassette },
      );
    }
  }

  /** Resolves when every interaction added so far is on disk (or has failed and been logged). */
  async drain(): Promise<void> {
    while (this.writing.size > 0 || this.pending.size > 0) {
      const inFlight = [...this.writing.values()];
      if (inFlight.length === 0)
        for (const cassette of this.pending.keys()) this.schedule(cassette);
      await Promise.all(this.writing.values());
    }
  }
}
