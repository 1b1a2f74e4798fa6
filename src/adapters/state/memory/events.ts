import type { EventStore, StoredEvent } from '../../../core/ports/events.js';
import type { SandboxEvent } from '../../../core/ports/resources.js';
import { readLimit } from '../rules.js';
import { Open, type TenantScoped } from './shared.js';

export class MemoryEventStore implements EventStore, TenantScoped {
  /** Per tenant, in seq order. */
  private readonly tenants = new Map<string, StoredEvent[]>();
  /** Per tenant, the ids it has and their types: `apply` checks each new event against them. */
  private readonly ids = new Map<string, Map<string, string>>();
  /** Per tenant, the trace of each event a traced request caused (the webhook store's claims). */
  private readonly traces = new Map<string, Map<string, { traceId: string; flags: string }>>();
  private seq = 0;
  readonly open = new Open('events');

  list(tenant: string, afterSeq: number, limit: number): Promise<StoredEvent[]> {
    return this.open.run(() => {
      const of = this.tenants.get(tenant) ?? [];
      // In seq order: the first event past `afterSeq` by bisection, not a scan of every event.
      let [low, high] = [0, of.length];
      while (low < high) {
        const mid = (low + high) >>> 1;
        if (of[mid]!.seq > afterSeq) high = mid;
        else low = mid + 1;
      }
      return of.slice(low, low + readLimit(limit)).map((e) => structuredClone(e));
    });
  }

  lastSeq(tenant: string): Promise<number> {
    return this.open.run(() => this.lastSeqNow(tenant));
  }

  /** Whether the tenant has an event of this id (ids are unique per tenant). */
  has(tenant: string, id: string): boolean {
    return this.ids.get(tenant)?.has(id) === true;
  }

  /** The type of the tenant's event of this id, at once (the memory webhook store's reads). */
  typeNow(tenant: string, id: string): string | undefined {
    return this.ids.get(tenant)?.get(id);
  }

  /** The trace of the tenant's event of this id, at once, when its request brought one. */
  traceNow(tenant: string, id: string): { traceId: string; flags: string } | undefined {
    const trace = this.traces.get(tenant)?.get(id);
    return trace === undefined ? undefined : { ...trace };
  }

  /** `lastSeq`, at once. */
  lastSeqNow(tenant: string): number {
    return this.tenants.get(tenant)?.at(-1)?.seq ?? 0;
  }

  /** Appends, at once: called by the memory resource store's `apply` after its checks. */
  appendNow(tenant: string, events: readonly SandboxEvent[]): void {
    let of = this.tenants.get(tenant);
    if (of === undefined) this.tenants.set(tenant, (of = []));
    let ids = this.ids.get(tenant);
    if (ids === undefined) this.ids.set(tenant, (ids = new Map<string, string>()));
    for (const e of events) {
      // As SQLite keeps them: a trace id without its flags (or flags alone) is no trace.
      const { traceId, traceFlags, ...rest } = structuredClone(e);
      const traced = traceId !== undefined && traceFlags !== undefined;
      of.push({ ...rest, ...(traced ? { traceId, traceFlags } : {}), seq: ++this.seq });
      ids.set(e.id, e.type);
      if (traced) {
        let traces = this.traces.get(tenant);
        if (traces === undefined)
          this.traces.set(tenant, (traces = new Map<string, { traceId: string; flags: string }>()));
        traces.set(e.id, { traceId, flags: traceFlags });
      }
    }
  }

  dropTenant(tenant: string): void {
    this.tenants.delete(tenant);
    this.ids.delete(tenant);
    this.traces.delete(tenant);
  }
}
