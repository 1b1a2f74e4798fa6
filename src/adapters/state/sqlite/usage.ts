import type { UsageStore } from '../../../core/ports/usage.js';
import { notYet } from '../not-yet.js';

export class SqliteUsageStore implements UsageStore {
  add(): Promise<number> {
    return notYet();
  }
  get(): Promise<number> {
    return notYet();
  }
}
