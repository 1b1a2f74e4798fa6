import type { TenantRecord, TenantStore } from '../../../core/ports/tenants.js';
import { Open, type TenantScoped } from './shared.js';

export class MemoryTenantStore implements TenantStore {
  private readonly byId = new Map<string, TenantRecord>();
  readonly open = new Open('tenants');

  constructor(private readonly scoped: readonly TenantScoped[]) {}

  create(tenant: TenantRecord): Promise<boolean> {
    return this.open.run(() => {
      if (this.byId.has(tenant.id)) return false;
      for (const t of this.byId.values()) if (t.keyHash === tenant.keyHash) return false;
      this.byId.set(tenant.id, { ...tenant });
      return true;
    });
  }

  get(id: string): Promise<TenantRecord | undefined> {
    return this.open.run(() => {
      const t = this.byId.get(id);
      return t === undefined ? undefined : { ...t };
    });
  }

  getByKeyHash(keyHash: string): Promise<TenantRecord | undefined> {
    return this.open.run(() => {
      for (const t of this.byId.values()) if (t.keyHash === keyHash) return { ...t };
      return undefined;
    });
  }

  list(): Promise<TenantRecord[]> {
    return this.open.run(() => {
      return [...this.byId.values()]
        .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
        .map((t) => ({ ...t }));
    });
  }

  delete(id: string): Promise<boolean> {
    return this.open.run(() => {
      for (const s of this.scoped) s.dropTenant(id);
      return this.byId.delete(id);
    });
  }
}
