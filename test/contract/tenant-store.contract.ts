import { describe, it } from 'vitest';
import type { StateHarness } from './state-harness.js';

/** The contract of TenantStore (issue 13 rewrites it with the port). */
export function tenantStoreContract(name: string, _harness: StateHarness): void {
  describe(`${name}: TenantStore`, () => {
    it.todo('creates, resolves keys, updates and deletes tenants');
  });
}
