import { canonicalJson, isJsonObject, jsonPointer, type JsonValue } from '../json.js';
import type { NormalizedBody, NormalizedRequest } from './normalize.js';

export type FieldKind = 'match' | 'mismatch';

/** One compared field: `method`, `path`, `query.limit`, `header.accept`, `body`, `body/items/0/id`. */
export interface FieldOutcome {
  readonly field: string;
  readonly kind: FieldKind;
  /** What the recording has (absent when the recording lacks the field). */
  readonly expected?: string;
  /** What the request has (absent when the request lacks the field). */
  readonly actual?: string;
}

export interface MatchResult {
  /** 0 is an exact match; 1 is nothing in common. */
  readonly distance: number;
  readonly fields: readonly FieldOutcome[];
}

/** How much each dimension weighs in the distance: the path says most about intent. */
const WEIGHTS = { method: 2, path: 4, query: 2, headers: 1, body: 2 } as const;
/** Body differences listed field by field at most; the rest are counted. */
const MAX_BODY_FIELDS = 8;

/**
 * Compares a request with a recorded request, both normalized with the same configuration.
 * `actual` is the incoming request, `expected` the recording.
 */
export function match(actual: NormalizedRequest, expected: NormalizedRequest): MatchResult {
  const fields: FieldOutcome[] = [];
  let weighted = 0;

  const methodOk = actual.method === expected.method;
  fields.push(outcome('method', methodOk, expected.method, actual.method));
  weighted += methodOk ? 0 : WEIGHTS.method;

  const pathOk = actual.path === expected.path;
  fields.push(outcome('path', pathOk, expected.path, actual.path));
  weighted += pathOk ? 0 : WEIGHTS.path * pathDistance(actual.path, expected.path);

  weighted += WEIGHTS.query * comparePairs('query.', actual.query, expected.query, fields);
  weighted += WEIGHTS.headers * comparePairs('header.', actual.headers, expected.headers, fields);
  weighted += WEIGHTS.body * compareBodies(actual.body, expected.body, fields);

  const total = WEIGHTS.method + WEIGHTS.path + WEIGHTS.query + WEIGHTS.headers + WEIGHTS.body;
  return { distance: Math.round((weighted / total) * 1000) / 1000, fields };
}

function outcome(field: string, ok: boolean, expected?: string, actual?: string): FieldOutcome {
  return {
    field,
    kind: ok ? 'match' : 'mismatch',
    ...(expected === undefined ? {} : { expected }),
    ...(actual === undefined ? {} : { actual }),
  };
}

/**
 * Half for differing at all, plus half the share of segments that differ position by position:
 * another path is another resource, further away than any one differing parameter.
 */
function pathDistance(a: string, b: string): number {
  const sa = a.split('/');
  const sb = b.split('/');
  const n = Math.max(sa.length, sb.length);
  let differ = 0;
  for (let i = 0; i < n; i++) if (sa[i] !== sb[i]) differ++;
  return 0.5 + (0.5 * differ) / n;
}

/** Groups sorted pairs by name: values joined with ", " (repeated names stay in order). */
function byName(pairs: readonly (readonly [string, string])[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const [name, value] of pairs) {
    const prev = map.get(name);
    map.set(name, prev === undefined ? value : `${prev}, ${value}`);
  }
  return map;
}

function comparePairs(
  prefix: string,
  actual: readonly (readonly [string, string])[],
  expected: readonly (readonly [string, string])[],
  fields: FieldOutcome[],
): number {
  const a = byName(actual);
  const e = byName(expected);
  const names = [...new Set([...e.keys(), ...a.keys()])].sort();
  if (names.length === 0) return 0;
  let differ = 0;
  for (const name of names) {
    const ok = a.get(name) === e.get(name);
    if (!ok) differ++;
    fields.push(outcome(`${prefix}${name}`, ok, e.get(name), a.get(name)));
  }
  return differ / names.length;
}

function describeBody(body: NormalizedBody): string | undefined {
  switch (body.kind) {
    case 'none':
      return undefined;
    case 'json':
    case 'form':
    case 'text':
      return body.canonical;
    case 'binary':
      return `<${Math.floor((body.canonical.length * 3) / 4)} bytes of binary>`;
  }
}

function compareBodies(
  actual: NormalizedBody,
  expected: NormalizedBody,
  fields: FieldOutcome[],
): number {
  if (actual.kind === 'none' && expected.kind === 'none') return 0;
  if (actual.kind === 'json' && expected.kind === 'json') {
    if (actual.canonical === expected.canonical) {
      fields.push(outcome('body', true));
      return 0;
    }
    const leavesA = flatten(actual.value);
    const leavesE = flatten(expected.value);
    const pointers = [...new Set([...leavesE.keys(), ...leavesA.keys()])].sort();
    const differing = pointers.filter((p) => leavesA.get(p) !== leavesE.get(p));
    for (const pointer of differing.slice(0, MAX_BODY_FIELDS)) {
      fields.push(
        outcome(
          `body${pointer === '' ? '' : pointer}`,
          false,
          leavesE.get(pointer),
          leavesA.get(pointer),
        ),
      );
    }
    if (differing.length > MAX_BODY_FIELDS) {
      fields.push({
        field: `body (${differing.length - MAX_BODY_FIELDS} more fields differ)`,
        kind: 'mismatch',
      });
    }
    return pointers.length === 0 ? 1 : differing.length / pointers.length;
  }
  if (actual.kind === 'form' && expected.kind === 'form') {
    if (actual.canonical === expected.canonical) {
      fields.push(outcome('body', true));
      return 0;
    }
    return comparePairs('body.', actual.pairs, expected.pairs, fields);
  }
  const ok = actual.kind === expected.kind && describeBody(actual) === describeBody(expected);
  fields.push(outcome('body', ok, describeBody(expected), describeBody(actual)));
  return ok ? 0 : 1;
}

/** Leaves of a JSON value by JSON pointer, each as canonical JSON. Empty containers are leaves. */
function flatten(value: JsonValue): Map<string, string> {
  const out = new Map<string, string>();
  const path: (string | number)[] = [];
  const visit = (node: JsonValue) => {
    if (Array.isArray(node) && node.length > 0) {
      node.forEach((child, i) => {
        path.push(i);
        visit(child);
        path.pop();
      });
    } else if (isJsonObject(node) && Object.keys(node).length > 0) {
      for (const [key, child] of Object.entries(node)) {
        path.push(key);
        visit(child);
        path.pop();
      }
    } else {
      out.set(jsonPointer(path), canonicalJson(node));
    }
  };
  visit(value);
  return out;
}
