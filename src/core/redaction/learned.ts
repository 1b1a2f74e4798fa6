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
import type { JsonValue } from '../json.js';
import { valuesOf, type NamedCassette, type RecordedRequest } from '../cassette/model.js';
import { firstHeaderValue, isFormMediaType, mediaType } from '../http/index.js';
import { decodePercent } from '../http/percent.js';
import {
  containsPseudonym,
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

/** Every string of a JSON value, keys included (an email as a key), without copying it. */
function jsonStrings(value: JsonValue, visit: (text: string) => void): void {
  if (typeof value === 'string') visit(value);
  else if (Array.isArray(value)) for (const item of value) jsonStrings(item, visit);
  else if (value !== null && typeof value === 'object')
    for (const key of Object.keys(value)) {
      visit(key);
      jsonStrings(value[key]!, visit);
    }
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
      // The cheap test first: nearly every recorded string holds no pseudonym.
      if (text.length < MIN_TRACKED_LENGTH || !containsPseudonym(text)) return;
      for (const m of text.matchAll(pattern)) if (m[0] !== '[REDACTED]') found.add(m[0]);
    };
    for (const { cassette } of cassettes) {
      for (const { request } of cassette.interactions) {
        // The path whole: pseudonyms are found anywhere in it (an email one is `%40`-encoded).
        collect(request.path.includes('%') ? decodePercent(request.path) : request.path);
        const { query, headers, body } = request;
        for (const name in query) {
          collect(name);
          const value = query[name]!;
          if (typeof value === 'string') collect(value);
          else for (const v of value) collect(v);
        }
        for (const name of matchedHeaders)
          if (Object.hasOwn(headers, name)) for (const v of valuesOf(headers[name])) collect(v);
        if (body?.encoding === 'json') jsonStrings(body.json, collect);
        else if (body?.encoding === 'text') {
          collect(body.text);
          if (body.text.includes('%')) collect(decodePercent(body.text));
        }
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
