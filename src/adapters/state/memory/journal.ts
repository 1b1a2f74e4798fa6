import { checkJournalQuery, statusMatches } from '../../../core/journal-query.js';
import type {
  JournalEntry,
  JournalPrune,
  JournalQuery,
  JournalStore,
  StoredJournalEntry,
} from '../../../core/ports/journal.js';
import { Open, type TenantScoped } from './shared.js';

function matches(e: StoredJournalEntry, query: JournalQuery): boolean {
  return (
    (query.layers === undefined || query.layers.includes(e.layer)) &&
    (query.since === undefined || e.at >= query.since) &&
    (query.tenant === undefined || e.tenant === query.tenant) &&
    (query.operation === undefined || e.operation === query.operation) &&
    (query.requestId === undefined || e.requestId === query.requestId) &&
    (query.before === undefined || e.seq < query.before) &&
    (query.after === undefined || e.seq > query.after) &&
    statusMatches(e.status, query.status)
  );
}

export class MemoryJournalStore implements JournalStore, TenantScoped {
  private entries: StoredJournalEntry[] = [];
  private seq = 0;
  readonly open = new Open('journal');

  append(entries: readonly JournalEntry[]): Promise<void> {
    return this.open.run(() => {
      for (const e of entries) this.entries.push({ ...structuredClone(e), seq: ++this.seq });
    });
  }

  query(query: JournalQuery): Promise<StoredJournalEntry[]> {
    return this.open.run(() => {
      checkJournalQuery(query);
      const limit = Math.max(1, Math.floor(query.limit));
      const out: StoredJournalEntry[] = [];
      const forward = query.after !== undefined;
      const n = this.entries.length;
      for (let k = 0; k < n && out.length < limit; k++) {
        const e = this.entries[forward ? k : n - 1 - k]!;
        if (matches(e, query)) out.push(structuredClone(e));
      }
      return out;
    });
  }

  prune(prune: JournalPrune): Promise<number> {
    return this.open.run(() => {
      const before = this.entries.length;
      const keep = prune.keepPerTenant;
      const seen = new Map<string | undefined, number>();
      const kept: StoredJournalEntry[] = [];
      // Newest first, so each tenant's newest `keep` are the ones counted first.
      for (let i = this.entries.length - 1; i >= 0; i--) {
        const e = this.entries[i]!;
        if (prune.before !== undefined && e.at < prune.before) continue;
        if (keep !== undefined) {
          const count = (seen.get(e.tenant) ?? 0) + 1;
          seen.set(e.tenant, count);
          if (count > keep) continue;
        }
        kept.push(e);
      }
      this.entries = kept.reverse();
      return before - this.entries.length;
    });
  }

  /** A deleted tenant's rows go with it. */
  dropTenant(tenant: string): void {
    this.entries = this.entries.filter((e) => e.tenant !== tenant);
  }

  close(): Promise<void> {
    this.open.close();
    return Promise.resolve();
  }
}
