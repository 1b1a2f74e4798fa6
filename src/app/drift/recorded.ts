/**
 * What drift reads from the recordings themselves, before anything is sent: how a request is
 * shown and identified, and the noise two recorded answers to the same request reveal.
 */
import type { Cassette, RecordedRequest } from '../../core/cassette/model.js';
import { volatilePointers } from '../../core/drift/compare.js';
import { SAFE_METHODS } from '../../core/drift/flows.js';
import { formatQuery } from '../../core/http/index.js';
import { canonicalJson } from '../../core/json.js';

/** The recorded path and query, as reports show it. */
export function shownTarget(request: RecordedRequest): string {
  const query = formatQuery(request.query);
  return query === '' ? request.path : `${request.path}?${query}`;
}

/** Identity of a request inside one cassette, for learning noise from repeated recordings. */
export function requestKey(request: RecordedRequest): string {
  const body = request.body;
  const bodyKey =
    body === undefined
      ? ''
      : body.encoding === 'json'
        ? canonicalJson(body.json)
        : body.encoding === 'text'
          ? body.text
          : body.base64;
  return `${request.method} ${shownTarget(request)} ${bodyKey}`;
}

/**
 * Noise learned from the recording itself: where two recorded answers to the same request in
 * one cassette differ, the API changes that field on every call. Only answers with no unsafe
 * request between them are compared: `GET /orders/1` before and after `POST /orders/1/pay`
 * differ because the state changed, and learning `/status` as noise would hide its drift.
 */
export function recordedNoise(cassette: Cassette): Map<number, Set<string>> {
  const groups = new Map<string, number[]>();
  let epoch = 0;
  cassette.interactions.forEach((it, i) => {
    if (!SAFE_METHODS.has(it.request.method)) epoch++;
    const key = `${epoch} ${requestKey(it.request)}`;
    const list = groups.get(key);
    if (list === undefined) groups.set(key, [i]);
    else list.push(i);
  });
  const out = new Map<number, Set<string>>();
  for (const indexes of groups.values()) {
    if (indexes.length < 2) continue;
    const pointers = new Set<string>();
    for (let k = 1; k < indexes.length; k++) {
      const a = cassette.interactions[indexes[k - 1]!]!.response;
      const b = cassette.interactions[indexes[k]!]!.response;
      for (const p of volatilePointers(a, b)) pointers.add(p);
    }
    for (const i of indexes) out.set(i, pointers);
  }
  return out;
}

/** A clock reading as an ISO timestamp, as cassettes and reports carry it. */
export function isoOf(ms: number): string {
  return new Date(ms).toISOString();
}
