import { TapedeckError } from '../errors.js';
import { shippedSchemaHead, VERSION_ONE_MEMBERS } from '../shipped-schema.js';
import { matchesJsonPath, parseJsonPath, type JsonPath } from '../jsonpath.js';
import { compileValidator, describePointer } from '../validation.js';
import { SHAPES, type Shape } from './pseudonym.js';

export type RuleTarget =
  'header' | 'query' | 'path' | 'cookie' | 'json' | 'form' | 'multipart' | 'body';
export type RuleAction = 'remove' | 'mask' | 'pseudonymize';
export type RuleSide = 'request' | 'response' | 'both';

/** One rule as written in a rule file. */
export interface RedactionRuleSpec {
  readonly id: string;
  readonly description?: string;
  readonly target: RuleTarget;
  readonly action: RuleAction;
  /** Which side of the interaction the rule looks at; both by default. */
  readonly in?: RuleSide;
  /** Header, query, cookie, form or multipart field name (any case). */
  readonly name?: string;
  /** A regular expression the name must match instead (case-insensitive). */
  readonly namePattern?: string;
  /** JSON path, for `json` rules. */
  readonly path?: string;
  /**
   * A regular expression over the value (header, query, …), the request path (`path`) or the
   * text (`body`): the first capture group is the secret, or the whole match when there is none.
   */
  readonly pattern?: string;
  /** The pseudonym's shape; inferred from each value when absent. */
  readonly shape?: Shape;
}

export interface RuleFile {
  readonly version: 1;
  readonly rules: readonly RedactionRuleSpec[];
}

/** A rule checked and compiled once, before the recorder listens. */
export interface CompiledRule {
  readonly id: string;
  readonly source: string;
  readonly target: RuleTarget;
  readonly action: RuleAction;
  readonly side: RuleSide;
  readonly name?: string;
  readonly namePattern?: RegExp;
  readonly path?: JsonPath;
  readonly pattern?: RegExp;
  readonly shape?: Shape;
}

const NAMED: readonly RuleTarget[] = ['header', 'query', 'cookie', 'form', 'multipart'];

export const ruleFileSchema = {
  ...shippedSchemaHead('redaction-rules.schema.json', 'tapedeck redaction rules'),
  type: 'object',
  required: ['version', 'rules'],
  additionalProperties: false,
  properties: {
    ...VERSION_ONE_MEMBERS,
    rules: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'target', 'action'],
        additionalProperties: false,
        properties: {
          id: { type: 'string', pattern: '^[a-z0-9][a-z0-9._/-]*$', maxLength: 100 },
          description: { type: 'string' },
          target: {
            enum: ['header', 'query', 'path', 'cookie', 'json', 'form', 'multipart', 'body'],
          },
          action: { enum: ['remove', 'mask', 'pseudonymize'] },
          in: { enum: ['request', 'response', 'both'] },
          name: { type: 'string', minLength: 1 },
          namePattern: { type: 'string', minLength: 1 },
          path: { type: 'string', pattern: '^\\$' },
          pattern: { type: 'string', minLength: 1 },
          shape: { enum: [...SHAPES] },
        },
      },
    },
  },
} as const;

const validateRuleFile = compileValidator<RuleFile>(ruleFileSchema);

/**
 * Says whether a regular expression is safe from catastrophic backtracking. A port: the
 * analysis (recheck) runs in an adapter.
 */
export type RegexSafetyCheck = (
  source: string,
  flags: string,
) => { safe: true } | { safe: false; why: string };

function ruleError(file: string, rule: string, message: string, hint?: string): TapedeckError {
  return new TapedeckError(
    'TD_RULES_INVALID',
    `Redaction rule file ${file}, rule ${rule}: ${message}`,
    {
      details: { file, rule },
      hint:
        hint ??
        'Fix the rule (docs/redaction.md shows every target with an example); tapedeck will not record until every rule file loads.',
    },
  );
}

function compileRegex(
  file: string,
  id: string,
  field: string,
  source: string,
  flags: string,
  check: RegexSafetyCheck,
): RegExp {
  let regex: RegExp;
  try {
    regex = new RegExp(source, flags);
  } catch (error) {
    throw ruleError(
      file,
      id,
      `"${field}" is not a valid regular expression: ${(error as Error).message}.`,
    );
  }
  const verdict = check(source, flags);
  if (!verdict.safe) {
    throw new TapedeckError(
      'TD_RULE_UNSAFE_REGEX',
      `Redaction rule file ${file}, rule ${id}: "${field}" ${JSON.stringify(source)} can backtrack catastrophically (${verdict.why}).`,
      {
        details: { file, rule: id },
        hint: 'Remove nested or overlapping repetition, e.g. write (a+)+ as a+ and (\\w+\\s?)+ as [\\w\\s]+.',
      },
    );
  }
  return regex;
}

/** Validates a parsed rule file and compiles its rules. Errors name the file and the rule. */
export function compileRuleFile(
  doc: unknown,
  file: string,
  check: RegexSafetyCheck,
): CompiledRule[] {
  const result = validateRuleFile(doc);
  if (!result.ok) {
    const rules = (doc as { rules?: unknown[] } | null)?.rules;
    const lines = result.problems.map((p) => {
      const m = /^\/rules\/(\d+)/.exec(p.pointer);
      const rule =
        m && Array.isArray(rules)
          ? (rules[Number(m[1])] as { id?: unknown } | undefined)
          : undefined;
      const named = typeof rule?.id === 'string' ? ` (rule ${rule.id})` : '';
      return `  - ${describePointer(p.pointer)}${named}: ${p.message}`;
    });
    throw new TapedeckError(
      'TD_RULES_INVALID',
      `Redaction rule file ${file} is invalid:\n${lines.join('\n')}`,
      {
        details: { file, problems: result.problems },
        hint: 'The format is in docs/redaction.md and schemas/redaction-rules.schema.json; tapedeck will not record until every rule file loads.',
      },
    );
  }
  return result.value.rules.map((spec) => {
    const { id } = spec;
    if (NAMED.includes(spec.target) && spec.name === undefined && spec.namePattern === undefined) {
      throw ruleError(file, id, `a "${spec.target}" rule needs "name" or "namePattern".`);
    }
    if (spec.target === 'json' && spec.path === undefined)
      throw ruleError(file, id, 'a "json" rule needs "path" (e.g. "$..password").');
    if ((spec.target === 'path' || spec.target === 'body') && spec.pattern === undefined) {
      throw ruleError(file, id, `a "${spec.target}" rule needs "pattern", a regular expression.`);
    }
    if (spec.target === 'path' && spec.action === 'remove') {
      throw ruleError(file, id, 'path segments cannot be removed; use "mask" or "pseudonymize".');
    }
    let path: JsonPath | undefined;
    if (spec.path !== undefined) {
      try {
        path = parseJsonPath(spec.path);
      } catch (error) {
        throw ruleError(file, id, (error as Error).message);
      }
    }
    return {
      id,
      source: file,
      target: spec.target,
      action: spec.action,
      side: spec.in ?? 'both',
      ...(spec.name === undefined ? {} : { name: spec.name.toLowerCase() }),
      ...(spec.namePattern === undefined
        ? {}
        : { namePattern: compileRegex(file, id, 'namePattern', spec.namePattern, 'i', check) }),
      ...(path === undefined ? {} : { path }),
      ...(spec.pattern === undefined
        ? {}
        : { pattern: compileRegex(file, id, 'pattern', spec.pattern, 'g', check) }),
      ...(spec.shape === undefined ? {} : { shape: spec.shape }),
    };
  });
}

/** Rule ids must be unique across every file, so a finding names exactly one rule. */
export function checkUniqueIds(rules: readonly CompiledRule[]): void {
  const seen = new Map<string, string>();
  for (const rule of rules) {
    const other = seen.get(rule.id);
    if (other !== undefined) {
      throw new TapedeckError(
        'TD_RULES_INVALID',
        `Redaction rule id ${rule.id} is used twice: in ${other} and in ${rule.source}.`,
        {
          details: { rule: rule.id },
          hint: 'Give each rule its own id; findings and logs name rules by id.',
        },
      );
    }
    seen.set(rule.id, rule.source);
  }
}

/** Does a named rule apply to this name? Names compare case-insensitively. */
export function ruleNameMatches(rule: CompiledRule, name: string): boolean {
  if (rule.name !== undefined) return rule.name === name.toLowerCase();
  return rule.namePattern !== undefined && rule.namePattern.test(name);
}

export function ruleAppliesTo(rule: CompiledRule, side: 'request' | 'response'): boolean {
  return rule.side === 'both' || rule.side === side;
}

/**
 * Does a `json` rule's path select the location `at` (keys and indexes from the body's root)?
 * `matchesJsonPath`, after a test that settles most locations at once: a path that ends in a
 * key or an index selects only locations that end in it (`$..iban` only `…/iban`). Redaction
 * and the scanner ask this for every rule at every node of every body.
 */
export function jsonRuleMatches(rule: CompiledRule, at: readonly (string | number)[]): boolean {
  const path = rule.path;
  if (path === undefined) return false;
  const last = path.steps[path.steps.length - 1];
  if (last !== undefined && at.length > 0) {
    const segment = at[at.length - 1];
    if (last.kind === 'key' && segment !== last.key) return false;
    if (last.kind === 'index' && segment !== last.index) return false;
  }
  return matchesJsonPath(path, at);
}
