import type { TenantKeyRecord, TenantRecord, TenantStore } from '../../../core/ports/tenants.js';
import { notYet } from '../not-yet.js';
import { Open, type TenantScoped } from './shared.js';

export class MemoryTenantStore implements TenantStore {
  readonly open = new Open('tenants');

  constructor(private readonly scoped: readonly TenantScoped[]) {}

  create(): Promise<boolean> {
    return notYet();
  }
  get(): Promise<TenantRecord | undefined> {
    return notYet();
  }
  getByName(): Promise<TenantRecord | undefined> {
    return notYet();
  }
  list(): Promise<TenantRecord[]> {
    return notYet();
  }
  resolveKey(): Promise<TenantRecord | undefined> {
    return notYet();
  }
  addKey(): Promise<boolean> {
    return notYet();
  }
  listKeys(): Promise<TenantKeyRecord[]> {
    return notYet();
  }
  updateKeys(): Promise<number> {
    return notYet();
  }
  update(): Promise<boolean> {
    return notYet();
  }
  delete(id: string): Promise<boolean> {
    return this.open.run(() => {
      for (const s of this.scoped) s.dropTenant(id);
      return false;
    });
  }
}
