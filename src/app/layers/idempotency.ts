import { createHash } from 'node:crypto';
import { firstHeaderValue } from '../../core/http/index.js';
import type { LayerName } from '../../core/pipeline.js';
import type { Body } from '../../core/cassette/model.js';
import type { BodyCodec, IdempotencyStore } from '../../core/ports/index.js';
import type { ProfileErrors } from '../../core/sandbox/profile/answer.js';
import type { ApiProfile, ErrorKind } from '../../core/sandbox/profile/types.js';
import {
  canonicalBody,
  endpointOf,
  fingerprintText,
  keyForMessage,
  readIdempotencyKey,
  replayStored,
  serializeReply,
} from '../../core/sandbox/idempotency.js';
import type { DeferredOutcome, Layer, LayerAnswer, RequestContext } from '../pipeline/context.js';

export interface IdempotencyLayerOptions {
  readonly profile: ApiProfile;
  readonly errors: ProfileErrors;
  readonly store: IdempotencyStore;
  readonly codec: BodyCodec;
  /** The request path as reports may show it (the redactor's). */
  readonly redactPath: (path: string) => string;
}

/** The layers whose answers a key remembers: what executed the request. */
const REMEMBERED: ReadonlySet<LayerName> = new Set<LayerName>(['state', 'cassette', 'spec']);

const HOUR_MS = 3_600_000;

/** SHA-256, hex: keys and fingerprints reach the store only hashed. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * The sandbox's idempotency layer (docs/sandbox.md, "Idempotency"), between limits and state:
 * a key seen before with the same request answers the stored reply byte for byte; with another
 * request, or while the first is still running, the profile's error. A new key is claimed and
 * completed (or released) after the answering layer, through `context.defer`.
 */
export function idempotencyLayer(options: IdempotencyLayerOptions): Layer {
  const { profile, errors, store, codec, redactPath } = options;
  const settings = profile.idempotency;
  const methods = new Set(settings?.methods.map((m) => m.toUpperCase()) ?? []);
  const refuse = (kind: ErrorKind, values: Record<string, string> = {}): LayerAnswer => ({
    reply: errors.reply({ kind, values }, 'idempotency'),
    remember: false,
  });
  return {
    name: 'idempotency',
    async handle(context) {
      if (settings === null) return undefined;
      const { incoming } = context;
      const method = incoming.method.toUpperCase();
      const tenant = context.tenant;
      if (!methods.has(method) || tenant === undefined) return undefined;
      const read = readIdempotencyKey(incoming.headers, settings.header, settings.maxKeyLength);
      if (read.kind === 'absent') return undefined;
      if (read.kind === 'invalid') return refuse('idempotency-key-invalid');
      const path = redactPath(incoming.path);
      let body: Body | undefined;
      try {
        body =
          incoming.rawBody === undefined
            ? undefined
            : codec.decode(incoming.rawBody, incoming.headers);
      } catch {
        // A body the codec cannot read (bad gzip) is fingerprinted by its raw bytes' hash.
        body = undefined;
      }
      const contentType = firstHeaderValue(incoming.headers, 'content-type');
      const canonical =
        body === undefined && incoming.rawBody !== undefined
          ? `raw:${createHash('sha256').update(incoming.rawBody).digest('hex')}`
          : canonicalBody(body, contentType);
      const fingerprint = sha256Hex(fingerprintText(method, path, canonical));
      const endpoint = endpointOf(method, path);
      const keyHash = sha256Hex(read.key);
      const now = tenant.now();
      const begun = await store.begin(
        tenant.id,
        keyHash,
        fingerprint,
        endpoint,
        now,
        now - settings.retentionHours * HOUR_MS,
      );
      // The journal's facts (issue 16): the key's hash whatever became of it, and what it did.
      context.idempotencyKeyHash = keyHash;
      switch (begun.kind) {
        case 'new': {
          context.evidence.idempotency = 'fresh';
          // Events name the key as sent (Stripe's request.idempotency_key) only when it is a
          // plain token the redactor leaves alone, as the profile's error messages do.
          const clean = (text: string) => redactPath(`/${text}`) === `/${text}`;
          if (keyForMessage(read.key, clean) === read.key) context.idempotencyKeyShown = read.key;
          context.defer((outcome) => finish(context, tenant.id, keyHash, outcome));
          return undefined;
        }
        case 'completed':
          context.evidence.idempotency = 'replayed';
          return {
            reply: replayStored(begun.response, codec, settings.replayedHeader),
            remember: false,
          };
        case 'in-flight':
          context.evidence.idempotency = 'in-flight';
          return refuse('idempotency-in-flight');
        case 'mismatch': {
          context.evidence.idempotency = 'conflict';
          const key = keyForMessage(read.key, (text) => redactPath(`/${text}`) === `/${text}`);
          if (begun.endpoint === '' || begun.endpoint === endpoint)
            return refuse('idempotency-mismatch', { key });
          return refuse('idempotency-endpoint', {
            key,
            firstPath: begun.endpoint.slice(begun.endpoint.indexOf(' ') + 1),
            firstMethod: begun.endpoint.slice(0, begun.endpoint.indexOf(' ')),
            path,
          });
        }
      }
    },
  };

  async function finish(
    context: RequestContext,
    tenant: string,
    keyHash: string,
    outcome: DeferredOutcome,
  ): Promise<void> {
    if (context.idempotencyCompleted === true) return;
    if ('answer' in outcome && REMEMBERED.has(outcome.layer) && outcome.answer.remember !== false) {
      const stored = serializeReply(outcome.answer.reply, codec);
      if (stored !== undefined) {
        await store.complete(tenant, keyHash, stored);
        return;
      }
    }
    await store.release(tenant, keyHash);
  }
}
