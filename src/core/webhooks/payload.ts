/**
 * The body of an event's deliveries (docs/design/issue-15-plan.md §2 "Payloads"): the profile's
 * envelope filled with the event's facts, over a recorded sample of the type or the spec's
 * `webhooks` entry (or a callback of that name): the envelope's members win, the base adds what
 * production sends besides (Stripe's `account`). A fact is taken whole, never merged with the
 * base: `data.object` is the resource as in state, not a blend with a recorded customer.
 */
import type { WebhookSample } from '../cassette/model.js';
import { isJsonObject, isRecord, setOwn, type JsonObject, type JsonValue } from '../json.js';
import { generateValue } from '../mock/generate/generate.js';
import { seededRng } from '../mock/generate/random.js';
import type { CompiledSpec } from '../mock/openapi/compiled.js';
import { deref, examplesOf } from '../mock/openapi/document.js';
import { HTTP_METHODS } from '../mock/openapi/keywords.js';
import type { StoredEvent } from '../ports/events.js';
import type { ApiProfile } from '../sandbox/profile/types.js';
import { withApiVersion } from '../sandbox/profile/learn.js';

export interface PayloadSource {
  render(
    event: StoredEvent,
    facts: { readonly objectName: string; readonly pendingWebhooks: number },
  ): JsonValue;
}

const WHOLE = /^\{([A-Za-z][A-Za-z0-9_]*)\}$/;
const PLACEHOLDER = /\{([A-Za-z][A-Za-z0-9_]*)\}/g;
const REMOVE = Symbol('remove');
type Facts = ReadonlyMap<string, JsonValue>;

/** The template filled over `base`; a member whose fact is absent is left out, base or not. */
function fill(
  template: JsonValue,
  base: JsonValue | undefined,
  facts: Facts,
): JsonValue | typeof REMOVE {
  if (typeof template === 'string') {
    const whole = WHOLE.exec(template);
    if (whole !== null) {
      const value = facts.get(whole[1]!);
      return value === undefined ? REMOVE : value;
    }
    let missing = false;
    const text = template.replace(PLACEHOLDER, (_, name: string) => {
      const value = facts.get(name);
      if (value === undefined || value === null) missing = true;
      return value === undefined || value === null
        ? ''
        : typeof value === 'object'
          ? JSON.stringify(value)
          : String(value);
    });
    return missing ? REMOVE : text;
  }
  if (Array.isArray(template)) {
    const out: JsonValue[] = [];
    for (const item of template) {
      const value = fill(item, undefined, facts);
      if (value !== REMOVE) out.push(value);
    }
    return out;
  }
  if (!isJsonObject(template)) return template;
  const members = new Map<string, JsonValue | typeof REMOVE>();
  for (const [rawName, item] of Object.entries(template)) {
    // A member named "{objectName}" takes the fact as its name (GitHub's `{"issue": …}`).
    const named = WHOLE.exec(rawName);
    const fact = named === null ? rawName : facts.get(named[1]!);
    if (typeof fact !== 'string' || fact === '') continue;
    const under = isJsonObject(base) && Object.hasOwn(base, fact) ? base[fact] : undefined;
    members.set(fact, fill(item, under, facts));
  }
  const out: JsonObject = {};
  // The base's order first (production's), then the envelope's own members.
  if (isJsonObject(base))
    for (const [name, value] of Object.entries(base)) {
      const mine = members.get(name);
      if (mine === REMOVE) continue;
      setOwn(out, name, mine === undefined ? value : mine);
    }
  for (const [name, value] of members)
    if (value !== REMOVE && !Object.hasOwn(out, name)) setOwn(out, name, value);
  return out;
}

/** The part of a type that is the verb, by the profile's naming (`{object}.{verb}`). */
function verbOf(type: string, objectName: string, naming: string): string {
  const prefix = naming.replace('{object}', objectName).split('{verb}')[0] ?? '';
  if (naming.includes('{verb}') && prefix !== '' && type.startsWith(prefix))
    return type.slice(prefix.length);
  const dot = type.lastIndexOf('.');
  return dot < 0 ? type : type.slice(dot + 1);
}

/** The event's `{object}` part: the type without its verb (`customer.subscription`). */
function groupOf(type: string, verb: string): string {
  return type.endsWith(`.${verb}`) ? type.slice(0, -verb.length - 1) : type;
}

function sampleJson(sample: WebhookSample): JsonValue | undefined {
  const body = sample.body;
  if (body.encoding === 'json') return body.json;
  if (body.encoding !== 'text') return undefined;
  try {
    return JSON.parse(body.text) as JsonValue;
  } catch {
    return undefined;
  }
}

/** The request media of a path item's operations: a webhook or callback's body. */
function mediaOf(document: object, pathItem: unknown): Record<string, unknown> | undefined {
  const item = deref(document, pathItem, '').node;
  if (!isRecord(item)) return undefined;
  for (const method of HTTP_METHODS) {
    const operation = item[method];
    if (!isRecord(operation)) continue;
    const body = deref(document, operation['requestBody'], '').node;
    const content = isRecord(body) && isRecord(body['content']) ? body['content'] : undefined;
    if (content === undefined) continue;
    const json =
      Object.entries(content).find(([type]) => /json/i.test(type)) ?? Object.entries(content)[0];
    if (json !== undefined && isRecord(json[1])) return json[1];
  }
  return undefined;
}

/** Path items named `type`: the spec's `webhooks[type]`, then callbacks named so or marked. */
function specPathItems(document: object, type: string): unknown[] {
  const out: unknown[] = [];
  const doc = document as Record<string, unknown>;
  const webhooks = doc['webhooks'];
  if (isRecord(webhooks) && Object.hasOwn(webhooks, type)) out.push(webhooks[type]);
  const paths = isRecord(doc['paths']) ? doc['paths'] : {};
  for (const pathItem of Object.values(paths)) {
    const item = deref(document, pathItem, '').node;
    if (!isRecord(item)) continue;
    for (const method of HTTP_METHODS) {
      const callbacks = isRecord(item[method]) ? item[method]['callbacks'] : undefined;
      if (!isRecord(callbacks)) continue;
      for (const [name, raw] of Object.entries(callbacks)) {
        const callback = deref(document, raw, '').node;
        if (!isRecord(callback)) continue;
        const marked = callback['x-tapedeck-event'] === type;
        for (const [key, entry] of Object.entries(callback))
          if (
            !key.startsWith('x-') &&
            (name === type || marked || (isRecord(entry) && entry['x-tapedeck-event'] === type))
          )
            out.push(entry);
      }
    }
  }
  return out;
}

/** The spec's body for an event type: its example, else a value generated from its schema. */
function specBase(spec: CompiledSpec, type: string): JsonValue | undefined {
  const document = spec.requestDocument;
  for (const pathItem of specPathItems(document, type)) {
    const media = mediaOf(document, pathItem);
    if (media === undefined) continue;
    const example = examplesOf(document as Record<string, unknown>, media)[0];
    if (example !== undefined) return example.value as JsonValue;
    if (media['schema'] === undefined) continue;
    return generateValue(media['schema'], {
      rng: seededRng(type, 'webhook'),
      resolve: (ref) => deref(document, { $ref: ref }, '').node,
    });
  }
  return undefined;
}

export function payloadSource(o: {
  readonly profile: ApiProfile;
  readonly samples: readonly WebhookSample[];
  readonly spec?: CompiledSpec;
}): PayloadSource {
  const profile = withApiVersion(o.profile, o.spec);
  const { envelope, apiVersion } = profile.webhooks;
  // The last recorded sample of each type (the newest production shape).
  const bases = new Map<string, JsonValue | undefined>();
  for (const sample of o.samples) {
    const json = sampleJson(sample);
    if (json !== undefined) bases.set(sample.type, json);
  }
  const baseFor = (type: string): JsonValue | undefined => {
    if (!bases.has(type))
      bases.set(type, o.spec === undefined ? undefined : specBase(o.spec, type));
    return bases.get(type);
  };
  return {
    render(event, { objectName, pendingWebhooks }) {
      const verb = verbOf(event.type, objectName, profile.events.naming);
      const facts = new Map<string, JsonValue>([
        ['id', event.id],
        ['type', event.type],
        ['createdS', Math.floor(event.at / 1000)],
        ['createdMs', event.at],
        ['createdIso', new Date(event.at).toISOString()],
        ['object', event.data],
        ['objectName', objectName],
        ['verb', verb],
        ['eventGroup', groupOf(event.type, verb)],
        ['pendingWebhooks', pendingWebhooks],
        ['apiVersion', apiVersion],
        // The id the causing request's answer carried (issue 16); null for events no request
        // caused (a clock advance, an older state file), as Stripe sends for its own.
        ['requestId', event.requestId ?? null],
        ['idempotencyKey', event.idempotencyKey ?? null],
      ]);
      if (event.type.endsWith('.updated') && event.previous !== undefined)
        facts.set('previous', event.previous);
      const filled = fill(envelope, baseFor(event.type), facts);
      return filled === REMOVE ? null : filled;
    },
  };
}
