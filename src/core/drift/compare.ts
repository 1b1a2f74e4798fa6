/**
 * Compares a recorded response with a live one and classifies every difference (see
 * docs/drift-report.md for the rules). Pure: the drift job (app/drift/) sends the requests,
 * redacts the live answers exactly like recordings, and hands both sides to `compareResponses`.
 * The status is compared here, the selected headers in headers.ts, the bodies in bodies.ts (JSON
 * documents in json-compare.ts); report.ts assembles the per-interaction results into a report.
 */
import type { RecordedResponse } from '../cassette/model.js';
import { compareBodies } from './bodies.js';
import { compareHeaders, VOLATILE_HEADER_PREFIX } from './headers.js';
import type { ChangeKind, Finding } from './model.js';

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
