import type { UsageStore } from '../../../core/ports/usage.js';
import { finite } from '../rules.js';
import { Open, PerTenant, type TenantScoped } from './shared.js';

export class MemoryUsageStore implements UsageStore, TenantScoped {
  private readonly tenants = new PerTenant<number>();
  readonly open = new Open('usage');

  add(tenant: string, day: number, n: number): Promise<number> {
    return this.open.run(() => {
      const of = this.tenants.of(tenant);
      const total = (of.get(String(day)) ?? 0) + finite('a request count', n);
      of.set(String(day), total);
      return total;
    });
  }

  get(tenant: string, day: number): Promise<number> {
    return this.open.run(() => this.tenants.peek(tenant).get(String(day)) ?? 0);
  }

  dropTenant(tenant: string): void {
    this.tenants.drop(tenant);
  }
}
