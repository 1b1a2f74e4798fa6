/**
 * Headers and cookies in a redaction pass: credential headers replaced whole (the scheme and
 * cookie names kept readable), URLs in headers redacted like the request's query, every other
 * header searched for known secret shapes. The credential header set is shared with scan.ts.
 */
import { appendValue, valuesOf, type HeaderMap } from '../cassette/model.js';
import { rewriteForm, safeAtob } from './bodies.js';
import { isSecretName } from './detectors.js';
import type { Pass, Side } from './pass.js';
import { isPseudonym, REDACTED } from './pseudonym.js';
import { ruleNameMatches, type CompiledRule } from './rules.js';

/** Headers whose values are credentials whatever they look like. */
export const CREDENTIAL_HEADERS: ReadonlySet<string> = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'set-cookie2',
  'x-api-key',
  'api-key',
  'apikey',
  'x-auth-token',
  'x-access-token',
  'x-refresh-token',
  'x-session-token',
  'x-csrf-token',
  'x-xsrf-token',
  'x-amz-security-token',
  'x-goog-api-key',
  'x-client-secret',
  'private-token',
  'x-hub-signature',
  'x-hub-signature-256',
  'x-signature',
  'stripe-signature',
  'x-webhook-signature',
]);

/** Headers that carry URLs, whose query parameters are checked like the request's own. */
const URL_HEADERS: ReadonlySet<string> = new Set([
  'location',
  'content-location',
  'refresh',
  'link',
]);

export const BUILTIN_CREDENTIAL_HEADER = 'builtin/credential-header';

/** An Authorization value that names a scheme and carries no credentials. */
export const SCHEME_ONLY = /^\s*(?:bearer|basic|digest|token|negotiate|ntlm)\s*$/i;

export function redactHeaders(pass: Pass, headers: HeaderMap, side: Side): HeaderMap {
  const rules = pass.rulesFor('header', side);
  const cookieRules = pass.rulesFor('cookie', side);
  const out: HeaderMap = {};
  for (const [name, value] of Object.entries(headers)) {
    const location = `${side}.headers.${name}`;
    for (const v of valuesOf(value)) {
      let next = pass.named(rules, name, v, location);
      if (next === undefined) continue;
      // Credential headers are replaced whole (scheme and cookie names kept); every other
      // header is searched for known secret shapes.
      if (name === 'cookie') next = cookieHeader(pass, next, cookieRules, location);
      else if (name === 'set-cookie' || name === 'set-cookie2')
        next = setCookie(pass, next, cookieRules, location);
      else if (name === 'authorization' || name === 'proxy-authorization')
        next = authorization(pass, next, location);
      else if (CREDENTIAL_HEADERS.has(name) || isSecretName(name))
        next = pass.secret(next, 'pseudonymize', undefined, BUILTIN_CREDENTIAL_HEADER, location);
      else
        next = pass.text(
          URL_HEADERS.has(name) ? urlHeader(pass, next, side, location) : next,
          location,
          name,
        );
      if (next !== undefined) appendValue(out, name, next);
    }
  }
  return out;
}

/** `Bearer x` keeps its scheme; Basic credentials are also remembered decoded. */
function authorization(pass: Pass, value: string, location: string): string {
  // A scheme without credentials (`Bearer` from a client whose token was unset) is no secret;
  // remembered as one, every later "Bearer" in the cassette would become a pseudonym.
  if (SCHEME_ONLY.test(value)) return value;
  const m = /^([A-Za-z][A-Za-z0-9._~+-]*)(\s+)(.+)$/.exec(value);
  if (!m)
    return (
      pass.secret(value, 'pseudonymize', 'token', BUILTIN_CREDENTIAL_HEADER, location) ?? REDACTED
    );
  const [, scheme, space, credentials] = m as unknown as [string, string, string, string];
  if (scheme.toLowerCase() === 'basic' && !isPseudonym(credentials)) {
    const decoded = safeAtob(credentials);
    const colon = decoded?.indexOf(':') ?? -1;
    if (decoded !== undefined && colon !== -1)
      pass.secret(decoded.slice(colon + 1), 'mask', undefined, BUILTIN_CREDENTIAL_HEADER, location);
  }
  return `${scheme}${space}${pass.secret(credentials, 'pseudonymize', scheme.toLowerCase() === 'basic' ? 'token' : undefined, BUILTIN_CREDENTIAL_HEADER, location) ?? REDACTED}`;
}

/** `a=1; b=2`: every cookie value is a credential; names stay readable. */
function cookieHeader(
  pass: Pass,
  value: string,
  rules: readonly CompiledRule[],
  location: string,
): string | undefined {
  const pairs: string[] = [];
  for (const pair of value.split(';')) {
    const eq = pair.indexOf('=');
    if (eq === -1) {
      // A cookie without a name (`cookie: abc`) is all value.
      const value = pair.trim() === '' ? pair : cookieValue(pass, '', pair, rules, location);
      if (value !== undefined) pairs.push(value);
      continue;
    }
    const replaced = cookiePair(pass, pair, eq, rules, location);
    if (replaced !== undefined) pairs.push(replaced);
  }
  return pairs.length === 0 ? undefined : pairs.join(';');
}

/** `sid=abc; Path=/; HttpOnly`: the value is replaced, the name and attributes kept. */
function setCookie(
  pass: Pass,
  value: string,
  rules: readonly CompiledRule[],
  location: string,
): string | undefined {
  const semi = value.indexOf(';');
  const first = semi === -1 ? value : value.slice(0, semi);
  const rest = semi === -1 ? '' : value.slice(semi);
  const eq = first.indexOf('=');
  if (eq === -1)
    return `${pass.secret(first, 'pseudonymize', undefined, BUILTIN_CREDENTIAL_HEADER, location) ?? REDACTED}${rest}`;
  const replaced = cookiePair(pass, first, eq, rules, location);
  return replaced === undefined ? undefined : `${replaced}${rest}`;
}

/**
 * One `name=value` cookie (`eq` is where its `=` is), or undefined when a rule removes it. The
 * value is replaced; the name stays readable, but is searched like any text (a token or an
 * email as a name).
 */
function cookiePair(
  pass: Pass,
  pair: string,
  eq: number,
  rules: readonly CompiledRule[],
  location: string,
): string | undefined {
  const name = pair.slice(0, eq).trim();
  const replaced = cookieValue(pass, name, pair.slice(eq + 1), rules, `${location}.${name}`);
  return replaced === undefined
    ? undefined
    : `${pass.text(pair.slice(0, eq), location)}=${replaced}`;
}

function cookieValue(
  pass: Pass,
  name: string,
  raw: string,
  rules: readonly CompiledRule[],
  location: string,
): string | undefined {
  const value = raw.trim();
  for (const rule of rules) {
    if (!ruleNameMatches(rule, name)) continue;
    return pass.secret(value, rule.action, rule.shape, rule.id, location);
  }
  return pass.secret(value, 'pseudonymize', undefined, BUILTIN_CREDENTIAL_HEADER, location);
}

/** A URL in a header (Location…): its query parameters are redacted like the request's. */
function urlHeader(pass: Pass, value: string, side: Side, location: string): string {
  const q = value.indexOf('?');
  if (q === -1) return value;
  const hash = value.indexOf('#', q);
  const rawQuery = value.slice(q + 1, hash === -1 ? undefined : hash);
  const fields = rewriteForm(rawQuery, (field) => {
    const replaced = pass.query({ [field.name]: field.value }, side, location)[field.name];
    return replaced === undefined ? undefined : valuesOf(replaced)[0];
  });
  return `${value.slice(0, q + 1)}${fields}${hash === -1 ? '' : value.slice(hash)}`;
}
