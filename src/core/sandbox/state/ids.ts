/** Id shapes: learning them from observed ids, and drawing new ids deterministically. */
import { TapedeckError } from '../../errors.js';
import type { IdShape } from './model.js';

/**
 * The `counter`-th id of a tenant whose id seed is `seed`: deterministic, and unique across
 * seeds and counters (a sequence shape gives `start + counter`).
 */
export function newId(shape: IdShape, seed: string, counter: number): string {
  void shape;
  void seed;
  void counter;
  throw new TapedeckError('TD_INTERNAL', 'not yet');
}
