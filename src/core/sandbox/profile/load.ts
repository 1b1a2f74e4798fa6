/**
 * Loading an API profile: a preset name, or a file (JSON with comments) validated by the profile
 * schema — errors name the file and the JSON pointer — merged over the preset it `extends`
 * (`standard` when it names none), its live patterns compiled and checked for catastrophic
 * backtracking like redaction rules, and the checks a schema cannot express.
 */
import { TapedeckError } from '../../errors.js';
import { isRecord, type JsonValue } from '../../json.js';
import { parseJsonc } from '../../jsonc.js';
import { LIVE_KEY_DETECTORS } from '../../redaction/detectors.js';
import type { RegexSafetyCheck } from '../../redaction/rules.js';
import { compileValidator } from '../../validation.js';
import { isPresetName, PRESETS, type PresetName } from './presets/index.js';
import { apiProfileSchema } from './schema.js';
import type { ApiProfile } from './types.js';

type ProfileFile = { name: string; extends?: PresetName } & Record<string, unknown>;

const validateProfileFile = compileValidator<ProfileFile>(apiProfileSchema);

/**
 * Members replaced whole when a file sets them (a value, not a set of settings): the error
 * template, the list envelope, an id shape, each kind's style, each constant, each member of a
 * resource override. `*` is one object key.
 */
const ATOMIC = [
  '/errors/template',
  '/errors/kinds/*',
  '/pagination/envelope',
  '/webhooks/envelope',
  '/ids/default',
  '/ids/byType/*',
  '/resources/constants/*',
  '/resources/overrides/*/*',
];

function isAtomic(path: readonly string[]): boolean {
  return ATOMIC.some((pattern) => {
    const parts = pattern.slice(1).split('/');
    return parts.length === path.length && parts.every((p, i) => p === '*' || p === path[i]);
  });
}

/** `over` on top of `base`: objects merge member by member, everything else replaces. */
function mergeOver(base: unknown, over: unknown, path: readonly string[]): unknown {
  if (!isRecord(base) || !isRecord(over) || Array.isArray(base) || Array.isArray(over)) return over;
  if (isAtomic(path)) return over;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    Object.defineProperty(out, key, {
      value: Object.hasOwn(base, key) ? mergeOver(base[key], value, [...path, key]) : value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

function invalid(file: string, lines: readonly string[], hint?: string): TapedeckError {
  const head =
    lines.length === 1
      ? `API profile ${file}: ${lines[0]}`
      : `API profile ${file} does not load:\n${lines.map((l) => `  ${l}`).join('\n')}`;
  return new TapedeckError('TD_PROFILE_INVALID', head, {
    details: { file },
    hint:
      hint ??
      'Fix the file (schemas/api-profile.schema.json describes every member), or use a preset: --profile standard|stripe|github.',
  });
}

/**
 * A pure stand-in for recheck when no check is injected: refuses a repetition of a group that
 * itself repeats (`(a+)+`, `(\w*\s?)*`), the shape behind nearly every catastrophic pattern.
 */
export const nestedRepetitionCheck: RegexSafetyCheck = (source) => {
  const stack: boolean[] = [];
  let repeats = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i]!;
    if (c === '\\') {
      i++;
      continue;
    }
    if (c === '[') {
      while (i < source.length && source[i] !== ']') i += source[i] === '\\' ? 2 : 1;
      continue;
    }
    if (c === '(') {
      stack.push(repeats);
      repeats = false;
    } else if (c === ')') {
      const inner: boolean = repeats;
      repeats = stack.pop() ?? false;
      const next = source[i + 1];
      if (inner && (next === '+' || next === '*' || next === '{'))
        return { safe: false, why: 'a repeated group contains a repetition' };
      repeats ||= inner;
    } else if (c === '+' || c === '*' || c === '{') repeats = true;
  }
  return { safe: true };
};

/**
 * Prefixes of live credentials (Stripe's live keys, GitHub's tokens) and any prefix that says
 * `live`: whatever their length, keys that start so look live to people and to secret scanners.
 */
const LIVE_PREFIX = /^(?:[spr]k_live_|gh[pousr]_|github_pat_)|(?:^|_)live_/;

/** Keys of this prefix as the sandbox mints them (22 + 6 base62), and longer token lengths. */
function sandboxKeySamples(prefix: string): string[] {
  const body = 'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8s9T0u1V2w3X4';
  return [28, 36, 40].map((n) => `${prefix}${body.slice(0, n)}`);
}

/** The checks after the merge: what JSON Schema cannot say. */
function checkResolved(profile: ApiProfile, file: string, check: RegexSafetyCheck): void {
  const problems: string[] = [];
  const { pagination } = profile;
  if (pagination.defaultLimit > pagination.maxLimit)
    problems.push(
      `/pagination/defaultLimit (${pagination.defaultLimit}) must be <= /pagination/maxLimit (${pagination.maxLimit})`,
    );
  if (pagination.style === 'cursor-id' && pagination.afterParam === undefined)
    problems.push('/pagination/afterParam must be set when /pagination/style is "cursor-id"');
  if (pagination.style === 'page' && pagination.pageParam === undefined)
    problems.push('/pagination/pageParam must be set when /pagination/style is "page"');
  const { keyPrefix } = profile.credentials;
  const samples = sandboxKeySamples(keyPrefix);
  const liveDetector = LIVE_KEY_DETECTORS.find((d) =>
    samples.some((key) => new RegExp(d.pattern.source, d.pattern.flags.replace('g', '')).test(key)),
  );
  if (liveDetector !== undefined || LIVE_PREFIX.test(keyPrefix))
    problems.push(
      `/credentials/keyPrefix ${JSON.stringify(keyPrefix)} is the prefix of live credentials${liveDetector === undefined ? '' : ` (${liveDetector.id})`}: sandbox keys must never look like live ones (the sandbox would refuse its own keys, secret scanners would flag them); use a test prefix such as sk_test_ or tdk_test_`,
    );
  profile.credentials.livePatterns.forEach((source, i) => {
    let compiled: RegExp;
    try {
      compiled = new RegExp(source);
    } catch (error) {
      problems.push(
        `/credentials/livePatterns/${i} is not a valid regular expression: ${(error as Error).message}`,
      );
      return;
    }
    const verdict = check(source, '');
    if (!verdict.safe) {
      problems.push(
        `/credentials/livePatterns/${i} ${JSON.stringify(source)} can backtrack catastrophically (${verdict.why}); remove nested repetition, e.g. write (a+)+ as a+`,
      );
      return;
    }
    if (samples.some((key) => compiled.test(key)))
      problems.push(
        `/credentials/livePatterns/${i} ${JSON.stringify(source)} matches this profile's own sandbox keys (${keyPrefix}…), so every key would be refused as live; anchor it on the live prefix, e.g. ^sk_live_`,
      );
  });
  if (problems.length > 0) throw invalid(file, problems);
}

/**
 * A profile file's text, validated and resolved. `file` names it in every error.
 */
export function parseProfile(
  text: string,
  file: string,
  check: RegexSafetyCheck = nestedRepetitionCheck,
): ApiProfile {
  const parsed = parseJsonc(text);
  if (!parsed.ok) throw invalid(file, [`is not valid JSON${parsed.where}: ${parsed.message}`]);
  const result = validateProfileFile(parsed.value);
  if (!result.ok)
    throw invalid(
      file,
      result.problems.map((p) => `${p.pointer === '' ? '(top level)' : p.pointer} ${p.message}`),
    );
  const { extends: base = 'standard', $schema: _schema, ...own } = result.value;
  void _schema;
  const merged = mergeOver(PRESETS[base], own, []) as Record<string, unknown>;
  const errors = merged['errors'] as Record<string, unknown>;
  // `"template": null` drops an inherited template (back to the spec's error, else problem+json).
  if (errors['template'] === null) {
    const { template: _dropped, ...rest } = errors;
    void _dropped;
    merged['errors'] = rest;
  }
  const profile = merged as unknown as ApiProfile;
  checkResolved(profile, file, check);
  return deepFreeze(profile);
}

/**
 * `standard` | `stripe` | `github`, or a profile file read through `read` (injected: core does no
 * I/O). `check` is the ReDoS analysis for live patterns (recheck, from the adapters); without it
 * a pure check refuses nested repetition.
 */
export function resolveProfile(
  nameOrFile: string,
  read: (file: string) => string,
  check?: RegexSafetyCheck,
): ApiProfile {
  if (isPresetName(nameOrFile)) return PRESETS[nameOrFile];
  let text: string;
  try {
    text = read(nameOrFile);
  } catch (cause) {
    throw new TapedeckError(
      'TD_PROFILE_INVALID',
      `API profile ${nameOrFile} is neither a preset nor a readable file.`,
      {
        cause,
        details: { file: nameOrFile },
        hint: 'Use --profile standard, stripe or github, or the path of a profile JSON file.',
      },
    );
  }
  return parseProfile(text, nameOrFile, check);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value as Record<string, unknown>)) deepFreeze(child);
  }
  return value;
}

/** The members of a resolved profile as JSON (for `--explain --json`). */
export function profileJson(profile: ApiProfile): JsonValue {
  return profile as unknown as JsonValue;
}
