/**
 * W3C Trace Context (https://www.w3.org/TR/trace-context/): the `traceparent` header a request
 * brings is honoured — its trace id goes into the journal and into the webhooks the request
 * causes, each delivery a child span of the request's. Version 00 only; a later version is read
 * by its first four fields, as the spec asks of a version-00 parser.
 */

/** A valid incoming `traceparent`, as parsed. */
export interface TraceParent {
  /** 32 lowercase hex, not all zero. */
  readonly traceId: string;
  /** 16 lowercase hex, not all zero: the caller's span. */
  readonly parentId: string;
  /** Two hex digits; bit 0 = sampled. */
  readonly flags: string;
}

const HEX32 = /^[0-9a-f]{32}$/;
const HEX16 = /^[0-9a-f]{16}$/;
const HEX2 = /^[0-9a-f]{2}$/;
const ZERO32 = '0'.repeat(32);
const ZERO16 = '0'.repeat(16);

/**
 * The trace of a `traceparent` header value, or undefined when it is not one a receiver may
 * honour: wrong shape, uppercase hex, version ff, an all-zero id. A bad header is ignored, never
 * refused (the spec: start a new trace).
 */
export function parseTraceparent(value: string | undefined): TraceParent | undefined {
  if (value === undefined) return undefined;
  const parts = value.trim().split('-');
  if (parts.length < 4) return undefined;
  const [version, traceId, parentId, flags] = parts as [string, string, string, string];
  if (!HEX2.test(version) || version === 'ff') return undefined;
  // Version 00 has exactly four fields; a later version may append more.
  if (version === '00' && parts.length !== 4) return undefined;
  if (!HEX32.test(traceId) || traceId === ZERO32) return undefined;
  if (!HEX16.test(parentId) || parentId === ZERO16) return undefined;
  if (!HEX2.test(flags)) return undefined;
  return { traceId, parentId, flags };
}

/** The `traceparent` a child span sends: the same trace and flags, `spanId` as its parent id. */
export function childTraceparent(trace: TraceParent, spanId: string): string {
  if (!HEX16.test(spanId) || spanId === ZERO16) {
    throw new RangeError('A span id is 16 lowercase hex digits, not all zero.');
  }
  return `00-${trace.traceId}-${spanId}-${trace.flags}`;
}
