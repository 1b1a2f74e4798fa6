import type { ReadinessStore, Signoff } from '../../../core/ports/readiness.js';
import { Open, type TenantScoped } from './shared.js';

/** Sign-offs per tenant, oldest first, each a copy. */
export class MemoryReadinessStore implements ReadinessStore, TenantScoped {
  private readonly tenants = new Map<string, Signoff[]>();
  readonly open = new Open('readiness');

  sign(signoff: Signoff): Promise<void> {
    return this.open.run(() => {
      const copy = structuredClone(signoff);
      const list = this.tenants.get(signoff.tenant);
      if (list === undefined) this.tenants.set(signoff.tenant, [copy]);
      else list.push(copy);
    });
  }

  latest(tenant: string): Promise<Signoff | undefined> {
    return this.open.run(() => {
      const last = this.tenants.get(tenant)?.at(-1);
      return last === undefined ? undefined : structuredClone(last);
    });
  }

  history(tenant: string, limit: number): Promise<Signoff[]> {
    return this.open.run(() =>
      (this.tenants.get(tenant) ?? [])
        .slice(-Math.max(1, limit))
        .reverse()
        .map((s) => structuredClone(s)),
    );
  }

  dropTenant(tenant: string): void {
    this.tenants.delete(tenant);
  }
}
