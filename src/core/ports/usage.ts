/**
 * Requests per tenant per day (the daily quota). `day` is a day number on the tenant clock
 * (`Math.floor(ms / 86_400_000)`).
 */
export interface UsageStore {
  /** Adds `n` requests to the tenant's day; resolves the day's new total. */
  add(tenant: string, day: number, n: number): Promise<number>;
  /** The tenant's requests on that day (0 when none). */
  get(tenant: string, day: number): Promise<number>;
}
