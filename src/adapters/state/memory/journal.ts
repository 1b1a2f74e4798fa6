import type { JournalEntry, JournalQuery, JournalStore } from '../../../core/ports/journal.js';
import { Open, type TenantScoped } from './shared.js';

export class MemoryJournalStore implements JournalStore, TenantScoped {
  private entries: JournalEntry[] = [];
  readonly open = new Open('journal');

  append(entries: readonly JournalEntry[]): Promise<void> {
    return this.open.run(() => {
      for (const e of entries) this.entries.push({ ...e });
    });
  }

  query(query: JournalQuery): Promise<JournalEntry[]> {
    return this.open.run(() => {
      const limit = Math.max(1, Math.floor(query.limit));
      const out: JournalEntry[] = [];
      for (let i = this.entries.length - 1; i >= 0 && out.length < limit; i--) {
        const e = this.entries[i]!;
        if (query.layers !== undefined && !query.layers.includes(e.layer)) continue;
        if (query.since !== undefined && e.at < query.since) continue;
        if (query.tenant !== undefined && e.tenant !== query.tenant) continue;
        out.push({ ...e });
      }
      return out;
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
