import { TapedeckError } from '../errors.js';
import { stableStringifyAt } from '../json.js';
import { lineAndColumn } from '../jsonc.js';
import { contentProblems, jsonShapeProblem, withHeaderNames } from './load-checks.js';
import { decodeUtf8 } from '../utf8.js';
import { compileValidator, describePointer, type SchemaProblem } from '../validation.js';
import { CASSETTE_VERSION, isInsideJsonBody, type Cassette, type Interaction } from './model.js';
import { isValidCassetteV1 } from './fast-check.js';
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
 * Parses and validates a cassette file's bytes (strict UTF-8; a leading byte-order mark is
 * dropped) or text. `source` names the file in errors. Throws a TD_CASSETTE_INVALID or
 * TD_CASSETTE_VERSION error that lists every problem with its JSON pointer.
 *
 * Besides the format, it refuses what would load as something else or break a later step
 * (docs/cassette-format.md, "What tapedeck refuses to load"): invalid UTF-8, a key repeated in
 * one object, JSON nested deeper than MAX_JSON_DEPTH (in the file or in a text body holding
 * JSON), and header values no HTTP message may carry (CR, LF, NUL, other controls).
 */
export function parseCassette(input: string | Uint8Array, source: string): ParsedCassette {
  let text: string;
  if (typeof input === 'string') text = input;
  else {
    const decoded = decodeUtf8(input);
    if (!decoded.ok) {
      throw new TapedeckError(
        'TD_CASSETTE_INVALID',
        `Cassette ${source} is not valid UTF-8: the byte at offset ${decoded.offset} cannot start or continue a character.`,
        {
          details: { file: source, byteOffset: decoded.offset },
          hint: 'Cassettes are UTF-8 JSON: restore the file from git or re-record it with `tapedeck record`; binary bodies belong in `"encoding": "base64"`.',
        },
      );
    }
    text = decoded.text;
  }
  if (text.trim() === '') {
    throw new TapedeckError(
      'TD_CASSETTE_INVALID',
      `Cassette ${source} is empty (${text.length === 0 ? '0 bytes' : 'only whitespace'}).`,
      {
        details: { file: source },
        hint: 'Delete it, restore it from git, or re-record it with `tapedeck record`.',
      },
    );
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (cause) {
    const message = (cause as Error).message;
    const position = /position (\d+)/.exec(message);
    const at = position ? lineAndColumn(text, Number(position[1])) : undefined;
    throw new TapedeckError(
      'TD_CASSETTE_INVALID',
      `Cassette ${source} is not valid JSON${at ? ` at line ${at.line}, column ${at.column}` : ''}: ${message}.`,
      {
        cause,
        details: { file: source },
        hint: 'Fix the file by hand (git diff shows what changed) or re-record it with `tapedeck record`.',
      },
    );
  }
  const shape = jsonShapeProblem(text, doc);
  if (shape !== undefined) throw invalid(source, [shape]);
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
    if (!result.ok) throw invalid(source, withHeaderNames(current, result.problems));
    cassette = result.value as Cassette;
  }
  const problems = contentProblems(cassette);
  if (problems.length > 0) throw invalid(source, problems);
  return version === CASSETTE_VERSION ? { cassette } : { cassette, upgradedFrom: version };
}

// eslint-disable-next-line no-control-regex -- control characters are what it looks for
const CONTROL = /[\u0000-\u001f\u007f]/g;

function escapeControls(text: string): string {
  return text.replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function invalid(source: string, problems: readonly SchemaProblem[]): TapedeckError {
  // A pointer holds keys as they are; one with a control character (a header name with CR LF)
  // is shown escaped, so every problem stays on its line.
  problems = problems.map((p) =>
    escapeControls(p.pointer) === p.pointer ? p : { ...p, pointer: escapeControls(p.pointer) },
  );
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
