/**
 * What of a delivery may reach the state file: the payload is scanned before it is written once
 * (a finding blocks the delivery), and a receiver's answer is redacted, then scanned, before its
 * start is kept as the attempt's excerpt. Both go through the recorder's own redactor and scanner
 * on a synthetic interaction, so a webhook is held to the rules a cassette is.
 */
import type { Body, HeaderMap, Interaction } from '../../core/cassette/model.js';
import type { JsonValue } from '../../core/json.js';
import type { Redactor } from '../../core/redaction/engine.js';
import type { CompiledRule } from '../../core/redaction/rules.js';
import { scanInteraction, type ScanFinding } from '../../core/redaction/scan.js';
import { SecretRegistry } from '../../core/redaction/registry.js';

/** What is needed of the sandbox's RedactionSetup. */
export interface WebhookRedaction {
  readonly redactor: Redactor;
  readonly rules: readonly CompiledRule[];
  readonly disabled: ReadonlySet<string>;
  readonly scan?: typeof scanInteraction;
}

/** What an excerpt says instead when the answer still looked secret after redaction. */
export const WITHHELD = '[withheld: looked secret]';
/** What an endpoint secret echoed in an answer becomes in the delivery log. */
const KNOWN_SECRET = '[webhook secret]';

const RECORDED_AT = '1970-01-01T00:00:00.000Z';

function interaction(request: Body | undefined, response: Body | undefined, headers: HeaderMap) {
  const value: Interaction = {
    request: {
      method: 'POST',
      path: '/webhook',
      query: {},
      headers: { 'content-type': ['application/json'] },
      ...(request === undefined ? {} : { body: request }),
    },
    response: { status: 200, headers, ...(response === undefined ? {} : { body: response }) },
    latencyMs: 0,
    recordedAt: RECORDED_AT,
  };
  return value;
}

/** The findings in a payload about to be stored and sent (pointers only: never the values). */
export function scanPayload(
  redaction: WebhookRedaction,
  payload: JsonValue,
  /**
   * Values the sandbox itself vetted and put there: the Idempotency-Key the partner sent (kept
   * only when the redactor finds nothing in it), which Stripe's events carry as sent. A random
   * key in a field named `idempotency_key` would otherwise always look secret.
   */
  vetted: readonly string[] = [],
): ScanFinding[] {
  const json = vetted.length === 0 ? payload : replacing(payload, new Set(vetted));
  return (redaction.scan ?? scanInteraction)(
    interaction({ encoding: 'json', json }, undefined, {}),
    { rules: redaction.rules, disabled: redaction.disabled },
  ).map((f) => ({ ...f, pointer: f.pointer.replace(/^\/request\/body\/json/, '') }));
}

/** The value with each string in `vetted` replaced by a neutral placeholder (for the scan only). */
function replacing(value: JsonValue, vetted: ReadonlySet<string>): JsonValue {
  if (typeof value === 'string') return vetted.has(value) ? '[vetted]' : value;
  if (Array.isArray(value)) return value.map((v) => replacing(v, vetted));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, JsonValue> = {};
  for (const [k, v] of Object.entries(value)) out[k] = replacing(v, vetted);
  return out;
}

/**
 * The start of an answer as the delivery log keeps it: at most `maxBytes` bytes of UTF-8
 * (a character cut in two is dropped), redacted as a recorded response body would be, then
 * scanned; `WITHHELD` when something still looks secret. Undefined for an empty answer.
 */
export function excerptOf(
  redaction: WebhookRedaction,
  body: Uint8Array,
  contentType: string | undefined,
  maxBytes: number,
  known: readonly string[] = [],
): string | undefined {
  if (body.byteLength === 0 || maxBytes <= 0) return undefined;
  // The whole answer (already bounded by maxResponseBytes) is redacted, then cut: a JSON answer
  // cut first would not parse, and its secrets by field name would pass as plain text.
  const text = new TextDecoder('utf-8', { fatal: false }).decode(body);
  let parsed: Body = { encoding: 'text', text };
  const trimmed = text.trimStart();
  if (/json/i.test(contentType ?? '') || trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      parsed = { encoding: 'json', json: JSON.parse(text) as JsonValue };
    } catch {
      // Not JSON after all: redacted as text.
    }
  }
  const headers: HeaderMap = contentType === undefined ? {} : { 'content-type': [contentType] };
  const registry = new SecretRegistry();
  // The endpoint's own secrets, whole and without their prefix (for the standard scheme the
  // base64 after `whsec_` is the key itself): found wherever the receiver echoes them.
  for (const secret of known) {
    registry.remember(secret, KNOWN_SECRET);
    const bare = secret.replace(/^whsec_/, '');
    if (bare !== secret && bare.length >= 8) registry.remember(bare, KNOWN_SECRET);
  }
  const { value } = redaction.redactor.redactInteraction(
    interaction(undefined, parsed, headers),
    registry,
  );
  const findings = (redaction.scan ?? scanInteraction)(value, {
    rules: redaction.rules,
    disabled: redaction.disabled,
    registry,
  });
  if (findings.length > 0) return WITHHELD;
  const redacted = value.response.body;
  const out =
    redacted === undefined
      ? ''
      : redacted.encoding === 'json'
        ? JSON.stringify(redacted.json)
        : redacted.encoding === 'text'
          ? redacted.text
          : WITHHELD;
  return truncateUtf8(out, maxBytes);
}

/** At most `maxBytes` bytes of UTF-8, on a character boundary (a pseudonym can grow the text). */
function truncateUtf8(text: string, maxBytes: number): string {
  const bytes = new TextEncoder().encode(text);
  if (bytes.byteLength <= maxBytes) return text;
  return new TextDecoder().decode(bytes.subarray(0, maxBytes)).replace(/\uFFFD+$/, '');
}
