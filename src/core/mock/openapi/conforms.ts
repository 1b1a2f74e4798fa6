/**
 * A small JSON Schema (2020-12) checker for the generator's own use: is this spec example
 * valid, does this candidate match exactly one `oneOf` branch, does it avoid the `not` schema?
 * The generator runs on every mock response, so it cannot compile schemas with ajv per call;
 * this walks the schema and the value once. It implements the keywords the converter emits with
 * the semantics ajv (with ajv-formats) applies, so a value it accepts, ajv accepts; the tests
 * hold the two together. `unevaluatedProperties/Items` are approximated statically.
 */
import { canonicalJson, jsonEqual, type JsonValue, isRecord } from '../../json.js';

type Obj = Record<string, unknown>;
export type Resolve = (ref: string) => unknown;

const regexCache = new Map<string, RegExp | null>();
/**
 * The compiled `pattern`, or null when it does not compile. With the `u` flag, as JSON Schema
 * (ECMA-262) asks; patterns that are only valid without it (`\-`, `\_`, common in real specs)
 * compile without, as ajv does with `unicodeRegExp: false`.
 */
export function patternRegex(pattern: string): RegExp | null {
  let regex = regexCache.get(pattern);
  if (regex === undefined) {
    try {
      regex = new RegExp(pattern, 'u');
    } catch {
      try {
        regex = new RegExp(pattern);
      } catch {
        regex = null;
      }
    }
    if (regexCache.size > 5000) regexCache.clear();
    regexCache.set(pattern, regex);
  }
  return regex;
}

export function codePointLength(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0xd800 || c > 0xdbff) n++;
  }
  return n;
}

export function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function hasType(value: unknown, type: unknown): boolean {
  const actual = typeOf(value);
  if (type === actual) return true;
  return type === 'number' && actual === 'integer';
}

const DAYS = [0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function validDate(text: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (m === null) return false;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return day <= (month === 2 && !leap ? 28 : DAYS[month]!);
}

function validTime(text: string, zoneRequired: boolean): boolean {
  const m = /^(\d{2}):(\d{2}):(\d{2})(\.\d+)?(z|[+-]\d{2}(?::?\d{2})?)?$/i.exec(text);
  if (m === null) return false;
  if (zoneRequired && m[5] === undefined) return false;
  const h = Number(m[1]);
  const min = Number(m[2]);
  const s = Number(m[3]);
  return h <= 23 && min <= 59 && (s <= 59 || (s === 60 && h === 23 && min === 59));
}

const HOSTNAME =
  /^(?=.{1,253}\.?$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*\.?$/i;
const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

function validIpv6(text: string): boolean {
  if (!/^[0-9a-f:.]+$/i.test(text)) return false;
  const halves = text.split('::');
  if (halves.length > 2) return false;
  const groups = (part: string): string[] => (part === '' ? [] : part.split(':'));
  const parts = halves.flatMap(groups);
  let count = 0;
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (i === parts.length - 1 && p.includes('.')) {
      if (!IPV4.test(p)) return false;
      count += 2;
    } else if (/^[0-9a-f]{1,4}$/i.test(p)) count++;
    else return false;
  }
  return halves.length === 2 ? count < 8 : count === 8;
}

/**
 * Format checks for the formats ajv-formats knows, as strict as ajv-formats' full mode for the
 * values this generator produces. Unknown formats pass (they are annotations).
 */
export function checkFormat(format: string, value: unknown): boolean {
  if (typeof value === 'number') {
    if (format === 'int32')
      return Number.isInteger(value) && value <= 2147483647 && value >= -2147483648;
    if (format === 'int64') return Number.isInteger(value);
    return true;
  }
  if (typeof value !== 'string') return true;
  switch (format) {
    case 'date':
      return validDate(value);
    case 'time':
      return validTime(value, true);
    case 'iso-time':
      return validTime(value, false);
    case 'date-time':
    case 'iso-date-time': {
      const parts = value.split(format === 'date-time' ? /t/i : /[t\s]/i);
      return (
        parts.length === 2 && validDate(parts[0]!) && validTime(parts[1]!, format === 'date-time')
      );
    }
    case 'email':
      return /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/i.test(
        value,
      );
    case 'hostname':
      return HOSTNAME.test(value);
    case 'ipv4':
      return IPV4.test(value);
    case 'ipv6':
      return validIpv6(value);
    case 'uuid':
      return /^(?:urn:uuid:)?[0-9a-f]{8}-(?:[0-9a-f]{4}-){3}[0-9a-f]{12}$/i.test(value);
    case 'uri':
      return (
        /^[a-z][a-z0-9+.-]*:\/\/[a-z0-9.-]+(?::\d+)?(?:[/?#][^\s]*)?$/i.test(value) ||
        /^(?:mailto|urn|tel|data):[^\s]+$/i.test(value)
      );
    case 'url':
      return /^https?:\/\/(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}(?::\d{2,5})?(?:\/[^\s]*)?$/i.test(
        value,
      );
    case 'uri-reference':
      return /^(?:[^\\\s#][^\s#]*)?(?:#[^\\\s]*)?$/.test(value);
    case 'uri-template':
      if ([...value].some((c) => c.charCodeAt(0) <= 0x20)) return false;
      return /^(?:[^\s"'<>%\\^`{|}]|%[0-9a-f]{2}|\{[+#./;?&=,!@|]?[a-z0-9_]+(?::[1-9][0-9]{0,3}|\*)?(?:,[a-z0-9_]+(?::[1-9][0-9]{0,3}|\*)?)*\})*$/i.test(
        value,
      );
    case 'duration':
      return /^P(?!$)((\d+Y)?(\d+M)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?|(\d+W)?)$/.test(value);
    case 'json-pointer':
      return /^(?:\/(?:[^~/]|~0|~1)*)*$/.test(value);
    case 'relative-json-pointer':
      return /^(?:0|[1-9][0-9]*)(?:#|(?:\/(?:[^~/]|~0|~1)*)*)$/.test(value);
    case 'regex':
      return patternRegex(value) !== null && !/[^\\]\\Z/.test(value);
    case 'byte':
      return /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(value);
    default:
      return true;
  }
}

/** ajv's multipleOf test: `data / m` must be an integer as computed in floating point. */
export function isMultipleOf(value: number, m: number): boolean {
  const q = value / m;
  return Number.isFinite(q) && q === Math.trunc(q);
}

class Checker {
  private depth = 0;
  constructor(private readonly resolve: Resolve) {}

  check(value: unknown, schema: unknown): boolean {
    if (schema === true || schema === undefined) return true;
    if (schema === false) return false;
    if (!isRecord(schema)) return true;
    if (this.depth > 400) return false; // $ref cycle that consumes no input
    this.depth++;
    try {
      return this.checkObject(value, schema);
    } finally {
      this.depth--;
    }
  }

  private checkObject(value: unknown, s: Obj): boolean {
    const ref = s['$ref'];
    if (typeof ref === 'string' && !this.check(value, this.resolve(ref))) return false;
    const type = s['type'];
    if (type !== undefined) {
      const ok = Array.isArray(type) ? type.some((t) => hasType(value, t)) : hasType(value, type);
      if (!ok) return false;
    }
    if (s['const'] !== undefined && !jsonEqual(value, s['const'])) return false;
    const en = s['enum'];
    if (Array.isArray(en) && !en.some((e) => jsonEqual(value, e))) return false;
    if (typeof value === 'number' && !this.number(value, s)) return false;
    if (typeof value === 'string' && !this.string(value, s)) return false;
    if (Array.isArray(value) && !this.array(value, s)) return false;
    if (isRecord(value) && !this.object(value, s)) return false;
    const allOf = s['allOf'];
    if (Array.isArray(allOf) && !allOf.every((sub) => this.check(value, sub))) return false;
    const anyOf = s['anyOf'];
    if (Array.isArray(anyOf) && !anyOf.some((sub) => this.check(value, sub))) return false;
    const oneOf = s['oneOf'];
    if (Array.isArray(oneOf)) {
      let matches = 0;
      for (const sub of oneOf) if (this.check(value, sub) && ++matches > 1) return false;
      if (matches !== 1) return false;
    }
    if (s['not'] !== undefined && this.check(value, s['not'])) return false;
    if (s['if'] !== undefined) {
      const branch = this.check(value, s['if']) ? s['then'] : s['else'];
      if (!this.check(value, branch)) return false;
    }
    return true;
  }

  private number(value: number, s: Obj): boolean {
    const min = s['minimum'];
    const max = s['maximum'];
    const xmin = s['exclusiveMinimum'];
    const xmax = s['exclusiveMaximum'];
    if (typeof min === 'number' && value < min) return false;
    if (typeof max === 'number' && value > max) return false;
    if (typeof xmin === 'number' && value <= xmin) return false;
    if (typeof xmax === 'number' && value >= xmax) return false;
    const m = s['multipleOf'];
    if (typeof m === 'number' && m > 0 && !isMultipleOf(value, m)) return false;
    return typeof s['format'] !== 'string' || checkFormat(s['format'], value);
  }

  private string(value: string, s: Obj): boolean {
    const minLength = s['minLength'];
    const maxLength = s['maxLength'];
    if (typeof minLength === 'number' || typeof maxLength === 'number') {
      const length = codePointLength(value);
      if (typeof minLength === 'number' && length < minLength) return false;
      if (typeof maxLength === 'number' && length > maxLength) return false;
    }
    const pattern = s['pattern'];
    if (typeof pattern === 'string') {
      const regex = patternRegex(pattern);
      if (regex !== null && !regex.test(value)) return false;
    }
    return typeof s['format'] !== 'string' || checkFormat(s['format'], value);
  }

  private array(value: unknown[], s: Obj): boolean {
    const minItems = s['minItems'];
    const maxItems = s['maxItems'];
    if (typeof minItems === 'number' && value.length < minItems) return false;
    if (typeof maxItems === 'number' && value.length > maxItems) return false;
    const prefix = Array.isArray(s['prefixItems']) ? (s['prefixItems'] as unknown[]) : [];
    for (let i = 0; i < value.length; i++) {
      const sub = i < prefix.length ? prefix[i] : s['items'];
      if (sub !== undefined && !this.check(value[i], sub)) return false;
    }
    if (s['items'] === undefined && s['unevaluatedItems'] !== undefined) {
      for (let i = prefix.length; i < value.length; i++) {
        if (!this.check(value[i], s['unevaluatedItems'])) return false;
      }
    }
    if (s['uniqueItems'] === true && value.length > 1) {
      const seen = new Set<string>();
      for (const item of value) {
        const key = canonicalJson(item as JsonValue);
        if (seen.has(key)) return false;
        seen.add(key);
      }
    }
    if (s['contains'] !== undefined) {
      let count = 0;
      for (const item of value) if (this.check(item, s['contains'])) count++;
      const minContains = typeof s['minContains'] === 'number' ? s['minContains'] : 1;
      if (count < minContains) return false;
      if (typeof s['maxContains'] === 'number' && count > s['maxContains']) return false;
    }
    return true;
  }

  private object(value: Obj, s: Obj): boolean {
    const keys = Object.keys(value);
    const minProperties = s['minProperties'];
    const maxProperties = s['maxProperties'];
    if (typeof minProperties === 'number' && keys.length < minProperties) return false;
    if (typeof maxProperties === 'number' && keys.length > maxProperties) return false;
    const required = s['required'];
    if (Array.isArray(required)) {
      for (const name of required) {
        if (typeof name === 'string' && !Object.hasOwn(value, name)) return false;
      }
    }
    const dependentRequired = s['dependentRequired'];
    if (isRecord(dependentRequired)) {
      for (const [name, needs] of Object.entries(dependentRequired)) {
        if (!Object.hasOwn(value, name) || !Array.isArray(needs)) continue;
        if (needs.some((n) => typeof n === 'string' && !Object.hasOwn(value, n))) return false;
      }
    }
    const dependentSchemas = s['dependentSchemas'];
    if (isRecord(dependentSchemas)) {
      for (const [name, sub] of Object.entries(dependentSchemas)) {
        if (Object.hasOwn(value, name) && !this.check(value, sub)) return false;
      }
    }
    const props = isRecord(s['properties']) ? s['properties'] : undefined;
    const patterns = isRecord(s['patternProperties']) ? s['patternProperties'] : undefined;
    const additional = s['additionalProperties'];
    const unevaluated = s['unevaluatedProperties'];
    const evaluated = unevaluated !== undefined ? this.evaluatedNames(s) : undefined;
    for (const key of keys) {
      let covered = false;
      if (props !== undefined && Object.hasOwn(props, key)) {
        covered = true;
        if (!this.check(value[key], props[key])) return false;
      }
      if (patterns !== undefined) {
        for (const [pattern, sub] of Object.entries(patterns)) {
          const regex = patternRegex(pattern);
          if (regex !== null && regex.test(key)) {
            covered = true;
            if (!this.check(value[key], sub)) return false;
          }
        }
      }
      if (!covered && additional !== undefined && !this.check(value[key], additional)) {
        return false;
      }
      if (
        evaluated !== undefined &&
        !covered &&
        additional === undefined &&
        !evaluated.has(key) &&
        !this.check(value[key], unevaluated)
      ) {
        return false;
      }
      if (s['propertyNames'] !== undefined && !this.check(key, s['propertyNames'])) return false;
    }
    return true;
  }

  /** Property names some subschema in place declares: a static stand-in for annotations. */
  private evaluatedNames(s: Obj, seen = new Set<unknown>()): Set<string> {
    const names = new Set<string>();
    if (seen.has(s)) return names;
    seen.add(s);
    if (isRecord(s['properties'])) for (const k of Object.keys(s['properties'])) names.add(k);
    const subs: unknown[] = [];
    for (const k of ['allOf', 'anyOf', 'oneOf'])
      if (Array.isArray(s[k])) subs.push(...(s[k] as unknown[]));
    for (const k of ['then', 'else', 'if']) if (s[k] !== undefined) subs.push(s[k]);
    if (typeof s['$ref'] === 'string') subs.push(this.resolve(s['$ref']));
    for (const sub of subs) {
      if (isRecord(sub)) for (const k of this.evaluatedNames(sub, seen)) names.add(k);
    }
    return names;
  }
}

/** Does `value` satisfy `schema` (a converted 2020-12 schema; local refs via `resolve`)? */
export function conforms(value: unknown, schema: unknown, resolve: Resolve): boolean {
  return new Checker(resolve).check(value, schema);
}
