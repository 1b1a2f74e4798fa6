import {
  valuesOf,
  type Body,
  type HeaderMap,
  type Interaction,
  type RecordedRequest,
} from '../cassette/model.js';
import { hasOpaqueCoding, firstHeaderValue } from '../http/index.js';
import { decodePercent } from '../http/percent.js';
import { escapePointerToken, jsonPointer, type JsonValue } from '../json.js';
import { jsonLines, multipartBoundary, parseForm, parseMultipart, safeAtob } from './bodies.js';
import { isSecretField, isSecretName, SECRET_FIELD_RULE } from './detectors.js';
import { BUILTIN_CREDENTIAL_HEADER, CREDENTIAL_HEADERS, SCHEME_ONLY } from './headers.js';
import { coversSubtree } from './json-walk.js';
import { transferBase64 } from './payload.js';
import { detectIn, headOf, isBase64ish, isPseudonymText, NOT_PRINTABLE } from './long-text.js';
import type { SecretRegistry } from './registry.js';
import { jsonRuleMatches, ruleAppliesTo, ruleNameMatches, type CompiledRule } from './rules.js';

/** Something that still looks secret: which rule says so, and where (a JSON pointer). */
export interface ScanFinding {
  readonly rule: string;
  readonly pointer: string;
}

export const VALUE_TRACKING_RULE = 'builtin/value-tracking';
/** A body in a content-coding tapedeck cannot remove, so nothing in it can be checked. */
export const OPAQUE_BODY_RULE = 'builtin/opaque-body';

export interface ScanOptions {
  readonly rules: readonly CompiledRule[];
  readonly disabled?: ReadonlySet<string>;
  /** Secrets remembered while redacting: none of them may be left, in any encoding. */
  readonly registry?: SecretRegistry;
}

/**
 * The safety net. Runs after redaction and before a write (and in `tapedeck verify`): every
 * string is checked by the built-in detectors, the secret-name checks and the rules, and also
 * after one layer of URL and base64 decoding. Pseudonyms and the mask never count.
 */
export function scanInteraction(interaction: Interaction, options: ScanOptions): ScanFinding[] {
  const findings: ScanFinding[] = [];
  const seen = new Set<string>();
  const disabled = options.disabled ?? new Set<string>();
  /** A pointer, or how to build it: most places hold nothing to report. */
  type Pointer = string | (() => string);
  const report = (rule: string, where: Pointer) => {
    const pointer = typeof where === 'string' ? where : where();
    const id = `${rule}\u0000${pointer}`;
    if (seen.has(id)) return;
    seen.add(id);
    findings.push({ rule, pointer });
  };

  /**
   * Secret names, detectors, secret subtrees and (for a body, whose `side` is known) the JSON
   * rules, in one walk of a JSON value, reported under `base`.
   */
  const walkJson = (root: JsonValue, base: string, side?: 'request' | 'response') => {
    const jsonRules =
      side === undefined
        ? []
        : options.rules.filter((r) => r.target === 'json' && ruleAppliesTo(r, side));
    // The path of the node being visited, pushed and popped as the walk goes (no copy per
    // node); `pointer` reads it when something is reported, during that node's visit.
    const at: (string | number)[] = [];
    const pointer = () => `${base}${jsonPointer(at)}`;
    /** An open array or object: its keys (for an object), the next child, what it is under. */
    type Frame = {
      readonly node: JsonValue[] | Record<string, JsonValue>;
      readonly keys: readonly string[] | undefined;
      next: number;
      readonly key: string | undefined;
      readonly inSecret: boolean;
    };
    // The walk keeps its own stack (no recursion), so no depth of nesting can exhaust the
    // call stack; the order of visits (and of findings) is the recursive walk's pre-order.
    const frames: Frame[] = [];
    /** One node's own checks; an array or object is opened for its children to be visited. */
    const visit = (node: JsonValue, key: string | undefined, inSecret: boolean): boolean => {
      if (at.length > 0) {
        for (const rule of jsonRules) {
          if (!jsonRuleMatches(rule, at)) continue;
          // A rule's location must hold a pseudonym, the mask, or nothing.
          const left =
            typeof node === 'string'
              ? node !== '' && !isPseudonymText(node)
              : typeof node === 'number' || (node !== null && typeof node === 'object');
          if (left) report(rule.id, pointer);
        }
      }
      if (typeof node === 'string') {
        if (inSecret && node !== '' && !isPseudonymText(node)) report(SECRET_FIELD_RULE, pointer);
        else checkText(node, pointer, key);
      } else if (typeof node === 'number' && key !== undefined && isSecretName(key)) {
        report(SECRET_FIELD_RULE, pointer);
      } else if (node !== null && typeof node === 'object') {
        const below = inSecret || (key !== undefined && coversSubtree(key));
        const keys = Array.isArray(node) ? undefined : Object.keys(node);
        frames.push({ node, keys, next: 0, key, inSecret: below });
        return true;
      }
      return false;
    };
    visit(root, undefined, false);
    while (frames.length > 0) {
      const frame = frames.at(-1)!;
      let child: JsonValue | undefined;
      let childKey: string | undefined;
      if (frame.keys === undefined) {
        const array = frame.node as JsonValue[];
        // A hole is skipped, as forEach would skip it.
        while (frame.next < array.length && !(frame.next in array)) frame.next++;
        if (frame.next < array.length) {
          at.push(frame.next);
          child = array[frame.next++]!;
          childKey = frame.key;
        }
      } else if (frame.next < frame.keys.length) {
        const k = frame.keys[frame.next++]!;
        checkText(k, pointer);
        at.push(k);
        child = (frame.node as Record<string, JsonValue>)[k]!;
        childKey = k;
      }
      if (child === undefined) {
        frames.pop();
        // The root has no token of its own; every other frame pops the one pushed for it.
        if (frames.length > 0) at.pop();
        continue;
      }
      if (!visit(child, childKey, frame.inSecret)) at.pop();
    }
  };

  const checkText = (text: string, pointer: Pointer, name?: string, binary = false) => {
    if (text === '' || isPseudonymText(text)) return;
    // JSON held in a string (a query value, a field, a line of text) is checked as JSON.
    if (!binary && text.length >= 8 && (text.includes('{') || text.includes('['))) {
      const lines = jsonLines(text);
      if (lines.length > 0) {
        const base = typeof pointer === 'string' ? pointer : pointer();
        for (const { value } of lines) walkJson(value as JsonValue, base);
      }
    }
    if (name !== undefined && isSecretField(name, headOf(text))) report(SECRET_FIELD_RULE, pointer);
    for (const d of detectIn(text, disabled, name, binary)) report(d.detector.id, pointer);
    if (binary) {
      if (options.registry?.foundIn(text)) report(VALUE_TRACKING_RULE, pointer);
      return;
    }
    if (options.registry?.foundIn(text)) report(VALUE_TRACKING_RULE, pointer);
    // One layer down: secrets hidden by URL or base64 encoding.
    if (text.includes('%')) {
      const decoded = decodePercent(text);
      if (decoded !== text)
        for (const d of detectIn(decoded, disabled)) report(d.detector.id, pointer);
    }
    if (isBase64ish(text)) {
      const decoded = safeAtob(text.replace(/-/g, '+').replace(/_/g, '/'));
      if (decoded !== undefined && !NOT_PRINTABLE.test(decoded))
        for (const d of detectIn(decoded, disabled)) report(d.detector.id, pointer);
    }
  };

  /**
   * A rule that replaces the whole value of the field it names (no `pattern`) left it there: the
   * value must now be a pseudonym, the mask, or empty. `side` limits header rules to their side.
   */
  const namedRulesLeft = (
    target: 'header' | 'query',
    name: string,
    v: string,
    pointer: string,
    side?: 'request' | 'response',
  ) => {
    for (const rule of options.rules) {
      if (
        rule.target === target &&
        (side === undefined || ruleAppliesTo(rule, side)) &&
        ruleNameMatches(rule, name) &&
        !rule.pattern &&
        !isPseudonymText(v) &&
        v !== ''
      )
        report(rule.id, pointer);
    }
  };

  const checkHeaders = (headers: HeaderMap, base: string, side: 'request' | 'response') => {
    for (const [name, value] of Object.entries(headers)) {
      const values = valuesOf(value);
      values.forEach((v, i) => {
        const pointer = `${base}/headers/${multiValuePointer(name, value, i)}`;
        if (credentialLeft(name, v)) report(BUILTIN_CREDENTIAL_HEADER, pointer);
        // Other headers are searched with their name, as the redactor does (`x-order-ref`).
        const plain = !CREDENTIAL_HEADERS.has(name) && !isSecretName(name);
        checkText(v, pointer, plain ? name : undefined);
        namedRulesLeft('header', name, v, pointer, side);
      });
    }
  };

  const checkRequestLine = (request: RecordedRequest) => {
    checkText(request.path, '/request/path');
    for (const rule of options.rules) {
      if (rule.target !== 'path' || !rule.pattern) continue;
      rule.pattern.lastIndex = 0;
      for (const m of request.path.matchAll(rule.pattern)) {
        const secret = decodePercent(m[1] ?? m[0]);
        if (!isPseudonymText(secret)) report(rule.id, '/request/path');
      }
    }
    for (const [name, value] of Object.entries(request.query)) {
      checkText(name, '/request/query');
      valuesOf(value).forEach((v, i) => {
        const pointer = `/request/query/${multiValuePointer(name, value, i)}`;
        checkText(v, pointer, name);
        namedRulesLeft('query', name, v, pointer);
      });
    }
  };

  const checkBody = (
    body: Body | undefined,
    headers: HeaderMap,
    base: string,
    side: 'request' | 'response',
  ) => {
    if (body === undefined) return;
    // Bytes still in a coding tapedeck cannot remove (zstd…) cannot be checked: never written.
    if (hasOpaqueCoding(headers)) {
      report(OPAQUE_BODY_RULE, `${base}/body`);
      return;
    }
    const contentType = firstHeaderValue(headers, 'content-type');
    switch (body.encoding) {
      case 'json': {
        walkJson(body.json, `${base}/body/json`, side);
        return;
      }
      case 'text': {
        const pointer = `${base}/body/text`;
        checkText(body.text, pointer);
        // JSON the codec kept as text is checked as JSON too (names, rules, keys).
        const first = body.text.trimStart()[0];
        const json = first === '[' || first === '{' ? safeParse(body.text) : undefined;
        if (json !== undefined) checkBody({ encoding: 'json', json }, headers, base, side);
        if (/application\/x-www-form-urlencoded/i.test(contentType ?? '')) {
          for (const field of parseForm(body.text)) checkText(field.value, pointer, field.name);
        }
        const boundary = multipartBoundary(contentType);
        const parsed = boundary === undefined ? undefined : parseMultipart(body.text, boundary);
        for (const part of parsed?.parts ?? []) {
          const decoded = transferBase64(part.head)
            ? safeAtob(part.body.replace(/\s+/g, ''))
            : undefined;
          checkText(decoded ?? part.body, pointer, part.name, part.filename !== undefined);
        }
        return;
      }
      case 'base64': {
        const binary = safeAtob(body.base64);
        if (binary !== undefined) checkText(binary, `${base}/body/base64`, undefined, true);
        return;
      }
    }
  };

  checkRequestLine(interaction.request);
  checkHeaders(interaction.request.headers, '/request', 'request');
  checkBody(interaction.request.body, interaction.request.headers, '/request', 'request');
  checkHeaders(interaction.response.headers, '/response', 'response');
  checkBody(interaction.response.body, interaction.response.headers, '/response', 'response');
  return findings;
}

/** A credential header whose value part is not a pseudonym or the mask. */
function credentialLeft(name: string, value: string): boolean {
  if (name === 'authorization' || name === 'proxy-authorization') {
    if (SCHEME_ONLY.test(value)) return false;
    const credentials = /^[A-Za-z][A-Za-z0-9._~+-]*\s+(.+)$/.exec(value)?.[1] ?? value;
    return credentials.trim() !== '' && !isPseudonymText(credentials);
  }
  if (name === 'cookie')
    return value
      .split(';')
      .some(
        (pair) =>
          pair.includes('=') &&
          !isPseudonymText(pair.slice(pair.indexOf('=') + 1).trim()) &&
          pair.slice(pair.indexOf('=') + 1).trim() !== '',
      );
  if (name === 'set-cookie' || name === 'set-cookie2') {
    const first = value.split(';')[0] ?? '';
    const v = first.includes('=') ? first.slice(first.indexOf('=') + 1).trim() : first;
    return v !== '' && !isPseudonymText(v);
  }
  return (
    (CREDENTIAL_HEADERS.has(name) || isSecretName(name)) && value !== '' && !isPseudonymText(value)
  );
}

function safeParse(text: string): JsonValue | undefined {
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    return undefined;
  }
}

/** The pointer tokens of value `i` of a multi-map entry: the name, and the index when repeated. */
function multiValuePointer(name: string, value: string | readonly string[], i: number): string {
  return `${escapePointerToken(name)}${typeof value === 'string' ? '' : `/${i}`}`;
}
