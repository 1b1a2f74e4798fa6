/**
 * Bodies: JSON documents (stored JSON, or text that parses as an object or array) are compared
 * field by field in json-compare.ts; any other body, or JSON against non-JSON, is compared by
 * its bytes and reported as one `body-changed` finding that shows sizes and hashes only.
 */
import type { Body } from '../cassette/model.js';
import { canonicalJson, jsonEqual, type JsonValue } from '../json.js';
import type { CompareOptions } from './compare.js';
import { hash64 } from './hash.js';
import { JsonComparison } from './json-compare.js';
import type { Finding } from './model.js';

function bodyText(body: Body): string {
  switch (body.encoding) {
    case 'json':
      return canonicalJson(body.json);
    case 'text':
      return body.text;
    case 'base64':
      return body.base64;
  }
}

/** `text, 1204 chars, #1f2e...` — a body compared by hash is shown by its size and hash only. */
function describeBody(body: Body | undefined): string {
  if (body === undefined) return '(no body)';
  const digest = `#${hash64(bodyText(body)).slice(0, 12)}`;
  switch (body.encoding) {
    case 'json':
      return `json, ${digest}`;
    case 'text':
      return `text, ${body.text.length} chars, ${digest}`;
    case 'base64': {
      const pad = body.base64.endsWith('==') ? 2 : body.base64.endsWith('=') ? 1 : 0;
      return `binary, ${Math.floor((body.base64.length * 3) / 4) - pad} bytes, ${digest}`;
    }
  }
}

export function compareBodies(
  recorded: Body | undefined,
  live: Body | undefined,
  options: CompareOptions,
): Finding[] {
  if (recorded === undefined && live === undefined) return [];
  const recordedJson = jsonDocument(recorded);
  const liveJson = jsonDocument(live);
  if (recordedJson !== undefined && liveJson !== undefined) {
    if (!jsonEqual(recordedJson.json, liveJson.json))
      return new JsonComparison(recordedJson.json, liveJson.json, options).run();
    // Most live answers equal their recording. Equal as parsed but with a number too long for
    // a double on one side: the difference may have been rounded away, so the text decides.
    if (recordedJson.exact && liveJson.exact) return [];
  }
  if (
    recorded !== undefined &&
    live !== undefined &&
    recorded.encoding === live.encoding &&
    hash64(bodyText(recorded)) === hash64(bodyText(live)) &&
    bodyText(recorded) === bodyText(live)
  ) {
    return [];
  }
  // A client that parsed the recorded JSON (or read any body) cannot parse what came instead.
  const breaking = live === undefined || (recordedJson !== undefined && liveJson === undefined);
  return [
    {
      kind: 'body-changed',
      severity: breaking ? 'breaking' : 'non-breaking',
      place: 'body',
      path: '',
      recorded: describeBody(recorded),
      live: describeBody(live),
    },
  ];
}

const JSON_STRING = /"(?:[^"\\]|\\.)*"/g;
/** 16 or more digits in a row: more than a double holds exactly. */
const LONG_NUMBER = /\d{16,}/;

/**
 * The JSON document of a body: stored JSON, or text that parses as a JSON object or array. The
 * body codec keeps JSON as text when its bytes would not round-trip (a trailing newline, other
 * indents, big numbers); a comparison by hash would then miss what changed and how much.
 * `exact` is false when a number outside strings may have lost digits in parsing.
 */
function jsonDocument(body: Body | undefined): { json: JsonValue; exact: boolean } | undefined {
  if (body === undefined) return undefined;
  if (body.encoding === 'json') return { json: body.json, exact: true };
  if (body.encoding !== 'text') return undefined;
  const first = body.text.trimStart()[0];
  if (first !== '{' && first !== '[') return undefined;
  let json: JsonValue;
  try {
    json = JSON.parse(body.text) as JsonValue;
  } catch {
    return undefined;
  }
  return { json, exact: !LONG_NUMBER.test(body.text.replace(JSON_STRING, '""')) };
}
