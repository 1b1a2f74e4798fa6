import { TapedeckError } from '../errors.js';
import { stableStringifyAt } from '../json.js';
import { compileValidator, describePointer, type SchemaProblem } from '../validation.js';
import { CASSETTE_VERSION, isInsideJsonBody, type Cassette, type Interaction } from './model.js';
import { cassetteSchemaV1 } from './schema.js';

/** The schema validator (ajv), compiled on first need: most loads never need it (below). */
let validateV1: ((value: unknown) => ReturnType<ReturnType<typeof compileValidator>>) | undefined;

function validateWithSchema(doc: unknown): ReturnType<ReturnType<typeof compileValidator>> {
  validateV1 ??= compileValidator<Cassette>(cassetteSchemaV1);
  return validateV1(doc);
}

/**
 * Upgrades from older format versions, keyed by the version they read. Each takes a document
 * of version N and returns one of version N + 1; `parseCassette` chains them. Format 1 is the
 * first, so the table is empty; when format 2 arrives, `1: (doc) => ({ ...doc, version: 2 })`
 * goes here, and `tapedeck verify --upgrade` rewrites files in the new format.
 */
const upgrades: Readonly<
  Record<number, (doc: Record<string, unknown>) => Record<string, unknown>>
> = {};

export interface ParsedCassette {
  readonly cassette: Cassette;
  /** The version the file was written in, when it was older than the current one. */
  readonly upgradedFrom?: number;
}

/**
 * Parses and validates cassette text. `source` names the file in errors. Throws a
 * TD_CASSETTE_INVALID or TD_CASSETTE_VERSION error that lists every problem with its JSON pointer.
 */
export function parseCassette(text: string, source: string): ParsedCassette {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (cause) {
    throw new TapedeckError(
      'TD_CASSETTE_INVALID',
      `Cassette ${source} is not valid JSON: ${(cause as Error).message}.`,
      {
        cause,
        details: { file: source },
        hint: 'Fix the file by hand (git diff shows what changed) or re-record it with `tapedeck record`.',
      },
    );
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw invalid(source, [{ pointer: '', message: 'must be a JSON object' }]);
  }
  let current = doc as Record<string, unknown>;
  const version = current['version'];
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    throw invalid(source, [
      { pointer: '/version', message: `must be the integer ${CASSETTE_VERSION}` },
    ]);
  }
  if (version > CASSETTE_VERSION) {
    throw new TapedeckError(
      'TD_CASSETTE_VERSION',
      `Cassette ${source} has format version ${version}, but this tapedeck reads versions up to ${CASSETTE_VERSION}.`,
      { details: { file: source, version }, hint: 'Upgrade tapedeck to read it.' },
    );
  }
  for (let v = version; v < CASSETTE_VERSION; v++) {
    const step = upgrades[v];
    if (step === undefined) {
      throw new TapedeckError(
        'TD_CASSETTE_VERSION',
        `Cassette ${source} has unknown format version ${v}.`,
        {
          details: { file: source, version: v },
        },
      );
    }
    current = step(current);
  }
  // A valid cassette (nearly every load) is recognised by a direct check of the same rules;
  // anything it does not accept goes to the schema validator, which decides and explains.
  let cassette: Cassette;
  if (isValidCassetteV1(current)) cassette = current;
  else {
    const result = validateWithSchema(current);
    if (!result.ok) throw invalid(source, result.problems);
    cassette = result.value as Cassette;
  }
  return version === CASSETTE_VERSION ? { cassette } : { cassette, upgradedFrom: version };
}

// ---- the fast check -------------------------------------------------------------------------
//
// `cassetteSchemaV1`, written out as code. ajv's validator costs ~3 µs per interaction (0.3 s of
// a 100,000-interaction start-up) and its compilation ~0.1 s; this check costs a fraction. It
// must never accept what the schema rejects: every test it makes is the schema's own (same
// patterns, same `u` flag ajv uses), and wherever it is unsure (a non-finite number) it says no
// and the schema decides. test/unit/cassette-fast-check.test.ts compares both on generated
// documents, and fails when the schema changes until this check is brought in line with it.

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9a-z-]+$/u;
const METHOD = /^[A-Z][A-Z0-9_-]*$/u;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/u;
const RECORDED_AT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/u;

type Doc = Record<string, unknown>;

function isObject(value: unknown): value is Doc {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Every own key of `object` is one of `allowed` (additionalProperties: false). */
function onlyKeys(object: Doc, allowed: ReadonlySet<string>): boolean {
  for (const key in object) if (!allowed.has(key)) return false;
  return true;
}

const CASSETTE_KEYS = new Set(['$schema', 'version', 'meta', 'interactions']);
const META_KEYS = new Set(['recordedWith', 'target', 'description', 'replayable']);
const INTERACTION_KEYS = new Set(['request', 'response', 'latencyMs', 'replayable', 'recordedAt']);
const REQUEST_KEYS = new Set(['method', 'path', 'query', 'headers', 'body']);
const RESPONSE_KEYS = new Set(['status', 'headers', 'body']);
const JSON_BODY_KEYS = new Set(['encoding', 'json', 'format']);
const TEXT_BODY_KEYS = new Set(['encoding', 'text']);
const BASE64_BODY_KEYS = new Set(['encoding', 'base64']);

function isMultiMap(value: unknown, names?: RegExp): boolean {
  if (!isObject(value)) return false;
  for (const key in value) {
    if (names !== undefined && !names.test(key)) return false;
    const v = value[key];
    if (typeof v === 'string') continue;
    if (!Array.isArray(v)) return false;
    for (let i = 0; i < v.length; i++) if (typeof v[i] !== 'string') return false;
  }
  return true;
}

function isBody(value: unknown): boolean {
  if (!isObject(value)) return false;
  switch (value['encoding']) {
    case 'json':
      return (
        onlyKeys(value, JSON_BODY_KEYS) &&
        value['json'] !== undefined &&
        (!('format' in value) || value['format'] === 'pretty')
      );
    case 'text':
      return onlyKeys(value, TEXT_BODY_KEYS) && typeof value['text'] === 'string';
    case 'base64':
      return (
        onlyKeys(value, BASE64_BODY_KEYS) &&
        typeof value['base64'] === 'string' &&
        BASE64.test(value['base64'])
      );
    default:
      return false;
  }
}

function isRequest(value: unknown): boolean {
  if (!isObject(value) || !onlyKeys(value, REQUEST_KEYS)) return false;
  const { method, path } = value;
  return (
    typeof method === 'string' &&
    METHOD.test(method) &&
    typeof path === 'string' &&
    path.startsWith('/') &&
    isMultiMap(value['query']) &&
    isMultiMap(value['headers'], HEADER_NAME) &&
    (!('body' in value) || isBody(value['body']))
  );
}

function isResponse(value: unknown): boolean {
  if (!isObject(value) || !onlyKeys(value, RESPONSE_KEYS)) return false;
  const { status } = value;
  return (
    typeof status === 'number' &&
    Number.isInteger(status) &&
    status >= 100 &&
    status <= 599 &&
    isMultiMap(value['headers'], HEADER_NAME) &&
    (!('body' in value) || isBody(value['body']))
  );
}

function isInteraction(value: unknown): boolean {
  if (!isObject(value) || !onlyKeys(value, INTERACTION_KEYS)) return false;
  const { latencyMs, recordedAt } = value;
  return (
    isRequest(value['request']) &&
    isResponse(value['response']) &&
    typeof latencyMs === 'number' &&
    Number.isFinite(latencyMs) &&
    latencyMs >= 0 &&
    typeof recordedAt === 'string' &&
    RECORDED_AT.test(recordedAt) &&
    (!('replayable' in value) || typeof value['replayable'] === 'boolean')
  );
}

function isMeta(value: unknown): boolean {
  if (!isObject(value) || !onlyKeys(value, META_KEYS)) return false;
  for (const key of ['recordedWith', 'target', 'description'])
    if (key in value && typeof value[key] !== 'string') return false;
  return !('replayable' in value) || typeof value['replayable'] === 'boolean';
}

/**
 * True only for a document `cassetteSchemaV1` accepts; false means "ask the schema" (the
 * document may still be valid).
 */
export function isValidCassetteV1(doc: unknown): doc is Cassette {
  if (!isObject(doc) || !onlyKeys(doc, CASSETTE_KEYS) || doc['version'] !== 1) return false;
  if ('$schema' in doc && typeof doc['$schema'] !== 'string') return false;
  if ('meta' in doc && !isMeta(doc['meta'])) return false;
  const interactions = doc['interactions'];
  if (!Array.isArray(interactions)) return false;
  for (let i = 0; i < interactions.length; i++) {
    if (!(i in interactions) || !isInteraction(interactions[i])) return false;
  }
  return true;
}

function invalid(source: string, problems: readonly SchemaProblem[]): TapedeckError {
  const shown = problems.slice(0, 20);
  const lines = shown.map((p) => `  - ${describePointer(p.pointer)}: ${p.message}`);
  if (problems.length > shown.length)
    lines.push(`  - … and ${problems.length - shown.length} more`);
  return new TapedeckError(
    'TD_CASSETTE_INVALID',
    `Cassette ${source} does not match the cassette format:\n${lines.join('\n')}`,
    {
      details: { file: source, problems },
      hint: 'Fix the file (docs/cassette-format.md describes every field) or re-record it with `tapedeck record`.',
    },
  );
}

/**
 * Interactions that are deep-frozen by `sealCassette`: nothing can change them any more, so
 * their serialized text can be kept and reused.
 */
const sealed = new WeakSet<Interaction>();

/** The text of each sealed interaction as it appears in a cassette file, indent included. */
const interactionTexts = new WeakMap<Interaction, string>();

/** The same as UTF-8 bytes, for `serializeCassetteChunks`. */
const interactionBytes = new WeakMap<Interaction, Uint8Array>();

/** Where interactions sit in a cassette file: `interactions[i]`, four spaces in. */
const INTERACTION_INDENT = '    ';
const SEPARATOR = ',\n';
const utf8 = new TextEncoder();
const SEPARATOR_BYTES = utf8.encode(SEPARATOR);

/**
 * Serializes a cassette deterministically: sorted keys, two-space indent, trailing newline.
 * Recorded JSON bodies keep the key order the API sent, so replay returns the same bytes.
 *
 * The text is exactly `stableStringify({ ...cassette, version }, isInsideJsonBody)`, but the
 * text of each sealed interaction (see `sealCassette`) is kept and reused: serializing a cassette
 * again after appending k interactions to n costs O(k) serialization plus joining n strings.
 */
export function serializeCassette(cassette: Cassette): string {
  return pieces(cassette, interactionText, (text) => text, SEPARATOR).join('');
}

/**
 * The UTF-8 bytes of `serializeCassette(cassette)`, in pieces to write one after the other
 * (one `writev`). The bytes of each sealed interaction are encoded once and reused, so writing
 * a cassette again after appending k interactions to n costs O(k) serialization and encoding,
 * and no string of the whole file is built.
 */
export function serializeCassetteChunks(cassette: Cassette): Uint8Array[] {
  return pieces(cassette, interactionChunk, (text) => utf8.encode(text), SEPARATOR_BYTES);
}

/**
 * The document in pieces: what `stableStringify` writes for `{ ...cassette, version }`, where
 * each interaction is a piece of its own (from `item`) and everything between is `text`.
 */
function pieces<T>(
  cassette: Cassette,
  item: (interaction: Interaction, index: number) => T,
  text: (text: string) => T,
  separator: T,
): T[] {
  const doc: Record<string, unknown> = { ...cassette, version: CASSETTE_VERSION };
  const keys = Object.keys(doc).filter((key) => doc[key] !== undefined);
  keys.sort();
  const out: T[] = [];
  let between = '{\n';
  for (const [k, key] of keys.entries()) {
    if (k > 0) between += ',\n';
    between += `  ${JSON.stringify(key)}: `;
    const value = doc[key];
    if (key === 'interactions' && Array.isArray(value) && value.length > 0) {
      const interactions = value as readonly Interaction[];
      out.push(text(`${between}[\n`));
      for (let i = 0; i < interactions.length; i++) {
        if (i > 0) out.push(separator);
        // A hole in the array (never in a real cassette) is written as nothing, as
        // stableStringify's Array.map and join would.
        out.push(i in interactions ? item(interactions[i]!, i) : text(''));
      }
      between = '\n  ]';
    } else {
      between += stableStringifyAt(value, [key], '  ', isInsideJsonBody, true);
    }
  }
  out.push(text(`${between}\n}\n`));
  return out;
}

function interactionText(interaction: Interaction, index: number): string {
  const known = interactionTexts.get(interaction);
  if (known !== undefined) return known;
  const text = freshText(interaction, index);
  if (sealed.has(interaction)) interactionTexts.set(interaction, text);
  return text;
}

function interactionChunk(interaction: Interaction, index: number): Uint8Array {
  const known = interactionBytes.get(interaction);
  if (known !== undefined) return known;
  const bytes = utf8.encode(interactionTexts.get(interaction) ?? freshText(interaction, index));
  if (sealed.has(interaction)) interactionBytes.set(interaction, bytes);
  return bytes;
}

function freshText(interaction: Interaction, index: number): string {
  // isInsideJsonBody does not depend on the index, so the text fits any position; below a
  // JSON body the order is kept all the way down, so JSON.stringify may write it.
  return (
    INTERACTION_INDENT +
    stableStringifyAt(
      interaction,
      ['interactions', String(index)],
      INTERACTION_INDENT,
      isInsideJsonBody,
      true,
    )
  );
}

/**
 * A deep-frozen cassette whose interactions can be shared and whose serialized text is reused
 * by `serializeCassette`. Interactions sealed before are shared as they are; any other is
 * deep-copied and frozen, so later changes to the caller's objects never reach the result.
 * With `adopt`, the caller hands over a cassette nobody else refers to (one just parsed), and
 * it is frozen in place instead of copied.
 */
export function sealCassette(cassette: Cassette, adopt = false): Cassette {
  const seal = adopt ? deepFreeze : frozenCopy;
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(cassette)) {
    const value = (cassette as unknown as Record<string, unknown>)[key];
    copy[key] =
      key === 'interactions' && Array.isArray(value)
        ? Object.freeze(value.map((interaction: Interaction) => sealInteraction(interaction, seal)))
        : seal(value);
  }
  return Object.freeze(copy) as unknown as Cassette;
}

function sealInteraction(interaction: Interaction, seal: (value: unknown) => unknown): Interaction {
  if (sealed.has(interaction)) return interaction;
  const frozen = seal(interaction) as Interaction;
  if (frozen !== null && typeof frozen === 'object') sealed.add(frozen);
  return frozen;
}

function deepFreeze(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  for (const child of Object.values(value)) deepFreeze(child);
  return Object.freeze(value);
}

function frozenCopy(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return Object.freeze(value.map(frozenCopy));
  const source = value as Record<string, unknown>;
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(source)) {
    const child = frozenCopy(source[key]);
    if (key === '__proto__') {
      // A JSON body may have a "__proto__" key: define it, never set the copy's prototype.
      Object.defineProperty(copy, key, {
        value: child,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    } else copy[key] = child;
  }
  return Object.freeze(copy);
}
