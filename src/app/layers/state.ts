import { TapedeckError } from '../../core/errors.js';
import type { JsonValue } from '../../core/json.js';
import type { Layer } from '../pipeline/context.js';
import type { BodyCodec } from '../../core/ports/codec.js';
import type { SimpleReply } from '../../core/http/reply.js';
import type { ResourceStore } from '../../core/ports/resources.js';
import type { StateEngineDeps } from '../../core/sandbox/state/engine.js';
import type { ResolvedTenant } from '../../core/sandbox/tenant.js';
import type { TenantSeeder } from '../sandbox/seed.js';

export interface StateLayerOptions {
  readonly engine: StateEngineDeps;
  readonly resources: ResourceStore;
  readonly codec: BodyCodec;
  /** Redacts a value before it is stored (§0.7): built by E from the redactor. */
  readonly redactValue: (v: JsonValue) => JsonValue;
  readonly seeder: TenantSeeder;
}

/** The outcome of a named action run outside a request (issue 14's state outcomes). */
export type ActionOutcome =
  | { readonly ok: true; readonly value: JsonValue; readonly reply: SimpleReply }
  | { readonly ok: false; readonly reply: SimpleReply };

export interface StateLayer extends Layer {
  applyAction(
    tenant: ResolvedTenant,
    type: string,
    id: string,
    action: string,
    params?: JsonValue,
  ): Promise<ActionOutcome>;
}

export function stateLayer(o: StateLayerOptions): StateLayer {
  void o;
  throw new TapedeckError('TD_INTERNAL', 'not yet');
}

/**
 * Runs a declared (or inferred) action on one of the tenant's resources, in one `apply`, as a
 * request to the action route would: issue 14's scenarios call it for state outcomes.
 */
export function applyAction(
  o: StateLayerOptions,
  tenant: ResolvedTenant,
  type: string,
  id: string,
  action: string,
  params?: JsonValue,
): Promise<ActionOutcome> {
  void o;
  void tenant;
  void type;
  void id;
  void action;
  void params;
  throw new TapedeckError('TD_INTERNAL', 'not yet');
}
