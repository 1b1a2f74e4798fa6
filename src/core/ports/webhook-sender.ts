/**
 * Sending one webhook attempt (issue 15): the adapter (adapters/http/webhook-sender.ts) connects
 * only to allowed destinations (checked on the address actually connected), never follows a
 * redirect, stops waiting at `timeoutMs` and stops reading at `maxResponseBytes`.
 */
export interface WebhookSendRequest {
  readonly url: string;
  readonly headers: readonly (readonly [string, string])[];
  /** The bytes that were signed. */
  readonly body: Uint8Array;
  /** Until status and headers; the body read stops there too. */
  readonly timeoutMs: number;
  /** Then the socket is destroyed; the status still counts. */
  readonly maxResponseBytes: number;
}

export type WebhookSendResult =
  | {
      readonly kind: 'answered';
      readonly status: number;
      /** Lower-cased names (retry-after, webhook-delivery, location, content-type). */
      readonly headers: Readonly<Record<string, string>>;
      readonly body: Uint8Array;
      readonly latencyMs: number;
    }
  | {
      readonly kind: 'failed';
      /** `refused`: the destination check said no (at connect time). */
      readonly error: 'timeout' | 'refused' | 'network';
      /** Carries no secret: the destination, the reason. */
      readonly message: string;
      readonly latencyMs: number;
    };

export interface WebhookSender {
  /** Never rejects for what happens on the wire: that is a `failed` result. */
  send(request: WebhookSendRequest): Promise<WebhookSendResult>;
  close(): Promise<void>;
}
