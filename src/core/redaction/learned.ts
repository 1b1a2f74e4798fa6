/**
 * Values learned while recording, recognized again on replay.
 *
 * The recorder keeps one secret registry per cassette: a value found secret anywhere (a
 * `Set-Cookie`, a token in a JSON answer, a password in an earlier request) is replaced in every
 * later request too, even where nothing marks it as secret (`/cookies?session=abc123`). Replay
 * redacts each request on its own and never sees those secrets: the cassette holds pseudonyms.
 * What replay does have is the key. So it takes every pseudonym the recorded requests hold, and
 * for each value in an incoming request asks "is its pseudonym, under this key, one of them?".
 * A value that is becomes a secret of this request's registry, and value tracking then replaces
 * it everywhere in the request, in every encoding, as the recorder did: the identical request
 * redacts to the identical recording. No secret is needed, none is stored, and under another key
 * nothing is recognized (replay warns at start-up when `meta.keyId` says so).
 *
 * What is not recognized: a value recorded with `action: "mask"` (`[REDACTED]` names no value),
 * and a learned value that the request carries only inside a longer token (`abc123xyz`) or only
 * encoded (base64, hex). Values are looked at whole and split at the characters that delimit
 * tokens in URLs, headers and text.
 */
import { mapJsonStrings, type JsonValue } from '../json.js';
import { valuesOf, type NamedCassette, type RecordedRequest } from '../cassette/model.js';
import { firstHeaderValue, isFormMediaType, mediaType } from '../http/index.js';
import { decodePercent } from '../http/percent.js';
import {
  isPseudonym,
  PSEUDONYM_JWT_HEADER,
  PSEUDONYM_PATTERN,
  PSEUDONYM_PHONE_PREFIX,
  SHAPES,
  type Shape,
} from './pseudonym.js';
import { MIN_TRACKED_LENGTH, type SecretRegistry } from './registry.js';

/** Where a value splits into tokens: what separates values in URLs, headers, cookies and text. */
const DELIMITERS = /[\s,;&?#"'<>()[\]{}|\\`=/:]+/;
/** Longer values are not looked at: a secret this long is a document, not a token. */
const MAX_LENGTH = 2048;
/** At most this many values of one request are looked at (each costs one HMAC, cached). */
const MAX_CANDIDATES = 512;

/** The pseudonyms of a value under the current key in these shapes (`Redactor.pseudonymsOf`). */
export type PseudonymsOf = (value: string, shapes: readonly Shape[]) => readonly string[];

/** The shape a pseudonym has (the patterns of pseudonym.ts tell them apart). */
function shapeOf(pseudonym: string): Shape {
  if (pseudonym.startsWith('tdp_')) return 'token';
  if (pseudonym.startsWith('td-')) return 'email';
  if (pseudonym.startsWith(PSEUDONYM_JWT_HEADER)) return 'jwt';
  if (pseudonym.startsWith(PSEUDONYM_PHONE_PREFIX)) return 'phone';
  return /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-8[0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}$/.test(
    pseudonym,
  )
    ? 'uuid'
    : 'card';
}

/** The values of `text` worth a look: the whole (trimmed) and each token, long enough. */
function candidates(text: string, out: Set<string>): void {
  if (text.length < MIN_TRACKED_LENGTH || out.size >= MAX_CANDIDATES) return;
  const whole = text.trim();
  if (whole.length >= MIN_TRACKED_LENGTH && whole.length <= MAX_LENGTH) out.add(whole);
  if (!DELIMITERS.test(whole)) return;
  for (const token of whole.split(DELIMITERS)) {
    if (token.length >= MIN_TRACKED_LENGTH && token.length <= MAX_LENGTH) out.add(token);
  }
}

function pathCandidates(path: string, out: Set<string>): void {
  for (const segment of path.split('/'))
    candidates(segment.includes('%') ? decodePercent(segment) : segment, out);
}

/** Every string of a request (path segments decoded, query, headers, body) in `out`. */
function requestStrings(request: RecordedRequest, visit: (text: string) => void): void {
  for (const segment of request.path.split('/'))
    visit(segment.includes('%') ? decodePercent(segment) : segment);
  for (const [name, value] of Object.entries(request.query)) {
    visit(name);
    for (const v of valuesOf(value)) visit(v);
  }
  for (const value of Object.values(request.headers)) for (const v of valuesOf(value)) visit(v);
  const body = request.body;
  if (body === undefined) return;
  switch (body.encoding) {
    case 'json':
      jsonStrings(body.json, visit);
      return;
    case 'text':
      if (isFormMediaType(mediaType(firstHeaderValue(request.headers, 'content-type')))) {
        for (const [name, value] of new URLSearchParams(body.text)) {
          visit(name);
          visit(value);
        }
      }
      visit(body.text);
      return;
    case 'base64':
      return;
  }
}

function jsonStrings(value: JsonValue, visit: (text: string) => void): void {
  mapJsonStrings(value, (s) => {
    visit(s);
    return s;
  });
  // Keys are strings too (an email as a key).
  const keys = (node: JsonValue): void => {
    if (Array.isArray(node)) node.forEach(keys);
    else if (node !== null && typeof node === 'object')
      for (const [k, v] of Object.entries(node)) {
        visit(k);
        keys(v);
      }
  };
  keys(value);
}

export class LearnedValues {
  /** The pseudonyms the recorded requests hold where matching looks (the mask excluded). */
  private readonly recorded: ReadonlySet<string>;
  /** Their shapes: only these are computed for a value (the JWT shape costs most). */
  private readonly shapes: readonly Shape[];

  constructor(recorded: Iterable<string>) {
    this.recorded = new Set(recorded);
    const shapes = new Set([...this.recorded].map(shapeOf));
    this.shapes = SHAPES.filter((s) => shapes.has(s));
  }

  /**
   * From loaded cassettes: every pseudonym a recorded request holds where matching looks (path,
   * query, body, and the headers `match.headers` names). A pseudonym only in other headers (the
   * Authorization every request sends) cannot decide a key, and leaving it out keeps this empty,
   * and replay free of its cost, for cassettes with no learned value where it matters.
   */
  static from(
    cassettes: readonly NamedCassette[],
    matchedHeaders: readonly string[],
  ): LearnedValues {
    const found = new Set<string>();
    const pattern = new RegExp(PSEUDONYM_PATTERN.source, 'g');
    const collect = (text: string) => {
      if (text.length < MIN_TRACKED_LENGTH) return;
      for (const m of text.matchAll(pattern)) if (m[0] !== '[REDACTED]') found.add(m[0]);
    };
    for (const { cassette } of cassettes) {
      for (const { request } of cassette.interactions) {
        const headers: Record<string, string | string[]> = {};
        for (const name of matchedHeaders) {
          const value = request.headers[name];
          if (value !== undefined && Object.hasOwn(request.headers, name)) headers[name] = value;
        }
        requestStrings({ ...request, headers }, collect);
      }
    }
    return new LearnedValues(found);
  }

  /** Nothing to recognize: the cassettes' requests hold no pseudonym. */
  get empty(): boolean {
    return this.recorded.size === 0;
  }

  /** The recorded pseudonym of `value` under this key, if the recordings hold one. */
  private recordedPseudonym(value: string, pseudonymsOf: PseudonymsOf): string | undefined {
    if (isPseudonym(value)) return undefined;
    for (const p of pseudonymsOf(value, this.shapes)) if (this.recorded.has(p)) return p;
    return undefined;
  }

  /**
   * Remembers in `registry` every value of `request` (already redacted by a pass) whose
   * pseudonym a recording holds; value tracking then replaces them. Returns how many.
   */
  learn(request: RecordedRequest, registry: SecretRegistry, pseudonymsOf: PseudonymsOf): number {
    if (this.empty) return 0;
    const values = new Set<string>();
    requestStrings(request, (text) => candidates(text, values));
    let learned = 0;
    for (const value of values) {
      const pseudonym = this.recordedPseudonym(value, pseudonymsOf);
      if (pseudonym === undefined) continue;
      registry.remember(value, pseudonym);
      learned++;
    }
    return learned;
  }

  /**
   * Would `learn` find a value in this path, query text or header value? The replay fast lane
   * asks it of what it keys on (and of the headers, whose values tracking would replace there).
   */
  recognizes(text: string, pseudonymsOf: PseudonymsOf, isPath = false): boolean {
    if (this.empty || text.length < MIN_TRACKED_LENGTH) return false;
    const values = new Set<string>();
    // For a path, its segments as `learn` sees them, and the text whole as a query name: saying
    // yes too often only sends a request down the full pipeline.
    if (isPath) pathCandidates(text, values);
    candidates(text, values);
    for (const value of values)
      if (this.recordedPseudonym(value, pseudonymsOf) !== undefined) return true;
    return false;
  }
}
