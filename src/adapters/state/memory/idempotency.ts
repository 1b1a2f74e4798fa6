import { notYet } from '../not-yet.js';
import type {
  IdempotencyBegin,
  IdempotencyStore,
  IdempotentResponse,
} from '../../../core/ports/idempotency.js';
import { Open, PerTenant, type TenantScoped } from './shared.js';

interface KeyRecord {
  readonly fingerprint: string;
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
    key: string,
    fingerprint: string,
    _endpoint: string,
    at: number,
  ): Promise<IdempotencyBegin> {
    return this.open.run((): IdempotencyBegin => {
      const of = this.tenants.of(tenant);
      const record = of.get(key);
      if (record === undefined) {
        of.set(key, { fingerprint, begunAt: at });
        return { kind: 'new' };
      }
      if (record.fingerprint !== fingerprint) return { kind: 'mismatch', endpoint: '' };
      if (record.response === undefined) return { kind: 'in-flight' };
      return { kind: 'completed', response: copyResponse(record.response) };
    });
  }

  complete(tenant: string, key: string, response: IdempotentResponse): Promise<boolean> {
    return this.open.run(() => {
      const record = this.tenants.peek(tenant).get(key);
      if (record === undefined || record.response !== undefined) return false;
      record.response = copyResponse(response);
      return true;
    });
  }

  release(tenant: string, key: string): Promise<boolean> {
    return this.open.run(() => {
      const of = this.tenants.peek(tenant);
      const record = of.get(key);
      if (record === undefined || record.response !== undefined) return false;
      return of.delete(key);
    });
  }

  releaseInFlight(): Promise<number> {
    return notYet();
  }

  clear(): Promise<void> {
    return notYet();
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

  dropTenant(tenant: string): void {
    this.tenants.drop(tenant);
  }
}
