import {
  appendValue,
  type HeaderMap,
  type Interaction,
  type QueryMap,
  type RecordedRequest,
} from '../cassette/model.js';

/**
 * The marker written in place of a credential. It is recognisable in review and by the secret
 * scanner, and it can never be mistaken for a real credential.
 */
export const REDACTED = '[REDACTED]';

/** Headers that carry credentials by name, whatever their value looks like. */
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
]);

/** Header and query names that look like they carry a secret (e.g. `x-hub-signature`, `api_key`). */
const SECRET_NAME =
  /(?:^|[-_.])(?:token|secret|password|passwd|pwd|api[-_]?key|apikey|signature|sig|credential|session[-_]?id|sessionid|auth)(?:$|[-_.])|access[-_]?token|refresh[-_]?token|client[-_]?secret/i;

export function isCredentialHeader(name: string): boolean {
  return CREDENTIAL_HEADERS.has(name) || SECRET_NAME.test(name);
}

export function isSecretParamName(name: string): boolean {
  return SECRET_NAME.test(name);
}

/** What the redactor changed, by location, never by value. */
export interface RedactionFinding {
  /** e.g. `request.headers.authorization`, `response.headers.set-cookie`, `request.query.api_key`. */
  readonly location: string;
  readonly rule: string;
}

export interface RedactionResult<T> {
  readonly value: T;
  readonly findings: readonly RedactionFinding[];
}

/** `Bearer abc` -> `Bearer [REDACTED]`; a bare value -> `[REDACTED]`. Keeps the scheme for review. */
function maskAuthorization(value: string): string {
  const m = /^([A-Za-z][A-Za-z0-9._~+-]*)\s+\S/.exec(value);
  return m ? `${m[1]!} ${REDACTED}` : REDACTED;
}

/** `a=1; b=2` -> `a=[REDACTED]; b=[REDACTED]`: cookie names stay readable. */
function maskCookieHeader(value: string): string {
  return value
    .split(';')
    .map((pair) => {
      const eq = pair.indexOf('=');
      return eq === -1 ? pair : `${pair.slice(0, eq)}=${REDACTED}`;
    })
    .join(';');
}

/** `sid=abc; Path=/; HttpOnly` -> `sid=[REDACTED]; Path=/; HttpOnly`: name and attributes kept. */
function maskSetCookie(value: string): string {
  const semi = value.indexOf(';');
  const first = semi === -1 ? value : value.slice(0, semi);
  const rest = semi === -1 ? '' : value.slice(semi);
  const eq = first.indexOf('=');
  return `${eq === -1 ? REDACTED : `${first.slice(0, eq)}=${REDACTED}`}${rest}`;
}

function maskHeaderValue(name: string, value: string): string {
  if (value === '' || value.includes(REDACTED)) return value;
  switch (name) {
    case 'authorization':
    case 'proxy-authorization':
      return maskAuthorization(value);
    case 'cookie':
      return maskCookieHeader(value);
    case 'set-cookie':
    case 'set-cookie2':
      return maskSetCookie(value);
    default:
      return REDACTED;
  }
}

export function redactHeaders(headers: HeaderMap, where: string): RedactionResult<HeaderMap> {
  const out: HeaderMap = {};
  const findings: RedactionFinding[] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (!isCredentialHeader(name)) {
      out[name] = value;
      continue;
    }
    const values = typeof value === 'string' ? [value] : value;
    for (const v of values) appendValue(out, name, maskHeaderValue(name, v));
    if (values.some((v) => v !== '' && !v.includes(REDACTED))) {
      findings.push({ location: `${where}.headers.${name}`, rule: 'builtin/credential-header' });
    }
  }
  return { value: out, findings };
}

export function redactQuery(query: QueryMap, where: string): RedactionResult<QueryMap> {
  const out: QueryMap = {};
  const findings: RedactionFinding[] = [];
  for (const [name, value] of Object.entries(query)) {
    if (!isSecretParamName(name)) {
      out[name] = value;
      continue;
    }
    const values = typeof value === 'string' ? [value] : value;
    for (const v of values) appendValue(out, name, v === '' ? v : REDACTED);
    if (values.some((v) => v !== '' && v !== REDACTED)) {
      findings.push({ location: `${where}.query.${name}`, rule: 'builtin/credential-query' });
    }
  }
  return { value: out, findings };
}

/** Redacts credentials in a request: header values and secret-named query parameters. */
export function redactRequest(request: RecordedRequest): RedactionResult<RecordedRequest> {
  const headers = redactHeaders(request.headers, 'request');
  const query = redactQuery(request.query, 'request');
  return {
    value: { ...request, headers: headers.value, query: query.value },
    findings: [...headers.findings, ...query.findings],
  };
}

/**
 * The built-in redaction that runs before anything is written, even with no rule files:
 * credential headers in both directions (every instance, Set-Cookie names and attributes kept)
 * and secret-named query parameters.
 */
export function redactInteraction(interaction: Interaction): RedactionResult<Interaction> {
  const request = redactRequest(interaction.request);
  const responseHeaders = redactHeaders(interaction.response.headers, 'response');
  return {
    value: {
      ...interaction,
      request: request.value,
      response: { ...interaction.response, headers: responseHeaders.value },
    },
    findings: [...request.findings, ...responseHeaders.findings],
  };
}
