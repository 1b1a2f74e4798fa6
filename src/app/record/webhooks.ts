/**
 * `tapedeck record --webhooks PORT` (docs/webhooks.md, "Recording staging's webhooks"): the
 * handler of the second listener, which takes the webhooks staging sends while a session is
 * recorded. Each one is checked against staging's secret when one is given (a wrong signature
 * is 400, logged, and goes no further), handed to the recorder (redacted, scanned, appended to
 * the cassette's `webhooks`), and, with `--forward-to`, passed on to the developer's receiver as
 * the very bytes staging sent, signed again with the local secret. Staging gets the receiver's
 * status, or 200 when nothing is forwarded.
 */
import type { Body, HeaderMap } from '../../core/cassette/model.js';
import { firstHeaderValue, stripHopByHop } from '../../core/http/index.js';
import { upstreamHeaders } from '../../core/http/forwarded.js';
import type { IncomingRequest, Reply, RequestHandler } from '../../core/http/reply.js';
import { isTapedeckError } from '../../core/errors.js';
import { isRecord } from '../../core/json.js';
import type { BodyCodec, Clock, Logger, WebhookSender } from '../../core/ports/index.js';
import type { Signer } from '../../core/ports/signer.js';
import { hexEncode } from '../../core/webhooks/signature.js';
import type { SchemeName, SignatureScheme } from '../../core/webhooks/types.js';
import type { CassetteRecorder, RawWebhook, WebhookOutcome } from './recorder.js';

/** How far a signed timestamp may be from now (seconds), as the schemes' own libraries allow. */
export const SIGNATURE_TOLERANCE_S = 300;

/** The endpoint id the forward signs as (GitHub's `X-GitHub-Hook-ID`, its delivery GUIDs). */
export const FORWARD_ENDPOINT_ID = 'tapedeck-forward';

/**
 * The header that names the event when the body does not (`type`): GitHub's, whose body has an
 * `action` that completes it (`issues` + `opened` → `issues.opened`).
 */
const EVENT_HEADERS: Readonly<Partial<Record<SchemeName, string>>> = {
  github: 'x-github-event',
};

/** The developer's receiver, and how a forward is sent and signed. */
export interface WebhookForward {
  readonly url: string;
  /** The local secret (stateDir/webhook-forward.secret). */
  readonly secret: string;
  readonly sender: WebhookSender;
  readonly timeoutMs: number;
  readonly maxResponseBytes: number;
}

export interface WebhookReceiverOptions {
  readonly recorder: Pick<CassetteRecorder, 'recordWebhook' | 'refusal'>;
  /** The cassette being recorded (`record.cassette`). */
  readonly cassette: string;
  /** The profile's scheme: checks staging's signatures, drops them, signs the forward. */
  readonly scheme: SignatureScheme;
  readonly signer: Signer;
  /** Staging's secrets, when `--webhooks-secret-env` names them; unchecked otherwise. */
  readonly stagingSecrets?: readonly string[];
  /** The variable they came from, for the log line of a refusal. */
  readonly secretEnv?: string;
  readonly forward?: WebhookForward;
  readonly codec: BodyCodec;
  /** Real time: the signatures' timestamps and `receivedAt`. */
  readonly clock: Clock;
  readonly logger: Logger;
}

/** The event type of a webhook: the body's `type`, else the scheme's event header (+ action). */
export function webhookType(
  scheme: SchemeName,
  headers: HeaderMap,
  body: Body | undefined,
): string | undefined {
  const json = body?.encoding === 'json' && isRecord(body.json) ? body.json : undefined;
  const type = json?.['type'];
  if (typeof type === 'string' && type !== '') return type;
  const name = EVENT_HEADERS[scheme];
  const event = name === undefined ? undefined : firstHeaderValue(headers, name);
  if (event === undefined || event === '') return undefined;
  const action = json?.['action'];
  return typeof action === 'string' && action !== '' ? `${event}.${action}` : event;
}

function reply(status: number, message?: string): Reply {
  return message === undefined
    ? { kind: 'simple', status, headers: [], body: '' }
    : {
        kind: 'simple',
        status,
        headers: [['content-type', 'application/json']],
        body: `${JSON.stringify({ error: message })}\n`,
      };
}

/** One value per name, as the schemes' verifiers read headers. */
function flat(headers: HeaderMap): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers))
    out[name] = typeof value === 'string' ? value : value.join(', ');
  return out;
}

function fromPairs(pairs: readonly (readonly [string, string])[]): HeaderMap {
  const out: HeaderMap = {};
  for (const [name, value] of pairs) {
    const existing = out[name];
    if (existing === undefined) out[name] = value;
    else out[name] = typeof existing === 'string' ? [existing, value] : [...existing, value];
  }
  return out;
}

export function webhookReceiver(options: WebhookReceiverOptions): RequestHandler {
  const { scheme, signer, logger, clock, recorder, cassette, forward } = options;
  const signatures = new Set(scheme.signatureHeaders);
  return async (request: IncomingRequest): Promise<Reply> => {
    if (request.method !== 'POST') {
      return {
        kind: 'simple',
        status: 405,
        headers: [
          ['allow', 'POST'],
          ['content-type', 'application/json'],
        ],
        body: `${JSON.stringify({ error: 'webhooks are POSTed' })}\n`,
      };
    }
    const bytes = request.rawBody ?? new Uint8Array(0);
    const secrets = options.stagingSecrets;
    if (secrets !== undefined) {
      const verdict = scheme.verify(
        flat(request.headers),
        bytes,
        secrets,
        { nowS: Math.floor(clock.now() / 1000), toleranceS: SIGNATURE_TOLERANCE_S },
        signer,
      );
      if (!verdict.ok) {
        logger.log(
          'warn',
          'record.webhook_refused',
          `refused a webhook posted to the webhook listener: its ${scheme.name} signature does not verify with the secret in ${options.secretEnv ?? 'the staging secret'} (${verdict.reason}); answered 400, nothing recorded or forwarded.`,
          { reason: verdict.reason },
        );
        return reply(400, `the signature does not verify (${verdict.reason})`);
      }
    }
    // While the cassette cannot be written, staging is asked to send it again later.
    const refusal = recorder.refusal(cassette);
    if (refusal !== undefined) return reply(503, refusal.message);

    const body = decode(options.codec, bytes, request.headers, logger);
    const outcome = recordSafely(
      recorder,
      cassette,
      logger,
      {
        path: request.path,
        headers: sampleHeaders(request.headers, signatures, body),
        body,
        receivedAt: new Date(clock.now()).toISOString(),
      },
      scheme.name,
    );
    const shown = outcome.kind === 'queued' ? `webhook ${outcome.type}` : 'a webhook';
    if (forward === undefined) {
      if (outcome.kind === 'queued')
        logger.log('info', 'record.webhook', `${shown} recorded into ${cassette}`, { cassette });
      return reply(200);
    }
    const result = await forwardWebhook(forward, scheme, signer, clock, request, bytes, body);
    if (result.kind === 'failed') {
      logger.log(
        'warn',
        'record.webhook_forward_failed',
        `${shown} could not be forwarded: ${result.message}; staging got 502.`,
        { error: result.error },
      );
      return reply(502, `the forward failed (${result.error})`);
    }
    logger.log(
      'info',
      'record.webhook',
      `${shown} ${outcome.kind === 'queued' ? `recorded into ${cassette} and ` : ''}forwarded: ${result.status}`,
      { cassette, status: result.status },
    );
    return reply(result.status);
  };
}

/**
 * The recorder's verdict on a webhook, or `failed` when recording it threw (a bug, or a body
 * past what redaction copes with): logged with the error's kind only, since a message may quote
 * what it was working on, and the webhook is still forwarded and answered. Recording is a copy
 * kept on the side; it must not cost the receiver a webhook staging sent.
 */
function recordSafely(
  recorder: WebhookReceiverOptions['recorder'],
  cassette: string,
  logger: Logger,
  raw: RawWebhook,
  scheme: SchemeName,
): WebhookOutcome | { readonly kind: 'failed' } {
  try {
    return recorder.recordWebhook(cassette, raw, (redacted) =>
      webhookType(scheme, redacted.headers, redacted.body),
    );
  } catch (error) {
    const kind = isTapedeckError(error)
      ? error.code
      : error instanceof Error
        ? error.name
        : 'unknown error';
    logger.log(
      'error',
      'record.webhook_failed',
      `not recorded: a webhook for cassette ${cassette}, because recording it failed (${kind}); it is forwarded and answered as usual.`,
      { cassette, code: isTapedeckError(error) ? error.code : 'TD_INTERNAL' },
    );
    return { kind: 'failed' };
  }
}

/** The body as a cassette stores it, or undefined (empty, or not decodable: logged). */
function decode(
  codec: BodyCodec,
  bytes: Uint8Array,
  headers: HeaderMap,
  logger: Logger,
): Body | undefined {
  try {
    return codec.decode(bytes, headers);
  } catch (error) {
    logger.log(
      'warn',
      'record.webhook_skipped',
      `a webhook's body cannot be decoded (${(error as Error).message}); it is not recorded.`,
    );
    return undefined;
  }
}

/**
 * The headers a sample keeps: not the hop's (host, length, the forwarded family, hop-by-hop),
 * never the signatures, and no content-encoding for a body stored decoded.
 */
function sampleHeaders(
  headers: HeaderMap,
  signatures: ReadonlySet<string>,
  body: Body | undefined,
): HeaderMap {
  const kept = fromPairs(upstreamHeaders(headers).filter(([name]) => !signatures.has(name)));
  if (body !== undefined && body.encoding !== 'base64') delete kept['content-encoding'];
  return kept;
}

/**
 * Sends staging's bytes on to the receiver, signed with the local secret: staging's headers but
 * its signature and the scheme's signed ones, which the new signature replaces. The message id
 * is staging's (`webhook-id`, the event's `id`) so the receiver deduplicates as in production.
 */
async function forwardWebhook(
  forward: WebhookForward,
  scheme: SignatureScheme,
  signer: Signer,
  clock: Clock,
  request: IncomingRequest,
  bytes: Uint8Array,
  body: Body | undefined,
) {
  const json = body?.encoding === 'json' && isRecord(body.json) ? body.json : undefined;
  const id = json?.['id'];
  const messageId =
    firstHeaderValue(request.headers, 'webhook-id') ??
    (typeof id === 'string' && id !== '' ? id : undefined) ??
    firstHeaderValue(request.headers, 'x-github-delivery') ??
    `msg_${hexEncode(signer.randomBytes(12))}`;
  const signed = scheme.sign(
    {
      messageId,
      timestampS: Math.floor(clock.now() / 1000),
      body: bytes,
      secrets: [forward.secret],
      endpointId: FORWARD_ENDPOINT_ID,
    },
    signer,
  );
  const replaced = new Set([...scheme.signatureHeaders, ...signed.map(([name]) => name)]);
  const headers = upstreamHeaders(stripHopByHop(request.headers, replaced));
  return forward.sender.send({
    url: forward.url,
    headers: [...headers, ...signed],
    body: bytes,
    timeoutMs: forward.timeoutMs,
    maxResponseBytes: forward.maxResponseBytes,
  });
}
