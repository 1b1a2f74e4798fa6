/**
 * What the state ports in memory share. They behave as the SQLite ones do, down to copies: what
 * a caller passes in or gets back is never the stored object, so changing it changes nothing
 * stored (as with a database). Every method settles at once.
 */

/** Guards a port against use after `close`, like the SQLite ports, and settles its work. */
export class Open {
  private closed = false;
  constructor(private readonly port: string) {}

  /**
   * Runs `work` on an open port and settles with its result; a throw (a closed port included)
   * becomes a rejection, as with a real store.
   */
  run<T>(work: () => T): Promise<T> {
    try {
      if (this.closed) throw new Error(`the ${this.port} port is closed`);
      return Promise.resolve(work());
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  close(): void {
    this.closed = true;
  }
}

/** Records per tenant, each tenant's in a map of its own: one tenant's keys never meet another's. */
export class PerTenant<V> {
  private readonly tenants = new Map<string, Map<string, V>>();
  /** The tenant's records, created empty on first use. */
  of(tenant: string): Map<string, V> {
    let records = this.tenants.get(tenant);
    if (records === undefined) this.tenants.set(tenant, (records = new Map<string, V>()));
    return records;
  }
  /** The tenant's records, or (for a tenant with none) an empty map that is not kept. */
  peek(tenant: string): Map<string, V> {
    return this.tenants.get(tenant) ?? new Map<string, V>();
  }
  /** Every tenant's records. */
  all(): IterableIterator<Map<string, V>> {
    return this.tenants.values();
  }
  replace(tenant: string, records: Map<string, V>): void {
    this.tenants.set(tenant, records);
  }
  drop(tenant: string): void {
    this.tenants.delete(tenant);
  }
}

/** Something holding per-tenant records, which a tenant's deletion must drop. */
export interface TenantScoped {
  dropTenant(tenant: string): void;
}
