/**
 * Sign-offs of partner readiness (issue 16): who signed a tenant off for production, when, and
 * against what. Every implementation passes test/contract/readiness-store.contract.ts.
 */
export interface Signoff {
  readonly tenant: string;
  readonly by: string;
  readonly note?: string;
  /** Real ms. */
  readonly at: number;
  /** `ReadinessReport.hash` of the report signed. */
  readonly reportHash: string;
  readonly criteriaHash: string;
  readonly specHash?: string;
  /** Cassette name → content hash. */
  readonly cassettes: Readonly<Record<string, string>>;
  /** Criterion id → verdict, as signed: what a later report compares with. */
  readonly verdicts: Readonly<Record<string, string>>;
}

export interface ReadinessStore {
  /** Appends; earlier sign-offs stay (the history). */
  sign(signoff: Signoff): Promise<void>;
  /** The newest sign-off of the tenant. */
  latest(tenant: string): Promise<Signoff | undefined>;
  /** Newest first. */
  history(tenant: string, limit: number): Promise<Signoff[]>;
}
