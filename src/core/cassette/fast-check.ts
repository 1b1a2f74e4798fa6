/**
 * The fast check of a cassette: `cassetteSchemaV1`, written out as code. ajv's validator costs
 * ~3 µs per interaction (0.3 s of a 100,000-interaction start-up) and its compilation ~0.1 s;
 * this check costs a fraction. It must never accept what the schema rejects: every test it
 * makes is the schema's own (same patterns, same `u` flag ajv uses), and wherever it is unsure
 * (a non-finite number) it says no and the schema decides. test/unit/cassette-fast-check.test.ts
 * compares both on generated documents, and fails when the schema changes until this check is
 * brought in line with it.
 */
import type { Cassette } from './model.js';
import { isRecord } from '../json.js';

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9a-z-]+$/u;
const METHOD = /^[A-Z][A-Z0-9_-]*$/u;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/u;
const RECORDED_AT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/u;

type Doc = Record<string, unknown>;

/** Every own key of `object` is one of `allowed` (additionalProperties: false). */
function onlyKeys(object: Doc, allowed: ReadonlySet<string>): boolean {
  for (const key in object) if (!allowed.has(key)) return false;
  return true;
}

const CASSETTE_KEYS = new Set(['$schema', 'version', 'meta', 'interactions', 'webhooks']);
const WEBHOOK_KEYS = new Set(['type', 'receivedAt', 'headers', 'body']);
const META_KEYS = new Set(['recordedWith', 'target', 'description', 'replayable', 'keyId']);
const KEY_ID = /^tdp_[a-z2-7]{24}$/u;
const INTERACTION_KEYS = new Set(['request', 'response', 'latencyMs', 'replayable', 'recordedAt']);
const REQUEST_KEYS = new Set(['method', 'path', 'query', 'headers', 'body']);
const RESPONSE_KEYS = new Set(['status', 'headers', 'body']);
const JSON_BODY_KEYS = new Set(['encoding', 'json', 'format', 'indent', 'trailingNewline']);
const TEXT_BODY_KEYS = new Set(['encoding', 'text']);
const BASE64_BODY_KEYS = new Set(['encoding', 'base64']);

function isMultiMap(value: unknown, names?: RegExp): boolean {
  if (!isRecord(value)) return false;
  for (const key in value) {
    if (names !== undefined && !names.test(key)) return false;
    const v = value[key];
    if (typeof v === 'string') continue;
    if (!Array.isArray(v)) return false;
    for (let i = 0; i < v.length; i++) if (typeof v[i] !== 'string') return false;
  }
  return true;
}

/** `indent`: an integer from 1 to 10 (a JSON number such as 2.0 is one too, as for ajv). */
function isIndent(value: unknown): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 10;
}

function isBody(value: unknown): boolean {
  if (!isRecord(value)) return false;
  switch (value['encoding']) {
    case 'json':
      return (
        onlyKeys(value, JSON_BODY_KEYS) &&
        value['json'] !== undefined &&
        (!('format' in value) || value['format'] === 'pretty') &&
        (!('indent' in value) || isIndent(value['indent'])) &&
        (!('trailingNewline' in value) || typeof value['trailingNewline'] === 'boolean')
      );
    case 'text':
      return onlyKeys(value, TEXT_BODY_KEYS) && typeof value['text'] === 'string';
    case 'base64':
      return (
        onlyKeys(value, BASE64_BODY_KEYS) &&
        typeof value['base64'] === 'string' &&
        BASE64.test(value['base64'])
      );
    default:
      return false;
  }
}

function isRequest(value: unknown): boolean {
  if (!isRecord(value) || !onlyKeys(value, REQUEST_KEYS)) return false;
  const { method, path } = value;
  return (
    typeof method === 'string' &&
    METHOD.test(method) &&
    typeof path === 'string' &&
    path.startsWith('/') &&
    isMultiMap(value['query']) &&
    isMultiMap(value['headers'], HEADER_NAME) &&
    (!('body' in value) || isBody(value['body']))
  );
}

function isResponse(value: unknown): boolean {
  if (!isRecord(value) || !onlyKeys(value, RESPONSE_KEYS)) return false;
  const { status } = value;
  return (
    typeof status === 'number' &&
    Number.isInteger(status) &&
    status >= 100 &&
    status <= 599 &&
    isMultiMap(value['headers'], HEADER_NAME) &&
    (!('body' in value) || isBody(value['body']))
  );
}

function isInteraction(value: unknown): boolean {
  if (!isRecord(value) || !onlyKeys(value, INTERACTION_KEYS)) return false;
  const { latencyMs, recordedAt } = value;
  return (
    isRequest(value['request']) &&
    isResponse(value['response']) &&
    typeof latencyMs === 'number' &&
    Number.isFinite(latencyMs) &&
    latencyMs >= 0 &&
    typeof recordedAt === 'string' &&
    RECORDED_AT.test(recordedAt) &&
    (!('replayable' in value) || typeof value['replayable'] === 'boolean')
  );
}

/** ajv counts a string's length in code points (a surrogate pair is one character). */
function codePoints(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

function isWebhook(value: unknown): boolean {
  if (!isRecord(value) || !onlyKeys(value, WEBHOOK_KEYS)) return false;
  const { type, receivedAt } = value;
  return (
    typeof type === 'string' &&
    type !== '' &&
    (type.length <= 200 || codePoints(type) <= 200) &&
    typeof receivedAt === 'string' &&
    RECORDED_AT.test(receivedAt) &&
    isMultiMap(value['headers'], HEADER_NAME) &&
    isBody(value['body'])
  );
}

function isMeta(value: unknown): boolean {
  if (!isRecord(value) || !onlyKeys(value, META_KEYS)) return false;
  for (const key of ['recordedWith', 'target', 'description'])
    if (key in value && typeof value[key] !== 'string') return false;
  if ('keyId' in value && (typeof value['keyId'] !== 'string' || !KEY_ID.test(value['keyId'])))
    return false;
  return !('replayable' in value) || typeof value['replayable'] === 'boolean';
}

/**
 * True only for a document `cassetteSchemaV1` accepts; false means "ask the schema" (the
 * document may still be valid).
 */
export function isValidCassetteV1(doc: unknown): doc is Cassette {
  if (!isRecord(doc) || !onlyKeys(doc, CASSETTE_KEYS) || doc['version'] !== 1) return false;
  if ('$schema' in doc && typeof doc['$schema'] !== 'string') return false;
  if ('meta' in doc && !isMeta(doc['meta'])) return false;
  const interactions = doc['interactions'];
  if (!Array.isArray(interactions)) return false;
  for (let i = 0; i < interactions.length; i++) {
    if (!(i in interactions) || !isInteraction(interactions[i])) return false;
  }
  if ('webhooks' in doc) {
    const webhooks = doc['webhooks'];
    if (!Array.isArray(webhooks)) return false;
    for (let i = 0; i < webhooks.length; i++)
      if (!(i in webhooks) || !isWebhook(webhooks[i])) return false;
  }
  return true;
}
