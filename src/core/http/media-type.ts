/**
 * Media types and `Accept` as RFC 9110 §12.5.1 and RFC 6838 §4.2.8 define them, for content
 * negotiation: which of the media types a server can send does a client accept, and how much.
 *
 * - Parameters (`charset=utf-8`, `version=2`) are ignored for matching: servers document
 *   `application/json` and clients send `application/json; charset=utf-8`, and treating those
 *   as different types refuses clients that every real API serves.
 * - A structured syntax suffix counts as its base type (`application/vnd.github.v3+json` is JSON,
 *   `application/atom+xml` is XML), in both directions: a client asking for a vendor JSON type
 *   accepts a documented `application/json`, and a documented vendor JSON type satisfies a client
 *   asking for `application/json`. Real APIs (GitHub) document one and clients (Octokit) send the
 *   other; both mean "JSON in this API's shape". Only with the bare base type, though: two
 *   different suffixed types (`application/problem+json`, `application/vnd.github+json`) are
 *   different formats that share a syntax, and do not match each other.
 * - The most specific range that matches a type gives its quality (exact > suffix > `type/*` >
 *   `*\/*`), so `Accept: *\/*, text/html;q=0` excludes HTML and accepts the rest.
 */

export interface MediaType {
  /** Lower-cased top-level type (`application`), `*` for a wildcard. */
  readonly type: string;
  /** Lower-cased subtype (`vnd.github.v3+json`), `*` for a wildcard. */
  readonly subtype: string;
  /** The structured syntax suffix without `+` (`json`), when the subtype has one. */
  readonly suffix?: string;
}

export interface MediaRange extends MediaType {
  /** The weight, 0 to 1 (`q=0`: not acceptable). */
  readonly q: number;
  /** Position in the header, for ties. */
  readonly order: number;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9a-z-]+$/;

/** `type/subtype` of a media type or range, parameters dropped; undefined when malformed. */
export function parseMediaType(text: string): MediaType | undefined {
  const essence = (text.split(';')[0] ?? '').trim().toLowerCase();
  const slash = essence.indexOf('/');
  if (slash <= 0) return undefined;
  const type = essence.slice(0, slash);
  const subtype = essence.slice(slash + 1);
  if (!TOKEN.test(type) || !TOKEN.test(subtype)) return undefined;
  // `*/json` is not a media range.
  if (type === '*' && subtype !== '*') return undefined;
  const plus = subtype.lastIndexOf('+');
  const suffix = plus > 0 && plus < subtype.length - 1 ? subtype.slice(plus + 1) : undefined;
  return suffix === undefined ? { type, subtype } : { type, subtype, suffix };
}

function qualityOf(params: readonly string[]): number {
  let q = 1;
  for (const param of params) {
    const m = /^\s*q\s*=\s*"?([0-9.]+)"?\s*$/i.exec(param);
    if (!m) continue;
    const value = Number(m[1]);
    // A malformed weight (`q=abc`, `q=2`) is clamped rather than trusted: RFC 9110 allows 0..1.
    q = Number.isFinite(value) ? Math.min(1, Math.max(0, value)) : 1;
  }
  return q;
}

/**
 * The ranges of an `Accept` value, q=0 ones included (they exclude). Malformed members are
 * skipped; the bare `*` some old clients send is read as `*\/*`.
 */
export function parseAccept(accept: string): MediaRange[] {
  const ranges: MediaRange[] = [];
  accept.split(',').forEach((member, order) => {
    const [range = '', ...params] = member.split(';');
    const text = range.trim() === '*' ? '*/*' : range;
    const media = parseMediaType(text);
    if (media) ranges.push({ ...media, q: qualityOf(params), order });
  });
  return ranges;
}

/**
 * How specifically a range matches a concrete media type: 4 exact, 3 through a structured
 * suffix, 2 `type/*`, 1 `*\/*`, 0 no match. A suffix match needs one side to be the bare base
 * type (`application/json` ↔ `application/vnd.github+json`): two different `+json` types do not
 * match, so they neither accept each other nor shadow a `type/*` range.
 */
export function matchSpecificity(range: MediaType, media: MediaType): number {
  if (range.type === '*') return 1;
  if (range.type !== media.type && media.type !== '*') return 0;
  if (range.subtype === '*' || media.subtype === '*') return 2;
  if (range.subtype === media.subtype) return 4;
  return range.subtype === media.suffix || media.subtype === range.suffix ? 3 : 0;
}

export interface Acceptance {
  /** The weight the client gives this type (0: refused or not named). */
  readonly q: number;
  /** How specific the range that decided it was (see matchSpecificity). */
  readonly specificity: number;
  /** The position of that range in the header. */
  readonly order: number;
}

/** How much the client accepts one media type: the most specific matching range decides. */
export function acceptance(ranges: readonly MediaRange[], media: MediaType): Acceptance {
  let best: Acceptance = { q: 0, specificity: 0, order: Number.MAX_SAFE_INTEGER };
  for (const range of ranges) {
    const specificity = matchSpecificity(range, media);
    if (specificity === 0) continue;
    // Equally specific ranges: the higher weight (RFC 9110 leaves it open; a client naming a
    // type twice means the kinder one).
    if (specificity > best.specificity || (specificity === best.specificity && range.q > best.q))
      best = { q: range.q, specificity, order: range.order };
  }
  return best;
}

/**
 * The candidate the client prefers, or undefined when it accepts none. Ties on weight go to
 * the more specific match, then the client's order, then the candidates' order; `preferOnTie`
 * breaks a tie that only wildcards decided (a client sending `*\/*` gets JSON before XML).
 */
export function bestAccepted<T>(
  candidates: readonly T[],
  typeOf: (candidate: T) => string,
  accept: string,
  preferOnTie: (candidate: T) => boolean = () => false,
): T | undefined {
  const ranges = parseAccept(accept);
  let best: { candidate: T; a: Acceptance; preferred: boolean; index: number } | undefined;
  candidates.forEach((candidate, index) => {
    const media = parseMediaType(typeOf(candidate));
    if (!media) return;
    const a = acceptance(ranges, media);
    if (a.q <= 0) return;
    const preferred = a.specificity <= 2 && preferOnTie(candidate);
    if (
      best === undefined ||
      a.q > best.a.q ||
      (a.q === best.a.q &&
        (a.specificity > best.a.specificity ||
          (a.specificity === best.a.specificity &&
            (a.order < best.a.order ||
              (a.order === best.a.order && preferred && !best.preferred)))))
    )
      best = { candidate, a, preferred, index };
  });
  return best?.candidate;
}
