import type { EventStore, StoredEvent } from '../../../core/ports/events.js';
import type { SandboxEvent } from '../../../core/ports/resources.js';
import { readLimit } from '../rules.js';
import { Open, type TenantScoped } from './shared.js';

export class MemoryEventStore implements EventStore, TenantScoped {
  /** Per tenant, in seq order. */
  private readonly tenants = new Map<string, StoredEvent[]>();
  private seq = 0;
  readonly open = new Open('events');

  list(tenant: string, afterSeq: number, limit: number): Promise<StoredEvent[]> {
    return this.open.run(() =>
      (this.tenants.get(tenant) ?? [])
        .filter((e) => e.seq > afterSeq)
        .slice(0, readLimit(limit))
        .map((e) => structuredClone(e)),
    );
  }

  /** Whether the tenant has an event of this id (ids are unique per tenant). */
  has(tenant: string, id: string): boolean {
    return (this.tenants.get(tenant) ?? []).some((e) => e.id === id);
  }

  /** Appends, at once: called by the memory resource store's `apply` after its checks. */
  appendNow(tenant: string, events: readonly SandboxEvent[]): void {
    let of = this.tenants.get(tenant);
    if (of === undefined) this.tenants.set(tenant, (of = []));
    for (const e of events) of.push({ ...structuredClone(e), seq: ++this.seq });
  }

  dropTenant(tenant: string): void {
    this.tenants.delete(tenant);
  }
}
