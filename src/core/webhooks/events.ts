/** Event facts the engine adds (docs/design/issue-15-plan.md §2 "Events → outbox"). Built by wp15-core. */
import type { JsonValue } from '../json.js';

/**
 * The top-level fields `after` changed, with their values in `before` (Stripe's
 * `previous_attributes`); undefined when nothing changed or either is not an object.
 */
export function previousAttributes(before: JsonValue, after: JsonValue): JsonValue | undefined {
  void before;
  void after;
  throw new Error('built by wp15-core');
}
