import type { NamedCassette } from '../../cassette/model.js';
import { TapedeckError } from '../../errors.js';
import type { StoredResource } from '../../ports/resources.js';
import type { ResourceModel } from './model.js';

/**
 * Every resource the recordings show (§6.3), in order: a 2xx JSON answer of create, retrieve,
 * update or action puts its object (last write wins), a list answer puts each item, a delete
 * removes it (or leaves its tombstone). Pure; the result is cached per server.
 */
export function seedFromRecordings(
  model: ResourceModel,
  cassettes: readonly NamedCassette[],
): readonly StoredResource[] {
  void model;
  void cassettes;
  throw new TapedeckError('TD_INTERNAL', 'not yet');
}
