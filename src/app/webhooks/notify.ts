/**
 * The kick (docs/design/issue-15-plan.md §2 "Kick and poll"): the sandbox's ResourceStore,
 * wrapped so an `apply` that committed events asks the dispatcher to drain that tenant. Every
 * path that makes events goes through apply (requests, scenario outcomes, actions, triggers), so
 * this is the one place to hook. The kick itself is coalesced by the dispatcher, on a later turn.
 */
import type { ResourceStore } from '../../core/ports/index.js';

export function notifyingResources(
  resources: ResourceStore,
  kick: (tenantId: string) => void,
): ResourceStore {
  // Spelled out rather than a Proxy: a method the port gains must be decided on here.
  return {
    put: (tenant, resource) => resources.put(tenant, resource),
    get: (tenant, type, id) => resources.get(tenant, type, id),
    list: (tenant, type) => resources.list(tenant, type),
    delete: (tenant, type, id) => resources.delete(tenant, type, id),
    snapshot: (tenant) => resources.snapshot(tenant),
    restore: (tenant, snapshot) => resources.restore(tenant, snapshot),
    clear: (tenant) => resources.clear(tenant),
    page: (tenant, query) => resources.page(tenant, query),
    async apply(tenant, change, at) {
      const result = await resources.apply(tenant, change, at);
      if (result.ok && (change.events?.length ?? 0) > 0) kick(tenant);
      return result;
    },
    sequence: (tenant, name) => resources.sequence(tenant, name),
    reserveIds: (tenant, n) => resources.reserveIds(tenant, n),
    saveSnapshot: (tenant, name, at) => resources.saveSnapshot(tenant, name, at),
    loadSnapshot: (tenant, name) => resources.loadSnapshot(tenant, name),
    listSnapshots: (tenant) => resources.listSnapshots(tenant),
  };
}
