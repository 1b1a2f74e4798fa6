import type { DriftHistoryStore } from '../../../core/ports/drift-history.js';
import { Open } from './shared.js';

export class MemoryDriftHistory implements DriftHistoryStore {
  private readonly firstSeen = new Map<string, number>();
  readonly open = new Open('drift history');

  record(fingerprints: readonly string[], at: number): Promise<ReadonlyMap<string, number>> {
    return this.open.run(() => {
      const out = new Map<string, number>();
      for (const fp of fingerprints) {
        const first = Math.min(this.firstSeen.get(fp) ?? at, at);
        this.firstSeen.set(fp, first);
        out.set(fp, first);
      }
      return out;
    });
  }
}
