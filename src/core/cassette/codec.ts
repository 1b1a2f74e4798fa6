import { TapedeckError } from '../errors.js';
import { stableStringify } from '../json.js';
import { compileValidator, describePointer, type SchemaProblem } from '../validation.js';
import { CASSETTE_VERSION, isInsideJsonBody, type Cassette } from './model.js';
import { cassetteSchemaV1 } from './schema.js';

const validateV1 = compileValidator<Cassette>(cassetteSchemaV1);

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
  const result = validateV1(current);
  if (!result.ok) throw invalid(source, result.problems);
  return version === CASSETTE_VERSION
    ? { cassette: result.value }
    : { cassette: result.value, upgradedFrom: version };
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
 * Serializes a cassette deterministically: sorted keys, two-space indent, trailing newline.
 * Recorded JSON bodies keep the key order the API sent, so replay returns the same bytes.
 */
export function serializeCassette(cassette: Cassette): string {
  return stableStringify({ ...cassette, version: CASSETTE_VERSION }, isInsideJsonBody);
}
