/**
 * When each drift finding was first seen, so a report can tell a new difference from one that
 * has been there for weeks. Fingerprints come from core/drift (see `fingerprint`). Every
 * implementation passes test/contract/drift-history.contract.ts.
 */
export interface DriftHistoryStore {
  /**
   * Notes that these fingerprints were seen at `at` (ms since the epoch) and resolves, for each
   * distinct one, when it was first seen (`at` itself for a new one; the earlier time when `at`
   * is older than what is stored). Written at once: a drift run is rare and small.
   */
  record(fingerprints: readonly string[], at: number): Promise<ReadonlyMap<string, number>>;
}
