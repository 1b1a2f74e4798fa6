/**
 * Reading a readiness criteria file (JSON with comments, as scenario files are): the shipped
 * schema, then what a schema says badly (a kind that does not exist, ids used twice). Every
 * problem is a TD_READINESS_CRITERIA_INVALID naming the file and the JSON pointer, with the next
 * step. Pure: app/readiness/criteria.ts reads the file and hashes it.
 */
import { TapedeckError } from '../errors.js';
import { isRecord } from '../json.js';
import { parseJsonc } from '../jsonc.js';
import { compileValidator, nearestNames, type SchemaProblem } from '../validation.js';
import { CRITERION_KINDS } from './defaults.js';
import { readinessCriteriaSchema } from './schema.js';
import type { ReadinessCriteria } from './types.js';

const validate = compileValidator<ReadinessCriteria & { $schema?: string }>(
  readinessCriteriaSchema,
);

const HINT =
  'Fix what the message names: schemas/readiness-criteria.schema.json describes every member (point "$schema" at it for editor completion), docs/readiness.md each kind.';

function invalid(file: string, problems: readonly SchemaProblem[]): TapedeckError {
  const one = (p: SchemaProblem) =>
    p.pointer === '' ? p.message : `at ${p.pointer}: ${p.message}`;
  const message =
    problems.length === 1
      ? `Readiness criteria file ${file} ${one(problems[0]!)}.`
      : `Readiness criteria file ${file} does not load (${problems.length} problems):\n${problems.map((p) => `  - ${one(p)}`).join('\n')}`;
  return new TapedeckError('TD_READINESS_CRITERIA_INVALID', message, {
    details: { file, pointer: problems[0]?.pointer ?? '' },
    hint: HINT,
  });
}

/**
 * The kind of each criterion, checked before the schema: the schema picks a criterion's shape
 * by its kind, so a missing or unknown kind would otherwise give a message about shapes.
 */
function kindProblems(criteria: readonly unknown[]): SchemaProblem[] {
  const known: readonly string[] = CRITERION_KINDS;
  const problems: SchemaProblem[] = [];
  criteria.forEach((item, i) => {
    if (!isRecord(item)) return; // the schema says "must be object"
    const kind = item['kind'];
    const listed = `one of ${known.map((k) => `"${k}"`).join(', ')}`;
    if (kind === undefined)
      problems.push({ pointer: `/criteria/${i}`, message: `must have a "kind": ${listed}` });
    else if (typeof kind !== 'string' || !known.includes(kind)) {
      const near = typeof kind === 'string' ? nearestNames(kind, known) : [];
      problems.push({
        pointer: `/criteria/${i}/kind`,
        message: `${JSON.stringify(kind)} is no kind of criterion${near.length > 0 ? `; did you mean "${near[0]!}"?` : ''} Use ${listed}`,
      });
    }
  });
  return problems;
}

/**
 * The problems worth showing: a `oneOf` of the operation forms (a name or {operation, min})
 * says only that no branch fit, when a more precise problem sits at or under its place.
 */
function precise(problems: readonly SchemaProblem[]): SchemaProblem[] {
  const vague = (p: SchemaProblem) => /^must match a schema in anyOf$/.test(p.message);
  return problems.filter(
    (p) =>
      !vague(p) ||
      !problems.some((q) => q !== p && !vague(q) && q.pointer.startsWith(`${p.pointer}/`)),
  );
}

/** The criteria of a file's text; throws TD_READINESS_CRITERIA_INVALID naming `file`. */
export function parseCriteria(text: string, file: string): ReadinessCriteria {
  const parsed = parseJsonc(text);
  if (!parsed.ok)
    throw invalid(file, [
      { pointer: '', message: `is not valid JSON${parsed.where}: ${parsed.message}` },
    ]);
  const document = parsed.value;
  if (!isRecord(document))
    throw invalid(file, [
      { pointer: '', message: 'must be an object {"name", "criteria": [...]}' },
    ]);
  const items = document['criteria'];
  if (Array.isArray(items)) {
    const problems = kindProblems(items);
    if (problems.length > 0) throw invalid(file, problems);
  }
  const result = validate(document);
  if (!result.ok) throw invalid(file, precise(result.problems));
  const seen = new Map<string, number>();
  const twice: SchemaProblem[] = [];
  result.value.criteria.forEach((criterion, i) => {
    const first = seen.get(criterion.id);
    if (first === undefined) seen.set(criterion.id, i);
    else
      twice.push({
        pointer: `/criteria/${i}/id`,
        message: `"${criterion.id}" is the id of /criteria/${first} too: ids are unique in a file (reports and sign-offs name criteria by them); rename one`,
      });
  });
  if (twice.length > 0) throw invalid(file, twice);
  const { name, criteria } = result.value;
  return { name, criteria };
}
