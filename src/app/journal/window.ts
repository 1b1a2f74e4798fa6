import type { AnswerLayer, JournalEntry } from '../../core/ports/journal.js';

/**
 * The latest journal entries, in columns: copying each entry's fields into preallocated arrays
 * keeps no per-request object alive, so the window costs the garbage collector nothing.
 */
export class JournalWindow {
  private readonly at: Float64Array;
  private readonly durationMs: Float64Array;
  private readonly status: Int32Array;
  private readonly position: Int32Array;
  private readonly session: string[];
  private readonly method: string[];
  private readonly path: string[];
  private readonly layer: AnswerLayer[];
  private readonly cassette: (string | undefined)[];
  private readonly tenant: (string | undefined)[];
  private readonly scenario: (string | undefined)[];
  private readonly firedBy: (string | undefined)[];
  private next = 0;
  private count = 0;

  constructor(readonly capacity = 1024) {
    this.at = new Float64Array(capacity);
    this.durationMs = new Float64Array(capacity);
    this.status = new Int32Array(capacity);
    this.position = new Int32Array(capacity);
    this.session = new Array<string>(capacity).fill('');
    this.method = new Array<string>(capacity).fill('');
    this.path = new Array<string>(capacity).fill('');
    this.layer = new Array<AnswerLayer>(capacity).fill('miss');
    this.cassette = new Array<string | undefined>(capacity).fill(undefined);
    this.tenant = new Array<string | undefined>(capacity).fill(undefined);
    this.scenario = new Array<string | undefined>(capacity).fill(undefined);
    this.firedBy = new Array<string | undefined>(capacity).fill(undefined);
  }

  push(e: JournalEntry): void {
    const i = this.next;
    this.at[i] = e.at;
    this.durationMs[i] = e.durationMs;
    this.status[i] = e.status;
    this.position[i] = e.position ?? -1;
    this.session[i] = e.session;
    this.method[i] = e.method;
    this.path[i] = e.path;
    this.layer[i] = e.layer;
    this.cassette[i] = e.cassette;
    this.tenant[i] = e.tenant;
    this.scenario[i] = e.scenario;
    this.firedBy[i] = e.firedBy;
    this.next = (i + 1) % this.capacity;
    if (this.count < this.capacity) this.count++;
  }

  latest(limit: number): JournalEntry[] {
    const out: JournalEntry[] = [];
    for (let k = 1; k <= Math.min(limit, this.count); k++) {
      const i = (this.next - k + this.capacity) % this.capacity;
      const cassette = this.cassette[i];
      const position = this.position[i]!;
      const tenant = this.tenant[i];
      const scenario = this.scenario[i];
      const firedBy = this.firedBy[i];
      out.push({
        at: this.at[i]!,
        session: this.session[i]!,
        method: this.method[i]!,
        path: this.path[i]!,
        layer: this.layer[i]!,
        status: this.status[i]!,
        durationMs: this.durationMs[i]!,
        ...(cassette === undefined ? {} : { cassette }),
        ...(position === -1 ? {} : { position }),
        ...(tenant === undefined ? {} : { tenant }),
        ...(scenario === undefined ? {} : { scenario }),
        ...(firedBy === undefined ? {} : { firedBy }),
      });
    }
    return out;
  }
}
