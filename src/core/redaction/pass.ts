/**
 * One redaction pass over an interaction (see `Redactor` in engine.ts, the public face): the
 * state a pass carries (its rules, registry and findings) and the steps every location shares:
 * a secret found, free text searched by the detectors, a rule's pattern applied, the rules that
 * name a field. The path and query are redacted here; headers and cookies in headers.ts, bodies
 * in payload.ts and json-walk.ts, and step 2 (value tracking) in tracking.ts. Those files are
 * functions of a `Pass` rather than methods so that each concern reads on its own; the members
 * they call are public for them and are not used outside core/redaction.
 */
import {
  appendValue,
  valuesOf,
  type RecordedRequest,
  type RecordedResponse,
  type QueryMap,
} from '../cassette/model.js';
import { decodePercent } from '../http/percent.js';
import { mapJsonStrings, type JsonValue } from '../json.js';
import { jsonLines, safeAtob } from './bodies.js';
import { detect, isSecretField, MAYBE_SECRET, SECRET_FIELD_RULE } from './detectors.js';
import type { RedactionFinding } from './engine.js';
import { redactHeaders } from './headers.js';
import { redactJson } from './json-walk.js';
import { redactBody } from './payload.js';
import { isPseudonym, latin1OfUtf8, REDACTED, type Shape } from './pseudonym.js';
import { isBase64ish } from './long-text.js';
import type { SecretRegistry } from './registry.js';
import { ruleAppliesTo, ruleNameMatches, type CompiledRule, type RuleAction } from './rules.js';

export type Side = 'request' | 'response';

/** What one pass needs from its Redactor. */
export interface PassSetup {
  readonly rules: readonly CompiledRule[];
  readonly disabled: ReadonlySet<string>;
  readonly pseudonymOf: (value: string, shape: Shape | undefined) => string;
}

const NO_RULES: readonly CompiledRule[] = [];

export class Pass {
  readonly findings: RedactionFinding[] = [];

  /** The findings, their locations cleared of secrets found later (a JSON key that is an email). */
  reported(): RedactionFinding[] {
    return this.findings.map((f) => ({ ...f, location: this.registry.replaceIn(f.location) }));
  }

  constructor(
    private readonly setup: PassSetup,
    readonly registry: SecretRegistry,
  ) {}

  rulesFor(target: CompiledRule['target'], side: Side): readonly CompiledRule[] {
    if (this.setup.rules.length === 0) return NO_RULES;
    return this.setup.rules.filter((r) => r.target === target && ruleAppliesTo(r, side));
  }

  /**
   * A secret found at `location`: remembered, and its replacement returned (undefined when the
   * action removes it). A value that is already a pseudonym or the mask is left alone, which is
   * what makes redaction idempotent.
   */
  secret(
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
  text(text: string, location: Where, fieldName?: string, binary = false, nested = false): string {
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
        const redacted = redactJson(this, value as JsonValue, this.side, whereOf(location));
        if (this.findings.length === before) continue;
        lines[line] = `${prefix}${JSON.stringify(mapJsonStrings(redacted, this.replace))}`;
        changed = true;
      }
      if (changed) return lines.join('\n');
    }
    if (text.includes('%')) {
      // Found secrets are remembered; value tracking then replaces their URL-encoded form here.
      const decoded = decodePercent(text);
      if (decoded !== text) this.text(decoded, location, undefined, false, true);
    }
    // Not BASE64ISH.test: its backtracking throws RangeError on a run of millions of characters
    // (a large base64 blob in a body), which would fail the whole request.
    if (isBase64ish(text)) {
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
  withinPattern(
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
    const headers = redactHeaders(this, request.headers, 'request');
    const body = redactBody(this, request.body, request.headers, 'request');
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
    const headers = redactHeaders(this, response.headers, 'response');
    const body = redactBody(this, response.body, response.headers, 'response');
    const { body: _old, ...rest } = response;
    return { ...rest, headers, ...(body === undefined ? {} : { body }) };
  }

  private path(path: string): string {
    let out = path;
    const rules = this.rulesFor('path', 'request');
    for (const rule of rules)
      out = this.withinPattern(rule, out, 'request.path', decodePercent, encodeURIComponent);
    // The common case on the replay hot path: nothing in the path could be a secret.
    if (rules.length === 0 && !out.includes('%') && !MAYBE_SECRET.test(out)) return out;
    return out
      .split('/')
      .map((segment) => {
        if (segment === '') return segment;
        const decoded = segment.includes('%') ? decodePercent(segment) : segment;
        const redacted = this.text(decoded, 'request.path');
        return redacted === decoded ? segment : encodeURIComponent(redacted);
      })
      .join('/');
  }

  query(query: QueryMap, side: Side, where: string): QueryMap {
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
  named(
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

  /** Step 2, value tracking: every remembered secret replaced in `s` (see tracking.ts). */
  readonly replace = (s: string): string => this.registry.replaceIn(s);
}

/** A finding's location, or how to build it: most places are never reported. */
export type Where = string | (() => string);

function whereOf(where: Where): string {
  return typeof where === 'string' ? where : where();
}

/** No own keys, without allocating the array Object.keys would. */
function isEmpty(map: object): boolean {
  for (const key in map) if (Object.hasOwn(map, key)) return false;
  return true;
}
