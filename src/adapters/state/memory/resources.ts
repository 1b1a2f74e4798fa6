import { notYet } from '../not-yet.js';
import type {
  ChangeResult,
  ListPage,
  ResourceSnapshot,
  ResourceStore,
  StoredResource,
} from '../../../core/ports/resources.js';
import { Open, PerTenant, type TenantScoped } from './shared.js';

/** Map key of one resource within a tenant; `\u0000` cannot occur in a type written in a path. */
const resourceKey = (type: string, id: string) => `${type}\u0000${id}`;

export class MemoryResourceStore implements ResourceStore, TenantScoped {
  /** Per tenant, in first-put order (a Map keeps insertion order; `set` on a key keeps its place). */
  private readonly tenants = new PerTenant<StoredResource>();
  readonly open = new Open('resources');

  put(tenant: string, resource: StoredResource): Promise<void> {
    return this.open.run(() => {
      this.tenants
        .of(tenant)
        .set(resourceKey(resource.type, resource.id), structuredClone(resource));
    });
  }

  get(tenant: string, type: string, id: string): Promise<StoredResource | undefined> {
    return this.open.run(() => {
      const r = this.tenants.peek(tenant).get(resourceKey(type, id));
      return r === undefined ? undefined : structuredClone(r);
    });
  }

  list(tenant: string, type: string): Promise<StoredResource[]> {
    return this.open.run(() => {
      return [...this.tenants.peek(tenant).values()]
        .filter((r) => r.type === type)
        .map((r) => structuredClone(r));
    });
  }

  delete(tenant: string, type: string, id: string): Promise<boolean> {
    return this.open.run(() => {
      return this.tenants.peek(tenant).delete(resourceKey(type, id));
    });
  }

  snapshot(tenant: string): Promise<ResourceSnapshot> {
    return this.open.run(() => {
      return [...this.tenants.peek(tenant).values()].map((r) => structuredClone(r));
    });
  }

  restore(tenant: string, snapshot: ResourceSnapshot): Promise<void> {
    return this.open.run(() => {
      const of = new Map<string, StoredResource>();
      for (const r of snapshot) of.set(resourceKey(r.type, r.id), structuredClone(r));
      this.tenants.replace(tenant, of);
    });
  }

  page(): Promise<ListPage> {
    return notYet();
  }
  apply(): Promise<ChangeResult> {
    return notYet();
  }
  sequence(): Promise<number> {
    return notYet();
  }
  reserveIds(): Promise<number> {
    return notYet();
  }
  saveSnapshot(): Promise<void> {
    return notYet();
  }
  loadSnapshot(): Promise<boolean> {
    return notYet();
  }
  listSnapshots(): Promise<{ name: string; createdAt: number; resources: number }[]> {
    return notYet();
  }

  clear(tenant: string): Promise<void> {
    return this.open.run(() => {
      this.tenants.drop(tenant);
    });
  }

  dropTenant(tenant: string): void {
    this.tenants.drop(tenant);
  }
}
