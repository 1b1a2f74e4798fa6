import { parseJsonPath, type JsonPath } from '../jsonpath.js';

/**
 * What replay matches on. Method and path always count; the query counts except ignored
 * parameters; headers count only when listed; bodies count except ignored JSON paths.
 * (What is never *stored* is redaction's business, not this one's.)
 */
export interface MatchOptions {
  /** Header names that must match (lower-cased). Headers not listed are not compared. */
  readonly headers: readonly string[];
  /** Query parameter names that are not compared. */
  readonly ignoreQuery: readonly string[];
  /** JSON paths removed from JSON request bodies before they are compared. */
  readonly ignoreBodyPaths: readonly string[];
}

/** MatchOptions checked and pre-compiled once, at startup. */
export interface MatchConfig {
  readonly headers: readonly string[];
  readonly ignoreQuery: ReadonlySet<string>;
  readonly ignoreBodyPaths: readonly JsonPath[];
}

export const DEFAULT_MATCH_OPTIONS: MatchOptions = Object.freeze({
  headers: Object.freeze([] as string[]),
  ignoreQuery: Object.freeze([] as string[]),
  ignoreBodyPaths: Object.freeze([] as string[]),
});

export function compileMatchConfig(options: MatchOptions): MatchConfig {
  return {
    headers: [...new Set(options.headers.map((h) => h.toLowerCase()))].sort(),
    ignoreQuery: new Set(options.ignoreQuery),
    ignoreBodyPaths: options.ignoreBodyPaths.map(parseJsonPath),
  };
}
