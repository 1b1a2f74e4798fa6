/** The response stored for an idempotency key, replayed byte for byte. */
export interface IdempotentResponse {
  readonly status: number;
  readonly headers: readonly (readonly [string, string])[];
  readonly body: Uint8Array;
}

/** What `begin` found for a key. */
export type IdempotencyBegin =
  /** First use: the key is now in flight and the caller must `complete` or `release` it. */
  | { readonly kind: 'new' }
  /** Same request, still being answered. */
  | { readonly kind: 'in-flight' }
  /** Same request, answered before: replay this. */
  | { readonly kind: 'completed'; readonly response: IdempotentResponse }
  /**
   * The key was used with another request (another fingerprint), in flight or completed;
   * `endpoint` is the stored one (`METHOD path`), to tell other parameters from another endpoint.
   */
  | { readonly kind: 'mismatch'; readonly endpoint: string };

/**
 * Idempotency keys (their hashes), scoped to a tenant: the same key of two tenants are two
 * records. Times are on the tenant's clock (ms). Every implementation passes
 * test/contract/idempotency-store.contract.ts.
 */
export interface IdempotencyStore {
  /**
   * Looks the key up and, when unused, claims it for this fingerprint, atomically. A record
   * begun before `notBefore` counts as absent (it is overwritten): retention on the tenant clock.
   */
  begin(
    tenant: string,
    keyHash: string,
    fingerprint: string,
    endpoint: string,
    at: number,
    notBefore: number,
  ): Promise<IdempotencyBegin>;
  /** Stores the answer of an in-flight key. False when the key is not in flight. */
  complete(tenant: string, keyHash: string, response: IdempotentResponse): Promise<boolean>;
  /** Forgets an in-flight key whose request is not to be remembered (it failed validation). */
  release(tenant: string, keyHash: string): Promise<boolean>;
  /** Forgets every tenant's in-flight keys (start-up: left by a crash); resolves how many. */
  releaseInFlight(): Promise<number>;
  /** Forgets the tenant's keys begun before `before`; resolves how many. */
  expire(tenant: string, before: number): Promise<number>;
  /** Forgets every key of the tenant (reset). */
  clear(tenant: string): Promise<void>;
}
