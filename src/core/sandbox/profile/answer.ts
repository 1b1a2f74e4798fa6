/**
 * One function shapes every made-up answer of the sandbox (401, 404, 409, 429, …): the profile's
 * template when it has one, else the spec's documented error for the status, else RFC 9457
 * problem+json. Used by the tenant, limits, idempotency and state layers alike.
 */
import { TapedeckError } from '../../errors.js';
import type { SpecOperation } from '../../mock/openapi/operations.js';
import type { CompiledSpec } from '../../mock/openapi/compiled.js';
import type { LayerName } from '../../pipeline.js';
import type { SimpleReply } from '../../ports/index.js';
import type { IdShape } from '../state/model.js';
import type { ApiProfile, ErrorKind } from './types.js';

/**
 * What a layer knows about a refusal. Nothing here may be a credential or raw request text:
 * `values` are tapedeck's own facts (a type's object name, a state, a quota and its limit, a
 * redacted path) and ids, which are named only when they match `idShape`.
 */
export interface ErrorFactsIn {
  readonly kind: ErrorKind;
  /**
   * Placeholder values for the kind's message (`{object}`, `{id}`, `{state}`, `{quota}`,
   * `{limit}`, `{key}`, `{firstPath}`, `{path}`); a placeholder without a value is left out of
   * the message with its quotes and separator ("No such customer").
   */
  readonly values?: Readonly<Record<string, string | number>>;
  /** `{id}` is named only when it matches this shape (and is a plain token in any case). */
  readonly idShape?: IdShape;
  /** Replaces the kind's code (a lifecycle's `forbidden.code`). */
  readonly code?: string;
  /** Replaces the kind's message template (a lifecycle's `forbidden.message`). */
  readonly message?: string;
  /** The request field at fault (`payment_method`), a name the model knows, never a value. */
  readonly param?: string;
  /** Replaces the kind's status (`forbidden: { documented: 400 }`). */
  readonly status?: number;
  /** The routed operation: its documented error is preferred to the spec-wide one. */
  readonly operation?: SpecOperation;
  /** Extra headers (`Retry-After`), after content-type and the layer/error headers. */
  readonly headers?: readonly (readonly [string, string])[];
}

export interface ProfileErrors {
  reply(facts: ErrorFactsIn, layer: LayerName): SimpleReply;
}

/** The header naming the kind of a made-up answer (`x-tapedeck-error: not-found`). */
export const HEADER_ERROR = 'x-tapedeck-error';

export function profileErrors(profile: ApiProfile, spec: CompiledSpec | undefined): ProfileErrors {
  void profile;
  void spec;
  throw new TapedeckError('TD_INTERNAL', 'not yet');
}
