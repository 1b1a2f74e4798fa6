/**
 * Issue 15's webhook model (docs/design/issue-15-plan.md): signature schemes, retry schedules,
 * what an attempt's answer means, and the flows `tapedeck trigger` runs. Pure: HMAC and random
 * bytes come through the Signer port.
 */
import type { JsonValue } from '../json.js';
import type { Signer } from '../ports/signer.js';

export type SchemeName = 'standard' | 'stripe' | 'github';

export interface SigningInput {
  /** The event id: the same on every retry and redelivery (the receiver's idempotency key). */
  readonly messageId: string;
  /** Real Unix seconds of this attempt (receivers check it against their own clock). */
  readonly timestampS: number;
  /** The exact bytes sent. */
  readonly body: Uint8Array;
  /** Unexpired secrets, newest first: all of them sign during a rotation's overlap. */
  readonly secrets: readonly string[];
  readonly endpointId: string;
}

export type VerifyResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: 'missing' | 'mismatch' | 'too-old' | 'too-new' };

export interface SignatureScheme {
  readonly name: SchemeName;
  /** Lower-cased names of the headers that carry signatures: never stored, logged or journaled. */
  readonly signatureHeaders: readonly string[];
  /** The headers of one attempt (signatures and the scheme's ids), lower-cased names. */
  sign(input: SigningInput, signer: Signer): readonly (readonly [string, string])[];
  /** Checks a delivery as a receiver would (`record --webhooks` checks staging's with it). */
  verify(
    headers: Readonly<Record<string, string>>,
    body: Uint8Array,
    secrets: readonly string[],
    at: { readonly nowS: number; readonly toleranceS: number },
    signer: Signer,
  ): VerifyResult;
  /** A new secret from random bytes: `whsec_…` in every scheme (the redaction scanner knows it). */
  newSecret(random: Uint8Array): string;
  /** Why a caller's own secret cannot be used with this scheme, or undefined when it can. */
  checkSecret(secret: string): string | undefined;
}

export interface RetrySchedule {
  /** The wait after attempt i (1-based: [0] follows the first attempt) before the next one. */
  readonly delaysMs: readonly number[];
  /** ± this fraction of each delay, drawn from a seeded hash (the same after a restart). */
  readonly jitter: number;
}

/** One request of a trigger's flow, run through the sandbox's pipeline as the tenant. */
export interface TriggerStep {
  /** Later steps use `{steps.NAME.a.b}` (a field of this step's answer). */
  readonly name?: string;
  readonly method: string;
  /** `/v1/payment_intents/{steps.pi.id}/cancel` */
  readonly path: string;
  /** Sent in the route's body format (form or JSON). */
  readonly body?: JsonValue;
  readonly headers?: Readonly<Record<string, string>>;
}

/** The flow that makes an event happen (`tapedeck trigger EVENT`). */
export interface TriggerDecl {
  readonly event: string;
  readonly description?: string;
  readonly steps: readonly TriggerStep[];
}

/** What an attempt's result means for the delivery and its endpoint (status.ts's `classifyAttempt`). */
export interface AttemptVerdict {
  readonly outcome:
    'delivered' | 'retry' | 'throttled' | 'gone' | 'aborted' | 'exhausted' | 'blocked';
  readonly status: 'pending' | 'delivered' | 'failed';
  readonly nextAttemptAt?: number;
  readonly throttledUntil?: number;
  readonly disable?: 'gone';
  readonly error?: 'timeout' | 'refused' | 'network' | 'redirect' | 'status';
}
