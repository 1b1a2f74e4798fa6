import { TapedeckError } from '../../core/errors.js';
import type { BodyCodec, IdempotencyStore } from '../../core/ports/index.js';
import type { ProfileErrors } from '../../core/sandbox/profile/answer.js';
import type { ApiProfile } from '../../core/sandbox/profile/types.js';
import type { Layer } from '../pipeline/context.js';

export interface IdempotencyLayerOptions {
  readonly profile: ApiProfile;
  readonly errors: ProfileErrors;
  readonly store: IdempotencyStore;
  readonly codec: BodyCodec;
  /** The request path as reports may show it (the redactor's). */
  readonly redactPath: (path: string) => string;
}

/** The sandbox's idempotency layer (docs/sandbox.md, "Idempotency"). */
export function idempotencyLayer(options: IdempotencyLayerOptions): Layer {
  void options;
  throw new TapedeckError('TD_INTERNAL', 'not yet');
}
