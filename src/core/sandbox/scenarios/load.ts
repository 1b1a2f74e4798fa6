/**
 * Loading the scenario catalogue: the config's `sandbox.scenarios`, then the `*.json` files of
 * `sandbox.scenariosDir` (name order), then the preset's (Stripe's test cards). Catalogue order
 * is the order a request's value triggers are tried in, so a partner's own scenario comes before
 * the preset's. Every source is validated by the shipped schema and by the checks a schema
 * cannot make; each problem is a TD_SCENARIO_INVALID naming the source and the JSON pointer.
 * Whether an operation exists, and whether it is a state route, only the composed sandbox
 * knows: it checks those against the model and the spec (app/compose/sandbox.ts).
 */
import { TapedeckError } from '../../errors.js';
import { parseJsonc } from '../../jsonc.js';
import type { RegexSafetyCheck } from '../../redaction/rules.js';
import { compileValidator } from '../../validation.js';
import { scenariosSchema } from './schema.js';
import type {
  LoadedScenario,
  ScenarioCatalogue,
  ScenarioDecl,
  ValueSource,
  ValueTest,
  ValueTrigger,
} from './types.js';

const validateFile = compileValidator<{ scenarios: ScenarioDecl[] }>(scenariosSchema);

export const VALUE_TESTS = ['equals', 'oneOf', 'prefix', 'regex', 'range'] as const;

export interface LoadCatalogueOptions {
  /** `sandbox.scenarios` of the config. */
  readonly config: readonly unknown[];
  /** `sandbox.scenariosDir`; a directory that does not exist holds no files. */
  readonly dir: string | undefined;
  /** The profile's scenarios (undefined when `sandbox.presetScenarios` is off). */
  readonly preset:
    { readonly name: string; readonly scenarios: readonly ScenarioDecl[] } | undefined;
  /** Reads a file of `dir` (core does no I/O: compose passes node:fs). */
  readonly readFile?: (file: string) => string;
  /** The names in `dir`, or undefined when it does not exist. Without it, `dir` gives no files. */
  readonly listDir?: (dir: string) => readonly string[] | undefined;
  /** The ReDoS analysis regex tests go through (recheck, as for redaction rules). */
  readonly recheckSafety: RegexSafetyCheck;
}

interface Problem {
  readonly pointer: string;
  readonly message: string;
}

const SCHEMA_HINT =
  'Fix the scenario (schemas/scenarios.schema.json describes every member; `tapedeck scenarios` lists the catalogue).';

function invalid(file: string, problems: readonly Problem[], hint = SCHEMA_HINT): TapedeckError {
  const line = (p: Problem) => `${p.pointer === '' ? '(top level)' : p.pointer} ${p.message}`;
  const head =
    problems.length === 1
      ? `Scenarios ${file}: ${line(problems[0]!)}`
      : `Scenarios ${file} do not load:\n${problems.map((p) => `  ${line(p)}`).join('\n')}`;
  return new TapedeckError('TD_SCENARIO_INVALID', head, {
    details: { file, pointer: problems[0]?.pointer ?? '' },
    hint,
  });
}

/** The one value test of a trigger or condition, or a problem when it has none or several. */
function testsOf(test: ValueTest): readonly string[] {
  return VALUE_TESTS.filter((t) => Object.hasOwn(test, t));
}

function checkTest(
  test: ValueTest & { readonly in: ValueSource; readonly path: string },
  at: string,
  check: RegexSafetyCheck,
  problems: Problem[],
): void {
  const tests = testsOf(test);
  if (tests.length !== 1) {
    problems.push({
      pointer: at,
      message:
        tests.length === 0
          ? `tests nothing: give exactly one of ${VALUE_TESTS.join(', ')}`
          : `has ${tests.length} tests (${tests.join(', ')}): give exactly one; to require several values, add them under "and"`,
    });
    return;
  }
  if ('regex' in test) {
    try {
      new RegExp(test.regex);
    } catch (error) {
      problems.push({
        pointer: `${at}/regex`,
        message: `is not a valid regular expression: ${(error as Error).message}`,
      });
      return;
    }
    const verdict = check(test.regex, '');
    if (!verdict.safe)
      problems.push({
        pointer: `${at}/regex`,
        message: `${JSON.stringify(test.regex)} can backtrack catastrophically (${verdict.why}); remove nested repetition, e.g. write (a+)+ as a+, or use prefix/oneOf`,
      });
  }
  if ('range' in test) {
    const { min, max } = test.range;
    if (min !== undefined && max !== undefined && min > max)
      problems.push({ pointer: `${at}/range`, message: `min (${min}) is above max (${max})` });
  }
}

/** What the schema cannot say about one scenario. */
function checkScenario(
  scenario: ScenarioDecl,
  at: string,
  check: RegexSafetyCheck,
  problems: Problem[],
): void {
  const isState = 'state' in scenario.outcome;
  scenario.triggers.forEach((trigger, i) => {
    if (!('value' in trigger)) return;
    const value: ValueTrigger = trigger.value;
    const base = `${at}/triggers/${i}/value`;
    checkTest(value, base, check, problems);
    if (value.in === 'resource' && !isState)
      problems.push({
        pointer: `${base}/in`,
        message:
          '"resource" reads the object the state layer acts on, so it needs a "state" outcome; read the request with "body", "query" or "header"',
      });
    (value.and ?? []).forEach((condition, j) => {
      checkTest(condition, `${base}/and/${j}`, check, problems);
      if (condition.in === 'resource' && value.in !== 'resource')
        problems.push({
          pointer: `${base}/and/${j}/in`,
          message:
            'a "resource" condition needs a trigger "in": "resource" (the object is only known to the state layer)',
        });
    });
  });
}

function readSource(
  items: readonly unknown[],
  source: string,
  base: string,
  check: RegexSafetyCheck,
): LoadedScenario[] {
  const result = validateFile({ scenarios: items });
  if (!result.ok)
    throw invalid(
      source,
      result.problems.map((p) => ({
        pointer: `${base}${p.pointer.slice('/scenarios'.length)}`,
        message: p.message,
      })),
    );
  const problems: Problem[] = [];
  const loaded = result.value.scenarios.map((scenario, i) => {
    const pointer = `${base}/${i}`;
    checkScenario(scenario, pointer, check, problems);
    return { ...scenario, source, pointer };
  });
  if (problems.length > 0) throw invalid(source, problems);
  return loaded;
}

function readFileSource(text: string, file: string, check: RegexSafetyCheck): LoadedScenario[] {
  const parsed = parseJsonc(text);
  if (!parsed.ok)
    throw invalid(file, [
      { pointer: '', message: `is not valid JSON${parsed.where}: ${parsed.message}` },
    ]);
  const document = parsed.value;
  if (typeof document !== 'object' || document === null || Array.isArray(document))
    throw invalid(file, [{ pointer: '', message: 'must be an object {"scenarios": [...]}' }]);
  const { scenarios, ...rest } = document as Record<string, unknown>;
  const extra = Object.keys(rest).filter((k) => k !== '$schema');
  if (extra.length > 0)
    throw invalid(
      file,
      extra.map((k) => ({
        pointer: `/${k}`,
        message: 'is not a known property. Allowed here: $schema, scenarios',
      })),
    );
  if (!Array.isArray(scenarios))
    throw invalid(file, [{ pointer: '/scenarios', message: 'must be an array of scenarios' }]);
  return readSource(scenarios as unknown[], file, '/scenarios', check);
}

function joinPath(dir: string, name: string): string {
  return dir.endsWith('/') || dir.endsWith('\\') ? `${dir}${name}` : `${dir}/${name}`;
}

/** The catalogue, validated; throws TD_SCENARIO_INVALID at the first source that does not load. */
export function loadCatalogue(o: LoadCatalogueOptions): ScenarioCatalogue {
  const check = o.recheckSafety;
  const scenarios: LoadedScenario[] = [];
  scenarios.push(...readSource(o.config, 'config', '/sandbox/scenarios', check));
  if (o.dir !== undefined && o.listDir !== undefined) {
    const names = (o.listDir(o.dir) ?? []).filter((n) => n.endsWith('.json')).sort();
    for (const name of names) {
      const file = joinPath(o.dir, name);
      let text: string;
      try {
        if (o.readFile === undefined) throw new Error('no reader given');
        text = o.readFile(file);
      } catch (cause) {
        throw new TapedeckError('TD_SCENARIO_INVALID', `Scenario file ${file} cannot be read.`, {
          cause,
          details: { file, pointer: '' },
          hint: 'Check the file’s permissions, or move it out of sandbox.scenariosDir.',
        });
      }
      scenarios.push(...readFileSource(text, file, check));
    }
  }
  if (o.preset !== undefined)
    scenarios.push(
      ...readSource(o.preset.scenarios, `preset:${o.preset.name}`, '/scenarios', check),
    );
  const seen = new Map<string, LoadedScenario>();
  for (const scenario of scenarios) {
    const first = seen.get(scenario.name);
    if (first !== undefined)
      throw new TapedeckError(
        'TD_SCENARIO_INVALID',
        `Scenario "${scenario.name}" is declared twice: in ${first.source} at ${first.pointer} and in ${scenario.source} at ${scenario.pointer}.`,
        {
          details: {
            file: scenario.source,
            pointer: `${scenario.pointer}/name`,
            first: { file: first.source, pointer: first.pointer },
          },
          hint:
            first.source.startsWith('preset:') || scenario.source.startsWith('preset:')
              ? 'Rename yours, or set sandbox.presetScenarios to false to replace the preset’s scenarios with your own.'
              : 'Scenario names are unique across the catalogue: rename one of them.',
        },
      );
    seen.set(scenario.name, scenario);
  }
  return { scenarios: deepFreeze(scenarios) };
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value as Record<string, unknown>)) deepFreeze(child);
  }
  return value;
}
