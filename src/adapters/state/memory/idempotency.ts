import type {
  IdempotencyBegin,
  IdempotencyStore,
  IdempotentResponse,
} from '../../../core/ports/idempotency.js';
import { Open, PerTenant, type TenantScoped } from './shared.js';

interface KeyRecord {
  readonly fingerprint: string;
  readonly endpoint: string;
  readonly begunAt: number;
  response?: IdempotentResponse;
}

function copyResponse(r: IdempotentResponse): IdempotentResponse {
  return {
    status: r.status,
    headers: r.headers.map(([n, v]) => [n, v] as const),
    body: Uint8Array.from(r.body),
  };
}

export class MemoryIdempotencyStore implements IdempotencyStore, TenantScoped {
  private readonly tenants = new PerTenant<KeyRecord>();
  readonly open = new Open('idempotency');

  begin(
    tenant: string,
    keyHash: string,
    fingerprint: string,
    endpoint: string,
    at: number,
    notBefore: number,
  ): Promise<IdempotencyBegin> {
    return this.open.run((): IdempotencyBegin => {
      const of = this.tenants.of(tenant);
      const record = of.get(keyHash);
      if (record === undefined || record.begunAt < notBefore) {
        of.set(keyHash, { fingerprint, endpoint, begunAt: at });
        return { kind: 'new' };
      }
      if (record.fingerprint !== fingerprint)
        return { kind: 'mismatch', endpoint: record.endpoint };
      if (record.response === undefined) return { kind: 'in-flight' };
      return { kind: 'completed', response: copyResponse(record.response) };
    });
  }

  complete(tenant: string, keyHash: string, response: IdempotentResponse): Promise<boolean> {
    return this.open.run(() => this.completeNow(tenant, keyHash, response));
  }

  /** `complete`, at once: the memory resource store's `apply` completes a key with its change. */
  completeNow(tenant: string, keyHash: string, response: IdempotentResponse): boolean {
    const record = this.tenants.peek(tenant).get(keyHash);
    if (record === undefined || record.response !== undefined) return false;
    record.response = copyResponse(response);
    return true;
  }

  release(tenant: string, keyHash: string): Promise<boolean> {
    return this.open.run(() => {
      const of = this.tenants.peek(tenant);
      const record = of.get(keyHash);
      if (record === undefined || record.response !== undefined) return false;
      return of.delete(keyHash);
    });
  }

  releaseInFlight(): Promise<number> {
    return this.open.run(() => {
      let count = 0;
      for (const of of this.tenants.all())
        for (const [key, record] of of)
          if (record.response === undefined) {
            of.delete(key);
            count++;
          }
      return count;
    });
  }

  expire(tenant: string, before: number): Promise<number> {
    return this.open.run(() => {
      const of = this.tenants.peek(tenant);
      let count = 0;
      for (const [key, record] of of) {
        if (record.begunAt < before) {
          of.delete(key);
          count++;
        }
      }
      return count;
    });
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
