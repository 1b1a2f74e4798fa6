import type { EventStore, StoredEvent } from '../../../core/ports/events.js';
import { notYet } from '../not-yet.js';

export class MemoryEventStore implements EventStore {
  list(): Promise<StoredEvent[]> {
    return notYet();
  }
}
