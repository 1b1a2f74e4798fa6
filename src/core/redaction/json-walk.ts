/**
 * The walk over a JSON document in a redaction pass: JSON rules by path, then the built-in checks
 * on every string and on numbers under secret names, with keys searched like values. Also JSON
 * kept as text, redacted through the same walk. The shape of `coversSubtree` is shared with
 * scan.ts, so the scanner and the redactor agree on what a secret name covers.
 */
import {
  canonicalJson,
  isJsonObject,
  jsonPointer,
  mapJsonStrings,
  setOwn,
  type JsonValue,
} from '../json.js';
import { isSecretName, SECRET_FIELD_RULE, squashName } from './detectors.js';
import type { Pass, Side } from './pass.js';
import { isPseudonym, REDACTED } from './pseudonym.js';
import { jsonRuleMatches } from './rules.js';

/** What a walk returns for a location a rule removes. */
const REMOVE = Symbol('remove');

export function redactJson(pass: Pass, root: JsonValue, side: Side, location: string): JsonValue {
  // One walk applies the JSON rules (matched against each location's path), then the
  // built-in checks; the input is never modified, the walk builds the redacted copy.
  const jsonRules = pass.rulesFor('json', side);
  const bodyRules = pass.rulesFor('body', side);
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
          return pass.secret(String(node), rule.action, rule.shape, rule.id, here) ?? REMOVE;
        }
        if (node !== null && typeof node === 'object') {
          pass.findings.push({ location: here(), rule: rule.id });
          return rule.action === 'remove' ? REMOVE : REDACTED;
        }
      }
    }
    if (typeof node === 'string') {
      let s = node;
      for (const rule of bodyRules) s = pass.withinPattern(rule, s, here);
      // Below a secret name every string is secret: `{"client_secret": {"current": "…"}}`.
      if (inSecret && s !== '' && !isPseudonym(s)) {
        return pass.secret(s, 'pseudonymize', undefined, SECRET_FIELD_RULE, here) ?? REDACTED;
      }
      return pass.text(s, here, key);
    }
    if (typeof node === 'number' && key !== undefined && isSecretName(key)) {
      // A number under a secret name (a PIN, a CVC) becomes a token: numbers have no
      // recognisable pseudonym shape, and redaction must stay idempotent.
      return (
        pass.secret(String(node), 'pseudonymize', 'token', SECRET_FIELD_RULE, here) ?? REDACTED
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
        const name = pass.text(k, here);
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
export function jsonText(pass: Pass, text: string, side: Side, location: string): string {
  let parsed: JsonValue;
  try {
    parsed = JSON.parse(text) as JsonValue;
  } catch {
    return text;
  }
  const redacted = mapJsonStrings(redactJson(pass, parsed, side, location), pass.replace);
  const tracked = pass.replace(text);
  try {
    if (canonicalJson(JSON.parse(tracked) as JsonValue) === canonicalJson(redacted)) return tracked;
  } catch {
    // Tracking broke the JSON (a number replaced by a token): write the redacted JSON.
  }
  return JSON.stringify(redacted, null, 2);
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
