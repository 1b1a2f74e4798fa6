import type { ReplayIndex } from '../../core/matching/index.js';
import { requestLine, type NormalizedRequest } from '../../core/matching/normalize.js';
import type { AnswerLayer } from '../../core/ports/index.js';
import { formatQuery } from '../../core/http/index.js';
import type { ServerSummary } from '../../core/render/summary.js';

export interface ServerStatsOptions {
  /**
   * Whether the server answers from the loaded cassettes. `record --mode all` does not: every
   * request goes upstream and the cassettes it records to are replaced, so no loaded
   * interaction could have been used and none is listed as "never used".
   */
  readonly answersFromCassettes?: boolean;
}

/** Counters for the shutdown summary and /__tapedeck/summary; in memory, per server. */
export class ServerStats {
  private readonly answersFromCassettes: boolean;
  private served = 0;
  private readonly byLayer = new Map<AnswerLayer, number>();
  private readonly misses = new Map<string, number>();
  /** Per cassette, a flag per interaction position: no string is built per request. */
  private readonly used = new Map<string, Uint8Array>();
  readonly recorded = new Map<string, number>();
  recordFailures = 0;
  /** Interactions the secret scanner kept off disk. */
  blocked = 0;

  constructor(options: ServerStatsOptions = {}) {
    this.answersFromCassettes = options.answersFromCassettes ?? true;
  }

  answered(layer: AnswerLayer): void {
    this.served++;
    this.byLayer.set(layer, (this.byLayer.get(layer) ?? 0) + 1);
  }

  missed(request: NormalizedRequest): void {
    const line = requestLine(request);
    this.misses.set(line, (this.misses.get(line) ?? 0) + 1);
  }

  markUsed(cassette: string, position: number): void {
    let flags = this.used.get(cassette);
    if (flags === undefined || flags.length <= position) {
      const grown = new Uint8Array(Math.max(16, (position + 1) * 2));
      if (flags) grown.set(flags);
      flags = grown;
      this.used.set(cassette, flags);
    }
    flags[position] = 1;
  }

  wasRecorded(cassette: string): void {
    this.recorded.set(cassette, (this.recorded.get(cassette) ?? 0) + 1);
  }

  summary(index: ReplayIndex | undefined): ServerSummary {
    const unused: { cassette: string; position: number; request: string }[] = [];
    if (index !== undefined && this.answersFromCassettes) {
      for (const { cassette, position, interaction } of index.all()) {
        if (this.used.get(cassette)?.[position] === 1) continue;
        const r = interaction.request;
        const query = formatQuery(r.query);
        unused.push({
          cassette,
          position,
          request: `${r.method} ${r.path}${query === '' ? '' : `?${query}`}`,
        });
      }
    }
    return {
      served: this.served,
      byLayer: Object.fromEntries(this.byLayer),
      misses: [...this.misses].map(([request, count]) => ({ request, count })),
      unused,
      recorded: [...this.recorded].map(([cassette, count]) => ({ cassette, count })),
      recordFailures: this.recordFailures,
      blocked: this.blocked,
    };
  }
}
