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
import { escapePointerToken, isRecord } from '../../json.js';
import { parseJsonc } from '../../jsonc.js';
import type { RegexSafetyCheck } from '../../redaction/rules.js';
import { compileValidator } from '../../validation.js';
import {
  HEADER_NAME_PATTERN,
  HEADER_VALUE_PATTERN,
  SERVER_SET_HEADERS,
  scenariosSchema,
} from './schema.js';
import {
  describeScenarioPlace,
  describeScenarioSource,
  type LoadedScenario,
  type ScenarioCatalogue,
  type ScenarioDecl,
  type ValueSource,
  type ValueTest,
  type ValueTrigger,
} from './types.js';

const validateFile = compileValidator<{ scenarios: ScenarioDecl[] }>(scenariosSchema);

export const VALUE_TESTS = ['equals', 'oneOf', 'prefix', 'regex', 'range'] as const;

export interface LoadCatalogueOptions {
  /** `sandbox.scenarios` of the config. */
  readonly config: readonly unknown[];
  /** The config file `config` was read from, for messages; without it they say "the config's". */
  readonly configFile?: string | undefined;
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
  'Fix what the message names: schemas/scenarios.schema.json describes every member (point "$schema" at it for editor completion), docs/scenarios.md the triggers and outcomes.';

/** `details.file` of an error: the config file when known, else the source as listed. */
const detailsFile = (source: string, configFile: string | undefined) =>
  source === 'config' && configFile !== undefined ? configFile : source;

const capitalized = (text: string) => `${text.charAt(0).toUpperCase()}${text.slice(1)}`;

function invalid(
  source: string,
  problems: readonly Problem[],
  configFile: string | undefined,
  hint = SCHEMA_HINT,
): TapedeckError {
  const where = describeScenarioSource(source, configFile);
  const one = (p: Problem) => (p.pointer === '' ? p.message : `at ${p.pointer}: ${p.message}`);
  const head =
    problems.length === 1
      ? `${capitalized(where)} ${one(problems[0]!)}`
      : `${capitalized(where)} does not load (${problems.length} problems):\n${problems.map((p) => `  - ${one(p)}`).join('\n')}`;
  return new TapedeckError('TD_SCENARIO_INVALID', head, {
    details: { file: detailsFile(source, configFile), pointer: problems[0]?.pointer ?? '' },
    hint,
  });
}

/**
 * The problems worth showing of a schema's: an `if`/`then`/`else` or a `oneOf`/`anyOf` says
 * only that a branch failed, so it goes when a more precise problem sits at or under its place.
 */
const BRANCH_MESSAGES = [
  /^must match "(then|else)" schema$/,
  /^must match exactly one schema in oneOf$/,
  /^must match a schema in anyOf$/,
];
function preciseProblems(problems: readonly Problem[]): Problem[] {
  return problems.filter(
    (p) =>
      !BRANCH_MESSAGES.some((m) => m.test(p.message)) ||
      !problems.some(
        (q) =>
          q !== p &&
          !BRANCH_MESSAGES.some((m) => m.test(q.message)) &&
          (q.pointer === p.pointer || q.pointer.startsWith(`${p.pointer}/`)),
      ),
  );
}

const RECORDED_FORMS =
  'must be {"cassette": NAME, "interaction": INDEX} (the cassette\'s interaction at INDEX, counted from 0) or {"status": CODE} (the operation\'s recorded answer with that status), one form whole, not a mix';

/** The members of `recorded` when the schema found its form wrong ({}, a lone member, a mix). */
function recordedFormProblem(pointer: string, value: unknown): Problem {
  const has = isRecord(value)
    ? ['cassette', 'interaction', 'status'].filter((k) => Object.hasOwn(value, k))
    : [];
  return {
    pointer,
    message: `${RECORDED_FORMS}; this one has ${has.length === 0 ? 'none of them' : has.map((k) => `"${k}"`).join(' and ')}`,
  };
}

const TOKEN = new RegExp(HEADER_NAME_PATTERN);
const FIELD_VALUE = new RegExp(HEADER_VALUE_PATTERN);
const SERVER_SET: ReadonlySet<string> = new Set(SERVER_SET_HEADERS);

/** What is wrong with one inline header, in words, or undefined. */
function headerProblem(name: string, value: unknown): string | undefined {
  const shown = JSON.stringify(name);
  if (!TOKEN.test(name))
    return `header name ${shown} is not an HTTP token (RFC 9110): use letters, digits and !#$%&'*+-.^_\`|~, no spaces, colons or other characters`;
  if (SERVER_SET.has(name.toLowerCase()))
    return name.toLowerCase() === 'content-length' || name.toLowerCase() === 'transfer-encoding'
      ? `header ${shown} frames the body, and the server writes it from the body it sends: remove it (to send a body cut short of its length, use the "truncated" fault)`
      : `header ${shown} belongs to the connection, which the server manages: remove it (to close the connection, use the "close" or "reset" fault)`;
  if (typeof value !== 'string') return `header ${shown} must have a string value`;
  if (FIELD_VALUE.test(value)) return undefined;
  const bad = [...value].find((c) => !FIELD_VALUE.test(c))!;
  const code = `U+${bad.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
  if (bad === '\r' || bad === '\n')
    return `header ${shown} has a line break (${bad === '\r' ? 'CR' : 'LF'}) in its value: a header value is one line; remove the line break`;
  if (bad.codePointAt(0)! > 0xff)
    return `header ${shown} has ${JSON.stringify(bad)} (${code}) in its value, outside Latin-1: header values are bytes; use ASCII (percent-encode the text, or put it in the body)`;
  return `header ${shown} has the control character ${code} in its value: use visible characters, spaces and tabs only`;
}

/** The problems of a raw scenario's inline headers, located under `at` (the scenario). */
function inlineHeaderProblems(item: unknown, at: string): Problem[] {
  const outcome = isRecord(item) ? item['outcome'] : undefined;
  const inline = isRecord(outcome) ? outcome['inline'] : undefined;
  const headers = isRecord(inline) ? inline['headers'] : undefined;
  if (!isRecord(headers)) return [];
  const problems: Problem[] = [];
  for (const [name, value] of Object.entries(headers)) {
    const message = headerProblem(name, value);
    if (message !== undefined)
      problems.push({
        pointer: `${at}/outcome/inline/headers/${escapePointerToken(name)}`,
        message,
      });
  }
  return problems;
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

interface SourceContext {
  readonly check: RegexSafetyCheck;
  readonly configFile: string | undefined;
}

/**
 * The schema's problems, made precise: branch noise dropped, a wrong `recorded` form said once,
 * and inline headers described by what is wrong with each (their schema problems replaced).
 */
function schemaProblems(
  items: readonly unknown[],
  base: string,
  raw: readonly Problem[],
  headers: readonly Problem[],
): Problem[] {
  const located = raw.map((p) => ({
    pointer: `${base}${p.pointer.slice('/scenarios'.length)}`,
    message: p.message,
  }));
  const headerObjects = new Set(headers.map((p) => p.pointer.replace(/\/[^/]*$/, '')));
  const recordedForms = new Map<string, Problem>();
  const kept = located.filter((p) => {
    const inHeaders = [...headerObjects].some(
      (h) => p.pointer === h || p.pointer.startsWith(`${h}/`),
    );
    if (inHeaders) return false;
    const recorded = /^\/(\d+)\/outcome\/recorded$/.exec(p.pointer.slice(base.length));
    // The form's branches: "must have the property", "must NOT be valid", the oneOf itself.
    if (recorded !== null && p.message !== 'must be object') {
      const item = items[Number(recorded[1])];
      const outcome = isRecord(item) ? item['outcome'] : undefined;
      if (!recordedForms.has(p.pointer))
        recordedForms.set(
          p.pointer,
          recordedFormProblem(p.pointer, isRecord(outcome) ? outcome['recorded'] : undefined),
        );
      return false;
    }
    return true;
  });
  // Not beside a problem that explains it: `recorded` is no object, or has an unknown member.
  const forms = [...recordedForms.values()].filter(
    (f) => !kept.some((p) => p.pointer === f.pointer || p.pointer.startsWith(`${f.pointer}/`)),
  );
  return preciseProblems([...kept, ...forms, ...headers]);
}

function readSource(
  items: readonly unknown[],
  source: string,
  base: string,
  context: SourceContext,
): LoadedScenario[] {
  const headers = items.flatMap((item, i) => inlineHeaderProblems(item, `${base}/${i}`));
  const result = validateFile({ scenarios: items });
  if (!result.ok || headers.length > 0)
    throw invalid(
      source,
      schemaProblems(items, base, result.ok ? [] : result.problems, headers),
      context.configFile,
    );
  const problems: Problem[] = [];
  const loaded = result.value.scenarios.map((scenario, i) => {
    const pointer = `${base}/${i}`;
    checkScenario(scenario, pointer, context.check, problems);
    return { ...scenario, source, pointer };
  });
  if (problems.length > 0) throw invalid(source, problems, context.configFile);
  return loaded;
}

function readFileSource(text: string, file: string, context: SourceContext): LoadedScenario[] {
  const parsed = parseJsonc(text);
  if (!parsed.ok)
    throw invalid(
      file,
      [{ pointer: '', message: `is not valid JSON${parsed.where}: ${parsed.message}` }],
      undefined,
    );
  const document = parsed.value;
  if (typeof document !== 'object' || document === null || Array.isArray(document))
    throw invalid(
      file,
      [{ pointer: '', message: 'must be an object {"scenarios": [...]}' }],
      undefined,
    );
  const { scenarios, ...rest } = document as Record<string, unknown>;
  const extra = Object.keys(rest).filter((k) => k !== '$schema');
  if (extra.length > 0)
    throw invalid(
      file,
      extra.map((k) => ({
        pointer: `/${k}`,
        message: 'is not a known property. Allowed here: $schema, scenarios',
      })),
      undefined,
    );
  if (!Array.isArray(scenarios))
    throw invalid(
      file,
      [{ pointer: '/scenarios', message: 'must be an array of scenarios' }],
      undefined,
    );
  return readSource(scenarios as unknown[], file, '/scenarios', context);
}

function joinPath(dir: string, name: string): string {
  return dir.endsWith('/') || dir.endsWith('\\') ? `${dir}${name}` : `${dir}/${name}`;
}

/** The catalogue, validated; throws TD_SCENARIO_INVALID at the first source that does not load. */
export function loadCatalogue(o: LoadCatalogueOptions): ScenarioCatalogue {
  const context: SourceContext = { check: o.recheckSafety, configFile: o.configFile };
  const place = (s: LoadedScenario) => describeScenarioPlace(s.source, s.pointer, o.configFile);
  const scenarios: LoadedScenario[] = [];
  scenarios.push(...readSource(o.config, 'config', '/sandbox/scenarios', context));
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
      scenarios.push(...readFileSource(text, file, context));
    }
  }
  if (o.preset !== undefined)
    scenarios.push(
      ...readSource(o.preset.scenarios, `preset:${o.preset.name}`, '/scenarios', context),
    );
  const seen = new Map<string, LoadedScenario>();
  for (const scenario of scenarios) {
    const first = seen.get(scenario.name);
    if (first !== undefined)
      throw new TapedeckError(
        'TD_SCENARIO_INVALID',
        `Scenario "${scenario.name}" is declared twice: in ${place(first)} and in ${place(scenario)}.`,
        {
          details: {
            file: detailsFile(scenario.source, o.configFile),
            pointer: `${scenario.pointer}/name`,
            first: { file: detailsFile(first.source, o.configFile), pointer: first.pointer },
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
