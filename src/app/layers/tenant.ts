import { createHash, timingSafeEqual } from 'node:crypto';
import type { HeaderMap } from '../../core/cassette/model.js';
import { firstHeaderValue } from '../../core/http/index.js';
import type { Detector } from '../../core/redaction/detectors.js';
import { checkKey, KEY_CHECKSUM_LENGTH, KEY_RANDOM_LENGTH } from '../../core/sandbox/keys.js';
import type { ProfileErrors } from '../../core/sandbox/profile/answer.js';
import type {
  ApiProfile,
  CredentialLocation,
  ErrorKind,
} from '../../core/sandbox/profile/types.js';
import type { TenantResolver } from '../../core/sandbox/tenant.js';
import type { Layer, LayerAnswer } from '../pipeline/context.js';

export type { ResolvedTenant, TenantResolver } from '../../core/sandbox/tenant.js';

export interface TenantLayerOptions {
  readonly profile: ApiProfile;
  readonly resolver: TenantResolver;
  /** The admin token: refused as a tenant key (401 `admin-token`). */
  readonly adminToken?: string | undefined;
  readonly errors: ProfileErrors;
  /** Built-in live-key shapes (core/redaction/detectors.ts LIVE_KEY_DETECTORS). */
  readonly liveDetectors: readonly Detector[];
}

/** `Bearer KEY`, and `token KEY` (Octokit's spelling of the same). */
const BEARER = /^(?:bearer|token)[ \t]+([^\s]+)[ \t]*$/i;
const BASIC = /^basic[ \t]+([A-Za-z0-9+/_-]+={0,2})[ \t]*$/i;

/** The decoded `user:password` pair of a Basic credential, or undefined. */
function basicPair(header: string): string | undefined {
  const m = BASIC.exec(header);
  return m === null ? undefined : Buffer.from(m[1]!, 'base64').toString('utf8');
}

/** The username of a Basic credential (Stripe's `base64(KEY:)`), or undefined. */
function basicUsername(header: string): string | undefined {
  const pair = basicPair(header);
  if (pair === undefined) return undefined;
  const colon = pair.indexOf(':');
  const user = colon === -1 ? pair : pair.slice(0, colon);
  return user === '' ? undefined : user;
}

/**
 * The words of a query name or value an admin token could be one of: `Bearer TOKEN`,
 * `token:TOKEN`, `a,TOKEN`. Each is compared by digest, in constant time.
 */
const WORDS = /[\s,;:=&"'()<>[\]{}|/]+/;

/** What the journal shows of a request refused for a key in its path. */
const PATH_NOT_SHOWN = '(not shown: the path held a key)';

function decoded(path: string): string {
  if (!path.includes('%')) return path;
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

/** The credential at one location, or undefined. */
function credentialAt(headers: HeaderMap, location: CredentialLocation): string | undefined {
  if (location.in === 'header') {
    // Names are lower-cased once, when the layer is built.
    const value = firstHeaderValue(headers, location.name)?.trim();
    return value === '' ? undefined : value;
  }
  const authorization = firstHeaderValue(headers, 'authorization');
  if (authorization === undefined) return undefined;
  return location.in === 'bearer' ? BEARER.exec(authorization)?.[1] : basicUsername(authorization);
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** Whether a text holds a live credential: the profile's patterns, then the built-in shapes. */
function liveCheck(
  patterns: readonly string[],
  detectors: readonly Detector[],
): (text: string) => boolean {
  const compiled = patterns.map((p) => new RegExp(p));
  const shapes = detectors.map((d) => ({
    hint: d.hint,
    pattern: new RegExp(
      d.pattern.source,
      d.pattern.flags.includes('g') ? d.pattern.flags : `${d.pattern.flags}g`,
    ),
    accept: d.accept,
  }));
  return (text) => {
    if (compiled.some((re) => re.test(text))) return true;
    for (const shape of shapes) {
      if (!shape.hint.test(text)) continue;
      shape.pattern.lastIndex = 0;
      for (const m of text.matchAll(shape.pattern))
        if (shape.accept === undefined || shape.accept(m[0])) return true;
    }
    return false;
  };
}

/**
 * Layer 2 of `tapedeck sandbox`: the request's test key → `context.tenant`, or a 400/401 in the
 * profile's shape (docs/sandbox.md, "Keys"). In this order, all before anything of the request
 * is logged or journaled, none remembered by an idempotency key:
 *
 * 1. a key in the URL (a refused query name; a sandbox key, a live one or the admin token in
 *    the path, a parameter's value, its name or a part of either) → 400 `key-in-query`,
 *    journaled without the query (or without the path);
 * 2. the credential from the profile's locations, first found; none → 401 `unauthorized`;
 * 3. the admin token (compared in constant time) → 401 `admin-token`;
 * 4. a live key (profile patterns, built-in live shapes) → 401 `live-key`;
 * 5. a bad checksum → 401 `unauthorized`, without a lookup;
 * 6. unknown, revoked or expired → 401 `unauthorized`;
 * 7. `context.setTenant`.
 *
 * No answer names the credential: the profile's messages are constant.
 */
export function tenantLayer(o: TenantLayerOptions): Layer {
  const { profile, resolver, errors } = o;
  const { keyPrefix } = profile.credentials;
  const locations = profile.credentials.locations.map((l): CredentialLocation =>
    l.in === 'header' ? { in: 'header', name: l.name.toLowerCase() } : l,
  );
  const refusedNames = new Set(profile.credentials.refuseQueryNames.map((n) => n.toLowerCase()));
  const isLive = liveCheck(profile.credentials.livePatterns, o.liveDetectors);
  const admin = o.adminToken === undefined ? undefined : digest(o.adminToken);
  const adminLength = o.adminToken?.length ?? 0;
  const refuse = (kind: ErrorKind): LayerAnswer => ({
    reply: errors.reply({ kind }, 'tenant'),
    remember: false,
  });

  /**
   * Whether `text` is the admin token: compared by digest in constant time, and only when it has
   * the token's length (which is all a timing difference could tell; hashing every credential
   * and path of every request cost more than the rest of the tenant layer).
   */
  const isAdmin = (text: string): boolean =>
    admin !== undefined && text.length === adminLength && timingSafeEqual(digest(text), admin);

  const keyLength = keyPrefix.length + KEY_RANDOM_LENGTH + KEY_CHECKSUM_LENGTH;
  /** Whether `text` is, or holds, a sandbox key, a live key or the admin token. */
  const holdsKey = (text: string): boolean => {
    if (text === '') return false;
    for (let at = text.indexOf(keyPrefix); at !== -1; at = text.indexOf(keyPrefix, at + 1))
      if (checkKey(keyPrefix, text.slice(at, at + keyLength)).ok) return true;
    if (isLive(text)) return true;
    if (admin === undefined) return false;
    if (isAdmin(text)) return true;
    // Only words of the token's length are hashed: a long list of short ids costs nothing.
    for (const word of text.split(WORDS)) if (word !== text && isAdmin(word)) return true;
    return false;
  };
  // Names count as much as values: `?sk_live_…` alone is a parameter named by the key.
  const keyInQuery = (rawQuery: string): boolean => {
    for (const [name, value] of new URLSearchParams(rawQuery)) {
      if (value !== '' && refusedNames.has(name.toLowerCase())) return true;
      if (holdsKey(name) || holdsKey(value)) return true;
    }
    return false;
  };

  return {
    name: 'tenant',
    async handle(context) {
      const { incoming } = context;
      // The redactor knows sandbox and live keys, not the admin token: the journal is given
      // a path that holds none of them.
      if (holdsKey(decoded(incoming.path)))
        return { ...refuse('key-in-query'), journalPath: PATH_NOT_SHOWN };
      if (incoming.rawQuery !== '' && keyInQuery(incoming.rawQuery))
        return { ...refuse('key-in-query'), journalPath: incoming.path };

      let credential: string | undefined;
      for (const location of locations) {
        credential = credentialAt(incoming.headers, location);
        if (credential !== undefined) break;
      }
      if (credential === undefined) {
        // A live key where this profile reads none (Basic to a Bearer-only API) is still one.
        const authorization = firstHeaderValue(incoming.headers, 'authorization');
        const live =
          authorization !== undefined &&
          (isLive(authorization) || isLive(basicPair(authorization) ?? ''));
        return refuse(live ? 'live-key' : 'unauthorized');
      }
      if (isAdmin(credential)) return refuse('admin-token');
      if (isLive(credential)) return refuse('live-key');
      // A live key as the Basic password (`base64(user:sk_live_…)`) is one too.
      const authorization = firstHeaderValue(incoming.headers, 'authorization');
      const pair = authorization === undefined ? undefined : basicPair(authorization);
      if (pair !== undefined && pair !== credential && isLive(pair)) return refuse('live-key');
      if (!checkKey(keyPrefix, credential).ok) return refuse('unauthorized');
      const tenant = await resolver.resolve(credential);
      if (tenant === undefined) return refuse('unauthorized');
      context.setTenant(tenant);
      return undefined;
    },
  };
}
