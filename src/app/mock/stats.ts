import type { LayerName } from '../../core/pipeline.js';

export interface MockSummary {
  readonly served: number;
  readonly byOutcome: Readonly<Record<string, number>>;
  readonly reloads: number;
  readonly reloadFailures: number;
}

/** Counters of one mock server, for the shutdown summary and /__tapedeck/summary. */
export class MockStats {
  served = 0;
  reloads = 0;
  reloadFailures = 0;
  readonly byOutcome = new Map<string, number>();

  /** Every answer, the admin layer's included (as replay counts them). */
  answered(_layer: LayerName): void {
    this.served++;
  }

  count(outcome: string): void {
    this.byOutcome.set(outcome, (this.byOutcome.get(outcome) ?? 0) + 1);
  }

  summary(): MockSummary {
    return {
      served: this.served,
      byOutcome: Object.fromEntries(this.byOutcome),
      reloads: this.reloads,
      reloadFailures: this.reloadFailures,
    };
  }
}
