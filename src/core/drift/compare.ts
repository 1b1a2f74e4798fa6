/**
 * Compares a recorded response with a live one and classifies every difference (see
 * docs/drift-report.md for the rules). Pure: the drift job (app/drift.ts) sends the requests,
 * redacts the live answers exactly like recordings, and hands both sides to `compareResponses`.
 *
 * Bodies are diffed with json-diff-ts. Before the diff, every array in the two documents is given
 * an alignment: by element identity (`id`, `uuid`, `key`, `name`, ...) when every element on both
 * sides carries one, unique within its array; by position otherwise. The changeset is then walked
 * together with both documents, so each finding carries the recorded location as a JSON pointer
 * and a stable path that survives insertions into id-aligned arrays.
 */
import { diff, type IChange } from 'json-diff-ts';
import { valuesOf, type Body, type RecordedResponse } from '../cassette/model.js';
import { canonicalJson, getOwn, jsonPointer, type JsonValue } from '../json.js';
import { matchesJsonPath, parseJsonPath, type JsonPath } from '../jsonpath.js';
import { clip } from '../render/text.js';
import { hash64 } from './hash.js';
import type {
  CassetteDrift,
  ChangeKind,
  DriftReport,
  DriftTotals,
  Finding,
  InteractionDrift,
  Verdict,
} from './model.js';
import {
  BUILTIN_NOISE_HEADERS,
  differOnlyInRedaction,
  isBuiltinNoiseField,
  isEnumWord,
  isStatusLikeName,
} from './noise.js';

export interface CompareOptions {
  /** JSON paths (jsonpath syntax of src/core/jsonpath.ts, e.g. $.data[*].updated_at) pinned as noise by config. */
  readonly ignore: readonly string[];
  /**
   * JSON pointers learned as volatile (they differed between two live calls), e.g.
   * '/data/0/created', plus `header:<name>` entries for headers (see volatilePointers).
   */
  readonly volatile: ReadonlySet<string>;
  /**
   * Header names compared (lower case); a trailing `*` matches a prefix (`x-ratelimit-*`).
   * Default list exported as DEFAULT_DRIFT_HEADERS.
   */
  readonly headers: readonly string[];
}

/**
 * Headers a client builds on: the content type, caching, rate limits and pagination. Others
 * (server, via, cookies, CORS) are transport details and not compared unless configured.
 */
export const DEFAULT_DRIFT_HEADERS: readonly string[] = Object.freeze([
  'content-type',
  'cache-control',
  'etag',
  'vary',
  'expires',
  'x-ratelimit-*',
  'ratelimit*',
  'retry-after',
  'link',
  'x-total-count',
  'x-next-cursor',
  'x-page',
  'x-per-page',
  'x-total-pages',
]);

/** Values in findings are clipped to this many characters. */
export const MAX_VALUE_CHARS = 80;

/** Candidate identity fields for aligning arrays of objects, in order of preference. */
const IDENTITY_KEYS = ['id', 'uuid', 'guid', 'key', 'slug', 'name', 'code', 'sku', '_id', 'handle'];

/** The prefix of learned-volatile entries that name a header rather than a body pointer. */
export const VOLATILE_HEADER_PREFIX = 'header:';

export function compareResponses(
  recorded: RecordedResponse,
  live: RecordedResponse,
  options: CompareOptions,
): Finding[] {
  const findings: Finding[] = [];
  const statusFinding = compareStatus(recorded.status, live.status);
  if (statusFinding) findings.push(statusFinding);
  findings.push(...compareHeaders(recorded.headers, live.headers, options));
  // A different status class answers with another document (an error envelope instead of the
  // resource): its fields are not drift of the resource, and the status finding says it all.
  if (statusClass(recorded.status) === statusClass(live.status)) {
    findings.push(...compareBodies(recorded.body, live.body, options));
  }
  return findings;
}

/**
 * What two answers to the same request may differ in and still be learned as noise: values, not
 * shape. A field present in one call and absent in the other, a type that flips, or a body of
 * another kind is not "changes on every call": learning it would hide exactly the drift a client
 * breaks on (and a body-level entry would cover the whole body).
 */
const LEARNABLE_KINDS: ReadonlySet<ChangeKind> = new Set<ChangeKind>([
  'value-changed',
  'header-changed',
  'element-added',
  'element-removed',
  'array-reordered',
]);

/** Pointers whose values differ between two live answers to the same request (noise learning). */
export function volatilePointers(first: RecordedResponse, second: RecordedResponse): string[] {
  const names = new Set([...Object.keys(first.headers), ...Object.keys(second.headers)]);
  const findings = compareResponses(first, second, {
    ignore: [],
    volatile: new Set(),
    headers: [...names].map((n) => n.toLowerCase()),
  });
  const out = new Set<string>();
  for (const f of findings) {
    if (!LEARNABLE_KINDS.has(f.kind)) continue;
    out.add(f.place === 'header' ? VOLATILE_HEADER_PREFIX + f.path : f.path);
  }
  return [...out].sort();
}

/**
 * A stable id for a finding, for history in SQLite: cassette + method + recorded target + kind +
 * place + the stable path (indexes of id-aligned arrays replaced by identities). The same drift
 * seen tomorrow gets the same fingerprint even when elements were inserted before it.
 */
export function fingerprint(
  cassette: string,
  method: string,
  target: string,
  finding: Finding,
): string {
  const where =
    finding.place === 'header' ? finding.path.toLowerCase() : (finding.stablePath ?? finding.path);
  return hash64(
    [cassette, method.toUpperCase(), target, finding.kind, finding.place, where].join('\u0000'),
  );
}

/** Severity summary of one interaction's findings. */
export function summarize(findings: readonly Finding[]): {
  outcome: 'same' | 'drift';
  severity?: 'breaking' | 'non-breaking';
} {
  if (findings.some((f) => f.severity === 'breaking'))
    return { outcome: 'drift', severity: 'breaking' };
  if (findings.some((f) => f.severity === 'non-breaking'))
    return { outcome: 'drift', severity: 'non-breaking' };
  return { outcome: 'same' };
}

/**
 * Builds the report totals, per-cassette rows and verdict from per-interaction results.
 * Interactions are ordered by cassette name then index; the outcome and severity of every checked
 * interaction are recomputed from its findings, so a report cannot disagree with itself.
 */
export function buildReport(input: {
  target: string;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  interactions: InteractionDrift[];
}): DriftReport {
  const interactions = input.interactions
    .map(normalizeInteraction)
    .sort((a, b) =>
      a.cassette === b.cassette ? a.index - b.index : a.cassette < b.cassette ? -1 : 1,
    );
  const count = (i: InteractionDrift, severity: Finding['severity']) =>
    i.outcome === 'unchecked' ? 0 : i.findings.filter((f) => f.severity === severity).length;
  const rows = new Map<string, { -readonly [K in keyof CassetteDrift]: CassetteDrift[K] }>();
  const totals: { -readonly [K in keyof DriftTotals]: DriftTotals[K] } = {
    interactions: interactions.length,
    checked: 0,
    same: 0,
    breaking: 0,
    nonBreaking: 0,
    unchecked: 0,
    skipped: 0,
    noiseFindings: 0,
    breakingFindings: 0,
    nonBreakingFindings: 0,
  };
  for (const i of interactions) {
    let row = rows.get(i.cassette);
    if (!row) {
      row = {
        name: i.cassette,
        interactions: 0,
        breaking: 0,
        nonBreaking: 0,
        unchecked: 0,
        noiseFindings: 0,
      };
      rows.set(i.cassette, row);
    }
    row.interactions += 1;
    if (i.outcome === 'unchecked') {
      totals.unchecked += 1;
      row.unchecked += 1;
      if (i.unchecked?.reason === 'unsafe-method') totals.skipped += 1;
      continue;
    }
    totals.checked += 1;
    if (i.outcome === 'same') totals.same += 1;
    else if (i.severity === 'breaking') {
      totals.breaking += 1;
      row.breaking += 1;
    } else {
      totals.nonBreaking += 1;
      row.nonBreaking += 1;
    }
    const noise = count(i, 'noise');
    totals.noiseFindings += noise;
    row.noiseFindings += noise;
    totals.breakingFindings += count(i, 'breaking');
    totals.nonBreakingFindings += count(i, 'non-breaking');
  }
  const verdict: Verdict =
    totals.breaking > 0
      ? 'breaking'
      : totals.nonBreaking > 0
        ? 'non-breaking'
        : totals.checked === 0 && totals.interactions > 0
          ? 'unchecked'
          : 'clean';
  return {
    version: 1,
    target: input.target,
    startedAt: input.startedAt,
    finishedAt: input.finishedAt,
    durationMs: input.durationMs,
    verdict,
    totals,
    cassettes: [...rows.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
    interactions,
  };
}

function normalizeInteraction(i: InteractionDrift): InteractionDrift {
  if (i.outcome === 'unchecked') {
    const { severity: _drop, ...rest } = i;
    return rest;
  }
  const { severity: _old, outcome: _outcome, ...rest } = i;
  const summary = summarize(i.findings);
  return summary.severity === undefined
    ? { ...rest, outcome: summary.outcome }
    : { ...rest, outcome: summary.outcome, severity: summary.severity };
}

// ---------------------------------------------------------------------------------------------
// Status and headers

export function statusClass(status: number): number {
  return Math.floor(status / 100);
}

function compareStatus(recorded: number, live: number): Finding | undefined {
  if (recorded === live) return undefined;
  const classChanged = statusClass(recorded) !== statusClass(live);
  return {
    kind: classChanged ? 'status-class-changed' : 'status-changed',
    severity: classChanged ? 'breaking' : 'non-breaking',
    place: 'status',
    path: '',
    recorded: String(recorded),
    live: String(live),
  };
}

function headerValue(headers: RecordedResponse['headers'], name: string): string | undefined {
  // Stored names are lower case; accept any case from a hand-written cassette.
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
  if (key === undefined) return undefined;
  const values = valuesOf(getOwn(headers, key));
  return values.length === 0 ? undefined : values.join(', ');
}

function selectedHeaders(
  recorded: RecordedResponse['headers'],
  live: RecordedResponse['headers'],
  wanted: readonly string[],
): string[] {
  const present = [...Object.keys(recorded), ...Object.keys(live)].map((n) => n.toLowerCase());
  const out = new Set<string>();
  for (const pattern of wanted.map((w) => w.toLowerCase())) {
    if (pattern.endsWith('*')) {
      const prefix = pattern.slice(0, -1);
      for (const name of present) if (name.startsWith(prefix)) out.add(name);
    } else {
      out.add(pattern);
    }
  }
  return [...out].sort();
}

/** `Application/JSON; Charset="UTF-8"` → media type `application/json`, params `charset=utf-8`. */
export function parseContentType(value: string): { type: string; params: string } {
  const [type = '', ...rest] = value.split(';');
  const params = rest
    .map((p) => {
      const eq = p.indexOf('=');
      if (eq === -1) return p.trim().toLowerCase();
      const name = p.slice(0, eq).trim().toLowerCase();
      let v = p.slice(eq + 1).trim();
      if (v.startsWith('"') && v.endsWith('"') && v.length >= 2) v = v.slice(1, -1);
      // charset values are case-insensitive; boundary values are not, but they change per call.
      return name === 'boundary'
        ? 'boundary'
        : `${name}=${name === 'charset' ? v.toLowerCase() : v}`;
    })
    .filter((p) => p !== '')
    .sort();
  return { type: type.trim().toLowerCase(), params: params.join('; ') };
}

/** Comma-separated token lists whose order and case carry no meaning. */
const TOKEN_LIST_HEADERS = new Set(['vary', 'cache-control']);

function normalizeTokens(value: string): string {
  return value
    .split(',')
    .map((t) => t.trim().toLowerCase())
    .filter((t) => t !== '')
    .sort()
    .join(', ');
}

function compareHeaders(
  recorded: RecordedResponse['headers'],
  live: RecordedResponse['headers'],
  options: CompareOptions,
): Finding[] {
  const findings: Finding[] = [];
  for (const name of selectedHeaders(recorded, live, options.headers)) {
    const r = headerValue(recorded, name);
    const l = headerValue(live, name);
    if (r === undefined && l === undefined) continue;
    const base = { place: 'header' as const, path: name };
    if (l === undefined) {
      findings.push({ ...base, kind: 'header-removed', severity: 'breaking', recorded: short(r!) });
      continue;
    }
    if (r === undefined) {
      findings.push({ ...base, kind: 'header-added', severity: 'non-breaking', live: short(l) });
      continue;
    }
    if (r === l) continue;
    if (name === 'content-type') {
      const a = parseContentType(r);
      const b = parseContentType(l);
      if (a.type !== b.type) {
        findings.push({
          ...base,
          kind: 'content-type-changed',
          severity: 'breaking',
          recorded: short(r),
          live: short(l),
        });
        continue;
      }
      if (a.params === b.params) continue;
    } else if (TOKEN_LIST_HEADERS.has(name) && normalizeTokens(r) === normalizeTokens(l)) {
      continue;
    }
    const noiseReason = options.volatile.has(VOLATILE_HEADER_PREFIX + name)
      ? ('learned' as const)
      : BUILTIN_NOISE_HEADERS.has(name) || differOnlyInRedaction(r, l)
        ? ('builtin' as const)
        : undefined;
    findings.push({
      ...base,
      kind: 'header-changed',
      severity: noiseReason ? 'noise' : 'non-breaking',
      recorded: short(r),
      live: short(l),
      ...(noiseReason ? { noiseReason } : {}),
    });
  }
  return findings;
}

// ---------------------------------------------------------------------------------------------
// Bodies

function short(value: string): string {
  return clip(value, MAX_VALUE_CHARS);
}

/** A short rendering of a JSON value: its JSON text, clipped. */
export function renderValue(value: JsonValue): string {
  return short(JSON.stringify(value));
}

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

function compareBodies(
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

function jsonEqual(a: JsonValue, b: JsonValue): boolean {
  if (a === b) return true;
  if (!isContainer(a) || !isContainer(b) || Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as JsonValue[];
    return a.length === bb.length && a.every((v, i) => jsonEqual(v, bb[i]!));
  }
  const ao = a;
  const bo = b as { [k: string]: JsonValue };
  const keys = Object.keys(ao);
  if (keys.length !== Object.keys(bo).length) return false;
  return keys.every((k) => Object.hasOwn(bo, k) && jsonEqual(ao[k]!, bo[k]!));
}

type Seg = string | number;

/** A location seen from both documents: where it is in each, and its stable name. */
interface Loc {
  readonly rec: readonly Seg[];
  readonly live: readonly Seg[];
  readonly stable: readonly string[];
  /** The key path json-diff-ts uses: object keys only, array indexes left out. */
  readonly keyPath: readonly string[];
}

const ROOT: Loc = { rec: [], live: [], stable: [], keyPath: [] };

function isContainer(v: JsonValue | undefined): v is JsonValue[] | { [k: string]: JsonValue } {
  return v !== null && typeof v === 'object';
}

function typeName(v: JsonValue | undefined): string {
  if (v === undefined) return 'absent';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

function child(node: JsonValue | undefined, seg: Seg | undefined): JsonValue | undefined {
  if (seg === undefined || !isContainer(node)) return undefined;
  if (Array.isArray(node)) return typeof seg === 'number' ? node[seg] : undefined;
  return typeof seg === 'string' ? getOwn(node, seg) : undefined;
}

class JsonComparison {
  private readonly findings: Finding[] = [];
  private readonly pinned: readonly JsonPath[];
  /** Identity field per json-diff-ts key path ('$index' when arrays there align by position). */
  private readonly identity = new Map<string, string>();
  /** Values of enum-like fields at aligned locations, by pattern pointer (`/data/*\/status`). */
  private readonly enums = new Map<string, { rec: Set<string>; live: Set<string>; n: number }>();

  constructor(
    private readonly recorded: JsonValue,
    private readonly live: JsonValue,
    private readonly options: CompareOptions,
  ) {
    this.pinned = options.ignore.map((p) => parseJsonPath(p));
  }

  run(): Finding[] {
    const arrays = new Map<string, JsonValue[][]>();
    collectArrays(this.recorded, [], arrays);
    collectArrays(this.live, [], arrays);
    for (const [keyPath, list] of arrays) this.identity.set(keyPath, chooseIdentity(list));

    const { recorded, live } = this;
    if (
      isContainer(recorded) &&
      isContainer(live) &&
      Array.isArray(recorded) === Array.isArray(live)
    ) {
      // Every array key path gets an explicit entry: json-diff-ts would otherwise look a missing
      // path up as a property of the Map (`values`, `size`), which is not what a body means.
      const changes = diff(recorded, live, { embeddedObjKeys: new Map(this.identity) });
      if (Array.isArray(recorded)) {
        const top = changes[0];
        if (top?.changes) this.walk(top.changes, recorded, live, ROOT);
      } else {
        this.walk(changes, recorded, live, ROOT);
      }
    } else {
      this.leaf(recorded, live, ROOT, true, true);
    }
    this.alignedPass(recorded, live, ROOT, []);
    this.enumFindings();
    return this.findings;
  }

  /** Walks one level of a json-diff-ts changeset together with the two documents. */
  private walk(changes: readonly IChange[], rec: JsonValue, live: JsonValue, at: Loc): void {
    const byKey = new Map<string, IChange[]>();
    for (const c of changes) {
      const list = byKey.get(c.key);
      if (list) list.push(c);
      else byKey.set(c.key, [c]);
    }
    const arrays = Array.isArray(rec) && Array.isArray(live);
    const identity = arrays ? (this.identity.get(at.keyPath.join('.')) ?? '$index') : undefined;
    for (const [key, group] of byKey) {
      let loc: Loc;
      let r: JsonValue | undefined;
      let l: JsonValue | undefined;
      if (arrays) {
        const ri = indexOfElement(rec, identity!, key);
        const li = indexOfElement(live, identity!, key);
        r = ri === undefined ? undefined : rec[ri];
        l = li === undefined ? undefined : live[li];
        loc = {
          rec: [...at.rec, ri ?? li ?? key],
          live: [...at.live, li ?? ri ?? key],
          stable: [...at.stable, identity === '$index' ? key : `[${identity}=${key}]`],
          keyPath: at.keyPath,
        };
        if (r === undefined || l === undefined) {
          this.element(r, l, loc);
          continue;
        }
      } else {
        r = child(rec, key);
        l = child(live, key);
        loc = {
          rec: [...at.rec, key],
          live: [...at.live, key],
          stable: [...at.stable, key],
          keyPath: [...at.keyPath, key],
        };
      }
      const nested = group.find((c) => c.changes !== undefined);
      if (
        nested?.changes &&
        isContainer(r) &&
        isContainer(l) &&
        Array.isArray(r) === Array.isArray(l)
      ) {
        this.walk(nested.changes, r, l, loc);
      } else {
        this.leaf(r, l, loc, r !== undefined, l !== undefined);
      }
    }
  }

  /** An array element present on one side only. */
  private element(r: JsonValue | undefined, l: JsonValue | undefined, at: Loc): void {
    const added = r === undefined;
    const noise = this.pinnedOrLearned(at);
    this.push(
      at,
      {
        kind: added ? 'element-added' : 'element-removed',
        severity: noise ? 'noise' : 'non-breaking',
        ...(added ? { live: renderValue(l!) } : { recorded: renderValue(r) }),
        ...(noise ? { noiseReason: noise } : {}),
      },
      added,
    );
  }

  /** A difference at one location that json-diff-ts did not break down further. */
  private leaf(
    r: JsonValue | undefined,
    l: JsonValue | undefined,
    at: Loc,
    hasRec: boolean,
    hasLive: boolean,
  ): void {
    if (!hasRec && !hasLive) return;
    if (
      hasRec &&
      hasLive &&
      isContainer(r) &&
      isContainer(l) &&
      Array.isArray(r) === Array.isArray(l)
    ) {
      // Same container type but no nested changeset: diff this subtree on its own.
      const sub = new JsonComparison(r, l, { ...this.options, ignore: [], volatile: new Set() });
      for (const f of sub.run()) this.findings.push(this.rebase(f, at));
      return;
    }
    const name = at.rec.at(-1);
    if (!hasLive) {
      // Learned noise says a value changes on every call, not that the field may vanish.
      const noise = this.pinnedOrLearned(at, false);
      this.push(at, {
        kind: 'field-removed',
        severity: noise ? 'noise' : 'breaking',
        recorded: renderValue(r!),
        ...(noise ? { noiseReason: noise } : {}),
      });
      return;
    }
    if (!hasRec) {
      const noise = this.pinnedOrLearned(at);
      this.push(at, {
        kind: 'field-added',
        severity: noise ? 'noise' : 'non-breaking',
        live: renderValue(l!),
        ...(noise ? { noiseReason: noise } : {}),
      });
      return;
    }
    if (typeName(r) !== typeName(l)) {
      // A type change is never noise: a client that parses the field breaks whatever its value.
      this.push(at, {
        kind: 'type-changed',
        severity: r === null ? 'non-breaking' : 'breaking',
        recorded: renderValue(r!),
        live: renderValue(l!),
      });
      return;
    }
    if (r === l) return;
    const noise =
      this.pinnedOrLearned(at) ??
      (isBuiltinNoiseField(name, r, l) ? ('builtin' as const) : undefined);
    this.push(at, {
      kind: 'value-changed',
      severity: noise ? 'noise' : 'non-breaking',
      recorded: renderValue(r!),
      live: renderValue(l!),
      ...(noise ? { noiseReason: noise } : {}),
    });
  }

  private push(at: Loc, f: Omit<Finding, 'place' | 'path' | 'stablePath'>, liveSide = false): void {
    this.findings.push({
      ...f,
      place: 'body',
      path: jsonPointer(liveSide ? at.live : at.rec),
      stablePath: jsonPointer(at.stable),
    });
  }

  private rebase(f: Finding, at: Loc): Finding {
    const noise =
      f.severity !== 'noise' && f.kind !== 'type-changed'
        ? this.pinnedOrLearnedPointer(at, f.path, f.kind !== 'field-removed')
        : undefined;
    return {
      ...f,
      path: jsonPointer(at.rec) + f.path,
      stablePath: jsonPointer(at.stable) + (f.stablePath ?? f.path),
      ...(noise ? { severity: 'noise' as const, noiseReason: noise } : {}),
    };
  }

  private pinnedOrLearnedPointer(
    at: Loc,
    suffix: string,
    learnable: boolean,
  ): 'pinned' | 'learned' | undefined {
    const rec = jsonPointer(at.rec) + suffix;
    const segs = suffix === '' ? [] : suffix.slice(1).split('/').map(unescapePointer);
    const recAt = [...at.rec, ...segs.map((s) => (/^\d+$/.test(s) ? Number(s) : s))];
    if (this.pinned.some((p) => prefixes(recAt).some((pre) => matchesJsonPath(p, pre))))
      return 'pinned';
    if (learnable && pointerPrefixes(rec).some((p) => this.options.volatile.has(p)))
      return 'learned';
    return undefined;
  }

  /**
   * Noise by config (pinned) hides additions, removals and value changes; noise by learning only
   * what `learnable` allows (never a removed field).
   */
  private pinnedOrLearned(at: Loc, learnable = true): 'pinned' | 'learned' | undefined {
    for (const segs of [at.rec, at.live]) {
      if (this.pinned.some((p) => prefixes(segs).some((pre) => matchesJsonPath(p, pre))))
        return 'pinned';
    }
    if (!learnable) return undefined;
    for (const segs of [at.rec, at.live]) {
      if (pointerPrefixes(jsonPointer(segs)).some((p) => this.options.volatile.has(p)))
        return 'learned';
    }
    return undefined;
  }

  /**
   * A second walk over the locations both documents share, aligned the same way as the diff:
   * finds reordered id-aligned arrays (json-diff-ts keys them by id, so order is invisible to it)
   * and collects the values of enum-like fields.
   */
  private alignedPass(r: JsonValue, l: JsonValue, at: Loc, pattern: readonly string[]): void {
    if (!isContainer(r) || !isContainer(l) || Array.isArray(r) !== Array.isArray(l)) return;
    if (Array.isArray(r) && Array.isArray(l)) {
      const identity = this.identity.get(at.keyPath.join('.')) ?? '$index';
      if (identity === '$index') {
        const n = Math.min(r.length, l.length);
        for (let i = 0; i < n; i++) {
          this.alignedPass(
            r[i]!,
            l[i]!,
            {
              rec: [...at.rec, i],
              live: [...at.live, i],
              stable: [...at.stable, String(i)],
              keyPath: at.keyPath,
            },
            [...pattern, '*'],
          );
        }
        return;
      }
      const liveIndex = new Map<string, number>();
      l.forEach((el, i) => liveIndex.set(identityOf(el, identity)!, i));
      const common: string[] = [];
      r.forEach((el, ri) => {
        const id = identityOf(el, identity)!;
        const li = liveIndex.get(id);
        if (li === undefined) return;
        common.push(id);
        this.alignedPass(
          el,
          l[li]!,
          {
            rec: [...at.rec, ri],
            live: [...at.live, li],
            stable: [...at.stable, `[${identity}=${id}]`],
            keyPath: at.keyPath,
          },
          [...pattern, '*'],
        );
      });
      const shared = new Set(common);
      const liveOrder = l.map((el) => identityOf(el, identity)!).filter((id) => shared.has(id));
      if (common.some((id, i) => liveOrder[i] !== id)) {
        const noise = this.pinnedOrLearned(at);
        this.push(at, {
          kind: 'array-reordered',
          severity: noise ? 'noise' : 'non-breaking',
          recorded: short(`${identity}: ${common.join(', ')}`),
          live: short(`${identity}: ${liveOrder.join(', ')}`),
          ...(noise ? { noiseReason: noise } : {}),
        });
      }
      return;
    }
    const ro = r as { [k: string]: JsonValue };
    const lo = l as { [k: string]: JsonValue };
    for (const key of Object.keys(ro)) {
      if (!Object.hasOwn(lo, key)) continue;
      const rv = ro[key]!;
      const lv = lo[key]!;
      const next: Loc = {
        rec: [...at.rec, key],
        live: [...at.live, key],
        stable: [...at.stable, key],
        keyPath: [...at.keyPath, key],
      };
      if (isStatusLikeName(key) && isEnumWord(rv) && isEnumWord(lv)) {
        const where = jsonPointer([...pattern, key].map(String));
        // Only fields inside arrays have a vocabulary to compare; see docs/drift-report.md.
        if (pattern.includes('*') && this.pinnedOrLearned(next) === undefined) {
          const slot = this.enums.get(where) ?? {
            rec: new Set<string>(),
            live: new Set<string>(),
            n: 0,
          };
          slot.rec.add(rv);
          slot.live.add(lv);
          slot.n += 1;
          this.enums.set(where, slot);
        }
      }
      this.alignedPass(rv, lv, next, [...pattern, key]);
    }
  }

  /**
   * The enum rule: a status-like field seen at two or more aligned elements has an observed
   * vocabulary on each side. A recorded value missing from the live vocabulary is a removed enum
   * value (breaking); a live value the recording never used is an added one.
   */
  private enumFindings(): void {
    for (const [where, slot] of this.enums) {
      if (slot.n < 2) continue;
      const gone = [...slot.rec].filter((v) => !slot.live.has(v)).sort();
      const added = [...slot.live].filter((v) => !slot.rec.has(v)).sort();
      const vocab = (s: Set<string>) => short([...s].sort().join(', '));
      for (const [kind, values] of [
        ['enum-value-removed', gone],
        ['enum-value-added', added],
      ] as const) {
        if (values.length === 0) continue;
        this.findings.push({
          kind,
          severity: kind === 'enum-value-removed' ? 'breaking' : 'non-breaking',
          place: 'body',
          path: where,
          stablePath: where,
          recorded: vocab(slot.rec),
          live: vocab(slot.live),
        });
      }
    }
  }
}

function unescapePointer(s: string): string {
  return s.replace(/~1/g, '/').replace(/~0/g, '~');
}

function prefixes(segs: readonly Seg[]): (readonly Seg[])[] {
  const out: (readonly Seg[])[] = [];
  for (let i = 1; i <= segs.length; i++) out.push(segs.slice(0, i));
  return out;
}

function pointerPrefixes(pointer: string): string[] {
  const out: string[] = [];
  let i = pointer.indexOf('/', 1);
  while (i !== -1) {
    out.push(pointer.slice(0, i));
    i = pointer.indexOf('/', i + 1);
  }
  out.push(pointer);
  return out;
}

/** The identity of an array element as json-diff-ts keys it (String of the field). */
function identityOf(el: JsonValue | undefined, identity: string): string | undefined {
  if (!isContainer(el) || Array.isArray(el)) return undefined;
  const v = getOwn(el, identity);
  return typeof v === 'string' || typeof v === 'number' ? String(v) : undefined;
}

/** Element index by identity, built once per array (a changeset can name every element). */
const elementIndexes = new WeakMap<readonly JsonValue[], Map<string, number>>();

function indexOfElement(
  arr: readonly JsonValue[],
  identity: string,
  key: string,
): number | undefined {
  if (identity === '$index') {
    const i = Number(key);
    return Number.isInteger(i) && i >= 0 && i < arr.length && String(i) === key ? i : undefined;
  }
  let index = elementIndexes.get(arr);
  if (index === undefined) {
    index = new Map();
    for (let i = 0; i < arr.length; i++) {
      const id = identityOf(arr[i], identity);
      if (id !== undefined && !index.has(id)) index.set(id, i);
    }
    elementIndexes.set(arr, index);
  }
  return index.get(key);
}

/** Every array in a document, grouped by json-diff-ts key path (object keys joined by '.'). */
function collectArrays(
  node: JsonValue,
  keyPath: readonly string[],
  out: Map<string, JsonValue[][]>,
) {
  if (!isContainer(node)) return;
  if (Array.isArray(node)) {
    const k = keyPath.join('.');
    const list = out.get(k);
    if (list) list.push(node);
    else out.set(k, [node]);
    for (const el of node) collectArrays(el, keyPath, out);
    return;
  }
  for (const [key, value] of Object.entries(node)) collectArrays(value, [...keyPath, key], out);
}

/**
 * The identity field for all arrays at one key path: the first candidate that every element of
 * every such array (both documents) carries as a string or number, unique within its array.
 * `$index` (align by position) otherwise.
 */
function chooseIdentity(arrays: readonly JsonValue[][]): string {
  if (arrays.every((a) => a.length === 0)) return '$index';
  for (const key of IDENTITY_KEYS) {
    const ok = arrays.every((arr) => {
      const seen = new Set<string>();
      for (const el of arr) {
        const id = identityOf(el, key);
        // `__proto__` as a keyBy key would set a prototype inside json-diff-ts.
        if (id === undefined || id === '__proto__' || seen.has(id)) return false;
        seen.add(id);
      }
      return true;
    });
    if (ok) return key;
  }
  return '$index';
}
