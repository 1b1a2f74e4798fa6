import {
  appendValue,
  valuesOf,
  type Body,
  type HeaderMap,
  type Interaction,
  type QueryMap,
  type RecordedRequest,
  type RecordedResponse,
} from '../cassette/model.js';
import { headerValue, isFormMediaType, isJsonMediaType, mediaType } from '../http/index.js';
import {
  canonicalJson,
  isJsonObject,
  jsonPointer,
  mapJsonStrings,
  setOwn,
  type JsonValue,
} from '../json.js';
import {
  BASE64ISH,
  jsonLines,
  multipartBoundary,
  parseMultipart,
  rewriteForm,
  safeAtob,
  safeDecodeURIComponent,
  serializeMultipart,
} from './bodies.js';
import {
  detect,
  isSecretField,
  isSecretName,
  MAYBE_SECRET,
  SECRET_FIELD_RULE,
  squashName,
} from './detectors.js';
import {
  isPseudonym,
  latin1OfUtf8,
  pseudonymize,
  REDACTED,
  type KeyedHash,
  type Shape,
} from './pseudonym.js';
import { SecretRegistry } from './registry.js';
import {
  jsonRuleMatches,
  ruleAppliesTo,
  ruleNameMatches,
  type CompiledRule,
  type RuleAction,
} from './rules.js';

/** What redaction changed: where, and by which rule. Never the value. */
export interface RedactionFinding {
  /** e.g. `request.headers.authorization`, `response.body`, `request.query.api_key`. */
  readonly location: string;
  readonly rule: string;
}

export interface RedactionResult<T> {
  readonly value: T;
  readonly findings: readonly RedactionFinding[];
}

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

export interface RedactorOptions {
  readonly rules: readonly CompiledRule[];
  readonly hash: KeyedHash;
  /** Built-in detector ids turned off in config (`redaction.disable`). */
  readonly disabled?: ReadonlySet<string>;
}

type Side = 'request' | 'response';

/** What one pass needs from its Redactor. */
interface PassSetup {
  readonly rules: readonly CompiledRule[];
  readonly disabled: ReadonlySet<string>;
  readonly pseudonymOf: (value: string, shape: Shape | undefined) => string;
}

const NO_RULES: readonly CompiledRule[] = [];

/** What a walk returns for a location a rule removes. */
const REMOVE = Symbol('remove');

/**
 * The redaction engine. One pass over an interaction, in memory, before anything is written:
 *
 * 1. every location is checked by the rules and the built-in detectors; what they find is
 *    removed, masked or pseudonymized where it stands, and remembered in the registry;
 * 2. every string of the interaction is then searched for every remembered secret in every
 *    encoding (raw, URL-encoded, base64, hex, JSON-escaped) and gets the same replacement.
 *
 * The registry outlives the interaction (the recorder keeps one per cassette), so a token
 * issued in one response is replaced in every later request that uses it.
 */
export class Redactor {
  private readonly setup: PassSetup;
  /** No rule looks at paths or query parameters: what `clean` answers is then the whole story. */
  private readonly noPathOrQueryRules: boolean;

  constructor(options: RedactorOptions) {
    // Clients send the same token on every request: its pseudonym is computed once (HMAC is the
    // costliest step of redacting a request). Bounded, and in memory only.
    const pseudonyms = new Map<string, string>();
    this.setup = {
      rules: options.rules,
      disabled: options.disabled ?? new Set(),
      pseudonymOf: (value, shape) => {
        const id = `${shape ?? ''}\u0000${value}`;
        let p = pseudonyms.get(id);
        if (p === undefined) {
          p = pseudonymize(value, options.hash, shape);
          if (pseudonyms.size >= 10_000) pseudonyms.clear();
          pseudonyms.set(id, p);
        }
        return p;
      },
    };
    this.noPathOrQueryRules = !options.rules.some(
      (r) => r.target === 'path' || r.target === 'query',
    );
  }

  /**
   * True when redacting `text` — a path, or a query parameter name or value (with its `name`) —
   * could change nothing: no rule looks there, no detector's prefix is in it, no secret name
   * covers it. The replay fast lane relies on this to skip building the redacted request.
   */
  clean(text: string, name?: string): boolean {
    if (!this.noPathOrQueryRules) return false;
    if (text.length >= 6 && MAYBE_SECRET.test(text)) return false;
    // What the pass looks at one layer down (JSON or base64 inside the value) is not clean.
    if (text.length >= 8 && (text.includes('{') || text.includes('[') || BASE64ISH.test(text)))
      return false;
    return name === undefined || !isSecretField(name, text);
  }

  /** Does a header or cookie rule for requests look at this header? */
  private headerRuleNames(name: string): boolean {
    for (const rule of this.setup.rules) {
      if (!ruleAppliesTo(rule, 'request')) continue;
      if (rule.target === 'header' && ruleNameMatches(rule, name)) return true;
      if (rule.target === 'cookie' && name === 'cookie') return true;
    }
    return false;
  }

  /**
   * Would redacting these headers find a secret that also occurs in one of `texts` (value
   * tracking replaces it there)? Header-only pass; false at once when no header could hold one.
   */
  headerSecretIn(headers: HeaderMap, texts: readonly string[]): boolean {
    let dirty = false;
    for (const name in headers) {
      if (CREDENTIAL_HEADERS.has(name) || isSecretName(name) || this.headerRuleNames(name)) {
        dirty = true;
        break;
      }
      for (const v of valuesOf(headers[name])) {
        if (v.length >= 6 && MAYBE_SECRET.test(v)) dirty = true;
      }
      if (dirty) break;
    }
    if (!dirty) return false;
    const registry = new SecretRegistry();
    new Pass(this.setup, registry).request({
      method: 'GET',
      path: '/',
      query: {},
      headers,
    });
    return texts.some((t) => registry.foundIn(t));
  }

  get rules(): readonly CompiledRule[] {
    return this.setup.rules;
  }

  redactInteraction(
    interaction: Interaction,
    registry: SecretRegistry = new SecretRegistry(),
  ): RedactionResult<Interaction> {
    const pass = new Pass(this.setup, registry);
    const request = pass.request(interaction.request);
    const response = pass.response(interaction.response);
    const value: Interaction = {
      ...interaction,
      request: pass.track(request),
      response: pass.trackResponse(response),
    };
    return { value, findings: pass.reported() };
  }

  /** The request half alone: replay redacts incoming requests before matching them. */
  redactRequest(
    request: RecordedRequest,
    registry: SecretRegistry = new SecretRegistry(),
  ): RedactionResult<RecordedRequest> {
    const pass = new Pass(this.setup, registry);
    return { value: pass.track(pass.request(request)), findings: pass.reported() };
  }
}

class Pass {
  readonly findings: RedactionFinding[] = [];

  /** The findings, their locations cleared of secrets found later (a JSON key that is an email). */
  reported(): RedactionFinding[] {
    return this.findings.map((f) => ({ ...f, location: this.registry.replaceIn(f.location) }));
  }

  constructor(
    private readonly setup: PassSetup,
    private readonly registry: SecretRegistry,
  ) {}

  private rulesFor(target: CompiledRule['target'], side: Side): readonly CompiledRule[] {
    if (this.setup.rules.length === 0) return NO_RULES;
    return this.setup.rules.filter((r) => r.target === target && ruleAppliesTo(r, side));
  }

  /**
   * A secret found at `location`: remembered, and its replacement returned (undefined when the
   * action removes it). A value that is already a pseudonym or the mask is left alone, which is
   * what makes redaction idempotent.
   */
  private secret(
    value: string,
    action: RuleAction,
    shape: Shape | undefined,
    rule: string,
    location: Where,
  ): string | undefined {
    if (value === '' || isPseudonym(value)) return value;
    const known = this.registry.replacementOf(value);
    const replacement =
      known ??
      this.registry.remember(
        value,
        action === 'pseudonymize' ? this.setup.pseudonymOf(value, shape) : REDACTED,
      );
    this.findings.push({ location: whereOf(location), rule });
    return action === 'remove' ? undefined : replacement;
  }

  /** Runs the built-in detectors over free text; what they find is pseudonymized in place. */
  private text(
    text: string,
    location: Where,
    fieldName?: string,
    binary = false,
    nested = false,
  ): string {
    if (fieldName !== undefined && isSecretField(fieldName, text)) {
      return this.secret(text, 'pseudonymize', undefined, SECRET_FIELD_RULE, location) ?? REDACTED;
    }
    let out = text;
    // Longest first: a shorter detection inside a longer one (a token as an email's local part)
    // must not break the longer one apart before it is replaced.
    const found = detect(text, this.setup.disabled, fieldName, binary);
    for (const d of found.sort((a, b) => b.secret.length - a.secret.length)) {
      const replacement =
        this.secret(d.secret, 'pseudonymize', d.detector.shape, d.detector.id, location) ??
        REDACTED;
      out = out.split(d.secret).join(replacement);
    }
    return binary || nested ? out : this.oneLayerDown(out, location);
  }

  /**
   * What the scanner looks at one layer down, the redactor looks at too, so a secret wrapped
   * once is redacted rather than left for the scanner to block the whole interaction:
   * JSON held in a string, percent-encoded text, base64-wrapped text.
   */
  private oneLayerDown(text: string, location: Where): string {
    if (text.length < 8) return text;
    if (text.includes('{') || text.includes('[')) {
      // JSON held in the string, whole or line by line after a prefix (`data: {…}`).
      const lines = text.split('\n');
      let changed = false;
      for (const { line, prefix, value } of jsonLines(text)) {
        const before = this.findings.length;
        const redacted = this.json(value as JsonValue, this.side, whereOf(location));
        if (this.findings.length === before) continue;
        lines[line] = `${prefix}${JSON.stringify(mapJsonStrings(redacted, this.replace))}`;
        changed = true;
      }
      if (changed) return lines.join('\n');
    }
    if (text.includes('%')) {
      // Found secrets are remembered; value tracking then replaces their URL-encoded form here.
      const decoded = safeDecodeURIComponent(text);
      if (decoded !== text) this.text(decoded, location, undefined, false, true);
    }
    if (BASE64ISH.test(text)) {
      const urlSafe = /[-_]/.test(text);
      const decoded = safeAtob(text.replace(/-/g, '+').replace(/_/g, '/'));
      if (decoded !== undefined && /^[\x20-\x7e\s]*$/.test(decoded)) {
        const redacted = this.text(decoded, location, undefined, false, true);
        if (redacted !== decoded) {
          let encoded = btoa(latin1OfUtf8(redacted));
          if (urlSafe) encoded = encoded.replace(/\+/g, '-').replace(/\//g, '_');
          return text.endsWith('=') ? encoded : encoded.replace(/=+$/, '');
        }
      }
    }
    return text;
  }

  /** Applies a rule's `pattern` inside a value: the first group (or the whole match) is the secret. */
  private withinPattern(
    rule: CompiledRule,
    value: string,
    location: Where,
    decode = (s: string) => s,
    encode = (s: string) => s,
  ): string {
    const pattern = rule.pattern!;
    pattern.lastIndex = 0;
    return value.replace(pattern, (match: string, ...rest: unknown[]) => {
      const group = typeof rest[0] === 'string' ? rest[0] : undefined;
      const secret = group ?? match;
      const replacement =
        this.secret(decode(secret), rule.action, rule.shape, rule.id, location) ?? REDACTED;
      return group === undefined ? encode(replacement) : match.replace(group, encode(replacement));
    });
  }

  // ---- request and response -------------------------------------------------------------

  /** The side being redacted, for rules applied to JSON found inside strings. */
  private side: Side = 'request';

  request(request: RecordedRequest): RecordedRequest {
    this.side = 'request';
    const headers = this.headers(request.headers, 'request');
    const body = this.body(request.body, request.headers, 'request');
    return {
      ...request,
      path: this.path(request.path),
      query: this.query(request.query, 'request', 'request.query'),
      headers,
      ...(body === undefined ? {} : { body }),
    };
  }

  response(response: RecordedResponse): RecordedResponse {
    this.side = 'response';
    const headers = this.headers(response.headers, 'response');
    const body = this.body(response.body, response.headers, 'response');
    const { body: _old, ...rest } = response;
    return { ...rest, headers, ...(body === undefined ? {} : { body }) };
  }

  private path(path: string): string {
    let out = path;
    const rules = this.rulesFor('path', 'request');
    for (const rule of rules)
      out = this.withinPattern(
        rule,
        out,
        'request.path',
        safeDecodeURIComponent,
        encodeURIComponent,
      );
    // The common case on the replay hot path: nothing in the path could be a secret.
    if (rules.length === 0 && !out.includes('%') && !MAYBE_SECRET.test(out)) return out;
    return out
      .split('/')
      .map((segment) => {
        if (segment === '') return segment;
        const decoded = segment.includes('%') ? safeDecodeURIComponent(segment) : segment;
        const redacted = this.text(decoded, 'request.path');
        return redacted === decoded ? segment : encodeURIComponent(redacted);
      })
      .join('/');
  }

  private query(query: QueryMap, side: Side, where: string): QueryMap {
    if (isEmpty(query)) return query;
    const rules = this.rulesFor('query', side);
    const out: QueryMap = {};
    for (const [name, value] of Object.entries(query)) {
      const location = `${where}.${name}`;
      // A name is searched like a value (`?jane@corp.io=1`); rules still see it as sent.
      const key = this.text(name, where);
      for (const v of valuesOf(value)) {
        const next = this.named(rules, name, v, location);
        if (next !== undefined) appendValue(out, key, this.text(next, location, name));
      }
    }
    return out;
  }

  /**
   * The rules that name `name` (header, query, form or multipart field), applied in order: the
   * whole value, or with a `pattern` only what it captures. Undefined when a rule removes it.
   */
  private named(
    rules: readonly CompiledRule[],
    name: string,
    value: string,
    location: Where,
  ): string | undefined {
    let next: string | undefined = value;
    for (const rule of rules) {
      if (next === undefined || !ruleNameMatches(rule, name)) continue;
      next = rule.pattern
        ? this.withinPattern(rule, next, location)
        : this.secret(next, rule.action, rule.shape, rule.id, location);
    }
    return next;
  }

  private headers(headers: HeaderMap, side: Side): HeaderMap {
    const rules = this.rulesFor('header', side);
    const cookieRules = this.rulesFor('cookie', side);
    const out: HeaderMap = {};
    for (const [name, value] of Object.entries(headers)) {
      const location = `${side}.headers.${name}`;
      for (const v of valuesOf(value)) {
        let next = this.named(rules, name, v, location);
        if (next === undefined) continue;
        // Credential headers are replaced whole (scheme and cookie names kept); every other
        // header is searched for known secret shapes.
        if (name === 'cookie') next = this.cookieHeader(next, cookieRules, location);
        else if (name === 'set-cookie' || name === 'set-cookie2')
          next = this.setCookie(next, cookieRules, location);
        else if (name === 'authorization' || name === 'proxy-authorization')
          next = this.authorization(next, location);
        else if (CREDENTIAL_HEADERS.has(name) || isSecretName(name))
          next = this.secret(next, 'pseudonymize', undefined, BUILTIN_CREDENTIAL_HEADER, location);
        else
          next = this.text(
            URL_HEADERS.has(name) ? this.urlHeader(next, side, location) : next,
            location,
            name,
          );
        if (next !== undefined) appendValue(out, name, next);
      }
    }
    return out;
  }

  /** `Bearer x` keeps its scheme; Basic credentials are also remembered decoded. */
  private authorization(value: string, location: string): string {
    // A scheme without credentials (`Bearer` from a client whose token was unset) is no secret;
    // remembered as one, every later "Bearer" in the cassette would become a pseudonym.
    if (SCHEME_ONLY.test(value)) return value;
    const m = /^([A-Za-z][A-Za-z0-9._~+-]*)(\s+)(.+)$/.exec(value);
    if (!m)
      return (
        this.secret(value, 'pseudonymize', 'token', BUILTIN_CREDENTIAL_HEADER, location) ?? REDACTED
      );
    const [, scheme, space, credentials] = m as unknown as [string, string, string, string];
    if (scheme.toLowerCase() === 'basic' && !isPseudonym(credentials)) {
      const decoded = safeAtob(credentials);
      const colon = decoded?.indexOf(':') ?? -1;
      if (decoded !== undefined && colon !== -1)
        this.secret(
          decoded.slice(colon + 1),
          'mask',
          undefined,
          BUILTIN_CREDENTIAL_HEADER,
          location,
        );
    }
    return `${scheme}${space}${this.secret(credentials, 'pseudonymize', scheme.toLowerCase() === 'basic' ? 'token' : undefined, BUILTIN_CREDENTIAL_HEADER, location) ?? REDACTED}`;
  }

  /** `a=1; b=2`: every cookie value is a credential; names stay readable. */
  private cookieHeader(
    value: string,
    rules: readonly CompiledRule[],
    location: string,
  ): string | undefined {
    const pairs: string[] = [];
    for (const pair of value.split(';')) {
      const eq = pair.indexOf('=');
      if (eq === -1) {
        // A cookie without a name (`cookie: abc`) is all value.
        const value = pair.trim() === '' ? pair : this.cookieValue('', pair, rules, location);
        if (value !== undefined) pairs.push(value);
        continue;
      }
      const name = pair.slice(0, eq).trim();
      const replaced = this.cookieValue(name, pair.slice(eq + 1), rules, `${location}.${name}`);
      // Names stay readable, but are searched like any text (a token or an email as a name).
      if (replaced !== undefined)
        pairs.push(`${this.text(pair.slice(0, eq), location)}=${replaced}`);
    }
    return pairs.length === 0 ? undefined : pairs.join(';');
  }

  /** `sid=abc; Path=/; HttpOnly`: the value is replaced, the name and attributes kept. */
  private setCookie(
    value: string,
    rules: readonly CompiledRule[],
    location: string,
  ): string | undefined {
    const semi = value.indexOf(';');
    const first = semi === -1 ? value : value.slice(0, semi);
    const rest = semi === -1 ? '' : value.slice(semi);
    const eq = first.indexOf('=');
    if (eq === -1)
      return `${this.secret(first, 'pseudonymize', undefined, BUILTIN_CREDENTIAL_HEADER, location) ?? REDACTED}${rest}`;
    const name = first.slice(0, eq).trim();
    const replaced = this.cookieValue(name, first.slice(eq + 1), rules, `${location}.${name}`);
    return replaced === undefined
      ? undefined
      : `${this.text(first.slice(0, eq), location)}=${replaced}${rest}`;
  }

  private cookieValue(
    name: string,
    raw: string,
    rules: readonly CompiledRule[],
    location: string,
  ): string | undefined {
    const value = raw.trim();
    for (const rule of rules) {
      if (!ruleNameMatches(rule, name)) continue;
      return this.secret(value, rule.action, rule.shape, rule.id, location);
    }
    return this.secret(value, 'pseudonymize', undefined, BUILTIN_CREDENTIAL_HEADER, location);
  }

  /** A URL in a header (Location…): its query parameters are redacted like the request's. */
  private urlHeader(value: string, side: Side, location: string): string {
    const q = value.indexOf('?');
    if (q === -1) return value;
    const hash = value.indexOf('#', q);
    const rawQuery = value.slice(q + 1, hash === -1 ? undefined : hash);
    const fields = rewriteForm(rawQuery, (field) => {
      const replaced = this.query({ [field.name]: field.value }, side, location)[field.name];
      return replaced === undefined ? undefined : valuesOf(replaced)[0];
    });
    return `${value.slice(0, q + 1)}${fields}${hash === -1 ? '' : value.slice(hash)}`;
  }

  // ---- bodies ---------------------------------------------------------------------------

  private body(body: Body | undefined, headers: HeaderMap, side: Side): Body | undefined {
    if (body === undefined) return undefined;
    const location = `${side}.body`;
    const contentType = headerValue(headers, 'content-type');
    switch (body.encoding) {
      case 'json':
        return { ...body, json: this.json(body.json, side, location) };
      case 'text': {
        const type = mediaType(contentType);
        let text = body.text;
        const boundary = multipartBoundary(contentType);
        if (isFormMediaType(type)) text = this.form(text, side, location);
        else if (boundary !== undefined) text = this.multipart(text, boundary, side, location);
        else if (isJsonMediaType(type) || /^\s*[[{]/.test(text))
          text = this.jsonText(text, side, location);
        text = this.bodyRules(text, side, location);
        return {
          encoding: 'text',
          text: boundary === undefined && !isFormMediaType(type) ? this.text(text, location) : text,
        };
      }
      case 'base64': {
        let binary = safeAtob(body.base64);
        if (binary === undefined) return body;
        const boundary = multipartBoundary(contentType);
        if (boundary !== undefined) binary = this.multipart(binary, boundary, side, location);
        else binary = this.text(binary, location, undefined, true);
        binary = this.bodyRules(binary, side, location);
        return { encoding: 'base64', base64: btoa(binary) };
      }
    }
  }

  private bodyRules(text: string, side: Side, location: string): string {
    let out = text;
    for (const rule of this.rulesFor('body', side)) out = this.withinPattern(rule, out, location);
    return out;
  }

  private json(root: JsonValue, side: Side, location: string): JsonValue {
    // One walk applies the JSON rules (matched against each location's path), then the
    // built-in checks; the input is never modified, the walk builds the redacted copy.
    const jsonRules = this.rulesFor('json', side);
    const bodyRules = this.rulesFor('body', side);
    // The path of the node being visited: one array, pushed and popped as the walk goes down
    // and up (a copy per node was most of the walk's garbage). Nothing keeps it past a visit.
    const at: (string | number)[] = [];
    // Where the current node is, built only if something there is reported.
    const here = () => `${location}${jsonPointer(at)}`;
    const walk = (
      node: JsonValue,
      key: string | undefined,
      inSecret = false,
    ): JsonValue | typeof REMOVE => {
      if (at.length > 0 && jsonRules.length > 0) {
        const rule = jsonRules.find((r) => jsonRuleMatches(r, at));
        if (rule !== undefined) {
          if (typeof node === 'string' || typeof node === 'number') {
            return this.secret(String(node), rule.action, rule.shape, rule.id, here) ?? REMOVE;
          }
          if (node !== null && typeof node === 'object') {
            this.findings.push({ location: here(), rule: rule.id });
            return rule.action === 'remove' ? REMOVE : REDACTED;
          }
        }
      }
      if (typeof node === 'string') {
        let s = node;
        for (const rule of bodyRules) s = this.withinPattern(rule, s, here);
        // Below a secret name every string is secret: `{"client_secret": {"current": "…"}}`.
        if (inSecret && s !== '' && !isPseudonym(s)) {
          return this.secret(s, 'pseudonymize', undefined, SECRET_FIELD_RULE, here) ?? REDACTED;
        }
        return this.text(s, here, key);
      }
      if (typeof node === 'number' && key !== undefined && isSecretName(key)) {
        // A number under a secret name (a PIN, a CVC) becomes a token: numbers have no
        // recognisable pseudonym shape, and redaction must stay idempotent.
        return (
          this.secret(String(node), 'pseudonymize', 'token', SECRET_FIELD_RULE, here) ?? REDACTED
        );
      }
      const secretBelow = inSecret || (key !== undefined && coversSubtree(key));
      if (Array.isArray(node)) {
        const out: JsonValue[] = [];
        for (let i = 0; i < node.length; i++) {
          if (!(i in node)) continue; // a hole, as forEach would skip it
          at.push(i);
          const next = walk(node[i]!, key, secretBelow);
          at.pop();
          if (next !== REMOVE) out.push(next);
        }
        return out;
      }
      if (isJsonObject(node)) {
        const out: Record<string, JsonValue> = {};
        for (const k of Object.keys(node)) {
          // Keys are data too (a map keyed by email): searched like values, never by name.
          // Paths (for rules and findings) use the key as sent; findings are cleared of secrets.
          const name = this.text(k, here);
          at.push(k);
          const next = walk(node[k]!, k, secretBelow);
          at.pop();
          if (next !== REMOVE) setOwn(out, name, next);
        }
        return out;
      }
      return node;
    };
    const value = walk(root, undefined);
    return value === REMOVE ? REDACTED : value;
  }

  /**
   * JSON kept as text (it would not round-trip): find the secrets by parsing it, but replace them
   * in the text itself (step 2 of the pass), so the bytes around them stay as sent. When that
   * cannot give the redacted JSON (a value too short to track, an object a rule names, a removed
   * field, a number), the redacted JSON is written instead.
   */
  private jsonText(text: string, side: Side, location: string): string {
    let parsed: JsonValue;
    try {
      parsed = JSON.parse(text) as JsonValue;
    } catch {
      return text;
    }
    const redacted = mapJsonStrings(this.json(parsed, side, location), this.replace);
    const tracked = this.replace(text);
    try {
      if (canonicalJson(JSON.parse(tracked) as JsonValue) === canonicalJson(redacted))
        return tracked;
    } catch {
      // Tracking broke the JSON (a number replaced by a token): write the redacted JSON.
    }
    return JSON.stringify(redacted, null, 2);
  }

  private form(text: string, side: Side, location: string): string {
    const rules = this.rulesFor('form', side);
    return rewriteForm(text, (field) => {
      const where = `${location}.${field.name}`;
      const next = this.named(rules, field.name, field.value, where);
      return next === undefined ? undefined : this.text(next, where, field.name);
    });
  }

  private multipart(text: string, boundary: string, side: Side, location: string): string {
    const parsed = parseMultipart(text, boundary);
    if (parsed === undefined) return this.text(text, location);
    const rules = this.rulesFor('multipart', side);
    const parts: { head: string; body: string }[] = [];
    for (const part of parsed.parts) {
      const name = part.name ?? '';
      const where = `${location}.${name}`;
      // A part sent as base64 (Content-Transfer-Encoding) is redacted decoded, then re-encoded.
      const decoded = transferBase64(part.head)
        ? safeAtob(part.body.replace(/\s+/g, ''))
        : undefined;
      const next = this.named(rules, name, decoded ?? part.body, where);
      if (next === undefined) continue;
      // File parts are scanned for known token shapes only; their names say nothing.
      const body =
        part.filename === undefined
          ? this.text(next, where, name)
          : this.text(next, where, undefined, true);
      parts.push({
        head: part.head,
        body: decoded === undefined ? body : body === decoded ? part.body : btoa(body),
      });
    }
    return serializeMultipart(boundary, parsed.preamble, parts, parsed.epilogue);
  }

  // ---- step 2: value tracking -------------------------------------------------------------

  private replace = (s: string): string => this.registry.replaceIn(s);

  track(request: RecordedRequest): RecordedRequest {
    if (this.registry.size === 0) return request;
    const body = this.trackBody(request.body);
    return {
      ...request,
      path: this.replace(request.path),
      query: mapMulti(request.query, this.replace),
      headers: mapMulti(request.headers, this.replace),
      ...(body === undefined ? {} : { body }),
    };
  }

  trackResponse(response: RecordedResponse): RecordedResponse {
    if (this.registry.size === 0) return response;
    const body = this.trackBody(response.body);
    const { body: _old, ...rest } = response;
    return {
      ...rest,
      headers: mapMulti(response.headers, this.replace),
      ...(body === undefined ? {} : { body }),
    };
  }

  private trackBody(body: Body | undefined): Body | undefined {
    if (body === undefined || this.registry.size === 0) return body;
    switch (body.encoding) {
      case 'json':
        return { ...body, json: mapJsonStrings(body.json, this.replace) };
      case 'text':
        return { encoding: 'text', text: this.replace(body.text) };
      case 'base64': {
        const binary = safeAtob(body.base64);
        return binary === undefined
          ? body
          : { encoding: 'base64', base64: btoa(this.replace(binary)) };
      }
    }
  }
}

function mapMulti(
  map: Record<string, string | string[]>,
  f: (s: string) => string,
): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(map)) setOwn(out, k, typeof v === 'string' ? f(v) : v.map(f));
  return out;
}

/** A multipart part whose body is base64 (`Content-Transfer-Encoding: base64`). */
export function transferBase64(head: string): boolean {
  return /^content-transfer-encoding:\s*base64\s*$/im.test(head);
}

/**
 * Secret names whose whole value is secret even when it is an object or a list
 * (`"credentials": {"user": …, "pass": …}`). Not `token`, `cookie` or `authorization`: objects
 * under those names usually describe the secret (`token.expires_in`) rather than hold it.
 */
export function coversSubtree(name: string): boolean {
  return (
    isSecretName(name) &&
    !/^(?:token|cookie|setcookie|authorization|proxyauthorization)$/.test(squashName(name))
  );
}

/** A finding's location, or how to build it: most places are never reported. */
type Where = string | (() => string);

function whereOf(where: Where): string {
  return typeof where === 'string' ? where : where();
}

/** No own keys, without allocating the array Object.keys would. */
function isEmpty(map: object): boolean {
  for (const key in map) if (Object.hasOwn(map, key)) return false;
  return true;
}
