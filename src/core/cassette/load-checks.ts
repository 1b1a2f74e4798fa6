/**
 * What a cassette file is checked for besides its format (docs/cassette-format.md, "What
 * tapedeck refuses to load"): nesting and repeated keys in the text, header values and names
 * no HTTP message can carry, and JSON nested too deep inside a text body. Each check returns
 * problems with their JSON pointers; `parseCassette` (codec.ts) throws them as one error.
 */
import {
  countJsonKeys,
  findDuplicateKey,
  firstPathWhere,
  inspectJson,
  jsonPointer,
  MAX_JSON_DEPTH,
  shortPointer,
} from '../json.js';
import { lineAndColumn } from '../jsonc.js';
import type { SchemaProblem } from '../validation.js';
import type { Body, Cassette, HeaderMap } from './model.js';

/**
 * Nesting and repeated keys, checked on the parsed document in one walk without recursion (so
 * that every later walker may recurse), and one pass over the text that counts its keys.
 */
export function jsonShapeProblem(text: string, doc: unknown): SchemaProblem | undefined {
  const shape = inspectJson(doc, MAX_JSON_DEPTH);
  if (shape.tooDeep !== undefined) {
    return {
      pointer: shortPointer(shape.tooDeep),
      message: `nests deeper than ${MAX_JSON_DEPTH} levels, the limit for JSON in a cassette`,
    };
  }
  const unsound = unsoundValueProblem(text, doc);
  if (unsound !== undefined) return unsound;
  if (shape.members === countJsonKeys(text)) return undefined;
  const duplicate = findDuplicateKey(text);
  if (duplicate === undefined) return undefined;
  const at = lineAndColumn(text, duplicate.offset);
  return {
    pointer: jsonPointer(duplicate.path),
    message: `has the key ${JSON.stringify(duplicate.key)} twice (the second at line ${at.line}, column ${at.column}); JSON would keep only the last one, so remove one of them`,
  };
}

/** An escaped UTF-16 surrogate: the only way a lone one gets into valid UTF-8 JSON text. */
const ESCAPED_SURROGATE = /\\u[dD][89a-fA-F]/;
/**
 * The two ways a JSON number parses to Infinity: an exponent of three digits or more, or 309
 * digits or more written out (a double ends near 1.8e308).
 */
const BIG_EXPONENT = /[eE][+-]?\d{3}|\d{309}/;

const isWellFormed = (s: string) => (s as unknown as { isWellFormed(): boolean }).isWellFormed();

/**
 * Values JSON text can spell but a replay cannot give back as written: a number too large for a
 * double (`1e400` parses to Infinity and is written back as `null`), and a lone surrogate
 * (`"\ud800"`, which becomes U+FFFD on the wire). Each text test is one native regex; the walk
 * runs only when it matches.
 */
function unsoundValueProblem(text: string, doc: unknown): SchemaProblem | undefined {
  if (BIG_EXPONENT.test(text)) {
    const path = firstPathWhere(doc, (v) => typeof v === 'number' && !Number.isFinite(v));
    if (path !== undefined)
      return {
        pointer: shortPointer(path),
        message:
          'holds a number too large for a double: it would be read as Infinity and written back as null',
      };
  }
  if (ESCAPED_SURROGATE.test(text)) {
    const path = firstPathWhere(doc, (v) => typeof v === 'string' && !isWellFormed(v));
    if (path !== undefined)
      return {
        pointer: shortPointer(path),
        message:
          'holds a lone UTF-16 surrogate (an escaped \\uD800–\\uDFFF without its pair), which no UTF-8 message can carry; fix or remove the escape',
      };
  }
  return undefined;
}

/** A C0 control or DEL: never raw in a request target (RFC 3986). */
// eslint-disable-next-line no-control-regex
const PATH_CONTROL = /[\x00-\x1f\x7f]/;

/** Characters an HTTP field value may hold (RFC 9110 §5.5: VCHAR, obs-text, SP, HTAB). */
const BAD_FIELD_CHAR = /[^\t\x20-\x7e\x80-\xff]/;

/**
 * What the format allows but no HTTP exchange can hold: header values with CR, LF, NUL or other
 * controls (a replay could never send them, or would split the header), and a text body
 * holding JSON nested deeper than the limit (matching parses it).
 */
export function contentProblems(cassette: Cassette): SchemaProblem[] {
  const problems: SchemaProblem[] = [];
  cassette.interactions.forEach((interaction, i) => {
    for (const side of ['request', 'response'] as const) {
      const message = interaction[side];
      const base = `/interactions/${i}/${side}`;
      problems.push(...headerProblems(message.headers, base));
      if (side === 'request') {
        // The path is kept as sent (percent-encoding intact): a raw control never was on the wire.
        const bad = PATH_CONTROL.exec(interaction.request.path);
        if (bad !== null)
          problems.push({
            pointer: `${base}/path`,
            message: `holds U+${bad[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')} at character ${bad.index}; a recorded path is kept percent-encoded, never with CR, LF, NUL or other control characters`,
          });
      }
      problems.push(...bodyProblems(message.body, base));
    }
  });
  // A webhook sample's headers and body are held to the same rules: the sandbox sends its body.
  cassette.webhooks?.forEach((sample, i) => {
    const base = `/webhooks/${i}`;
    problems.push(...headerProblems(sample.headers, base), ...bodyProblems(sample.body, base));
  });
  return problems;
}

function headerProblems(headers: HeaderMap, base: string): SchemaProblem[] {
  const problems: SchemaProblem[] = [];
  for (const [name, value] of Object.entries(headers)) {
    const values = typeof value === 'string' ? [value] : value;
    values.forEach((v, k) => {
      const bad = BAD_FIELD_CHAR.exec(v);
      if (bad === null) return;
      const code = bad[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
      problems.push({
        pointer: `${base}/headers/${jsonPointer([name]).slice(1)}${typeof value === 'string' ? '' : `/${k}`}`,
        message: `holds U+${code} at character ${bad.index}; a header value may hold visible ASCII, Latin-1, spaces and tabs only (RFC 9110), never CR, LF, NUL or other control characters`,
      });
    });
  }
  return problems;
}

function bodyProblems(body: Body | undefined, base: string): SchemaProblem[] {
  if (body?.encoding !== 'text') return [];
  const deep = jsonTextTooDeep(body.text);
  if (deep === undefined) return [];
  return [
    {
      pointer: `${base}/body/text`,
      message: `holds JSON nested deeper than ${MAX_JSON_DEPTH - BODY_LEVELS} levels (at ${shortPointer(deep)}), the limit for a body in a cassette`,
    },
  ];
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9a-z-]+$/u;

/**
 * The schema's problems, where it says only that some header name in an object is not valid
 * ("property name must be valid"), replaced by one problem per bad name, naming it.
 */
export function withHeaderNames(doc: Record<string, unknown>, problems: readonly SchemaProblem[]) {
  const named: SchemaProblem[] = [];
  const interactions = doc['interactions'];
  if (Array.isArray(interactions)) {
    interactions.forEach((interaction: unknown, i) => {
      for (const side of ['request', 'response']) {
        const headers = (interaction as Record<string, Record<string, unknown> | undefined>)?.[
          side
        ]?.['headers'];
        if (headers === null || typeof headers !== 'object') continue;
        for (const name of Object.keys(headers)) {
          if (HEADER_NAME.test(name)) continue;
          const bad = /[^!#$%&'*+.^_`|~0-9a-z-]/u.exec(name)?.[0];
          const found =
            bad === undefined
              ? 'it is empty'
              : `it holds ${/[A-Z]/.test(bad) ? `the upper-case ${JSON.stringify(bad)}` : `U+${bad.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`}`;
          named.push({
            pointer: `/interactions/${i}/${side}/headers/${jsonPointer([name]).slice(1)}`,
            message: `is not a valid header name: ${found}; names are lower-case RFC 9110 tokens (letters, digits and !#$%&'*+.^_\`|~-)`,
          });
        }
      }
    });
  }
  if (named.length === 0) return problems;
  const objects = new Set(named.map((p) => p.pointer.slice(0, p.pointer.lastIndexOf('/'))));
  const rest = problems.filter(
    (p) =>
      !(
        objects.has(p.pointer) &&
        /^(?:must match pattern|property name must be valid)/.test(p.message)
      ),
  );
  return [...named, ...rest];
}

/**
 * The path where JSON text held in a text body nests too deep, when it does. Text with no more
 * brackets than the limit cannot, which is nearly every body: it is counted with `indexOf`.
 * The recorder asks too (body-codec.ts), and keeps such a body as base64 rather than write a
 * cassette the next load would refuse. Nesting is counted from the body: a body stored as
 * `json` sits five levels down in the file, which the limit leaves room for below.
 */
export function jsonTextTooDeep(text: string): readonly (string | number)[] | undefined {
  // Any amount of white space may come first: JSON.parse and the matcher both skip it.
  const first = text.trimStart()[0];
  if (first !== '[' && first !== '{') return undefined;
  let brackets = 0;
  for (const c of ['[', '{']) {
    for (
      let i = text.indexOf(c);
      i !== -1 && brackets <= MAX_JSON_DEPTH - BODY_LEVELS;
      i = text.indexOf(c, i + 1)
    )
      brackets++;
  }
  if (brackets <= MAX_JSON_DEPTH - BODY_LEVELS) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  return inspectJson(value, MAX_JSON_DEPTH - BODY_LEVELS).tooDeep;
}

/** The levels of a cassette file above a body's JSON: file, interactions, one, side, body. */
const BODY_LEVELS = 5;
