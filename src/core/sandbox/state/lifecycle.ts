import { isJsonObject, setOwn, type JsonObject, type JsonValue } from '../../json.js';
import type { ErrorFactsIn } from '../profile/answer.js';
import type { ActionDecl, Condition, Forbidden, SetValue } from '../profile/types.js';
import type { Lifecycle } from './model.js';

/**
 * Lifecycle actions, declared and never guessed (docs/design/issue-13-plan.md §1.5). An action
 * first merges its parameters that are item fields, then checks `from` and `requires` on the
 * result, then applies `set`; a create applies the initial state, `defaults` and checks
 * `requireOneOf` and `referenceState`. An action nobody declared merges the item fields and
 * emits `<object>.updated`.
 */

/** What `set` and `defaults` values are computed from. */
export interface SetContext {
  /** The object as it is after the request's item fields were merged in. */
  readonly current: JsonObject;
  /** The request's parameters (the whole body, not only item fields). */
  readonly params: JsonObject;
  /** The tenant's clock, ms. */
  readonly now: number;
  /** The stored object a reference field names (`payment_intent` → the payment intent). */
  readonly reference: (field: string) => JsonObject | undefined;
}

export function timestamp(unit: 'unix-s' | 'unix-ms' | 'iso', now: number): JsonValue {
  switch (unit) {
    case 'unix-s':
      return Math.floor(now / 1000);
    case 'unix-ms':
      return now;
    case 'iso':
      return new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }
}

function only(value: object, key: string, optional: readonly string[] = []): boolean {
  const keys = Object.keys(value);
  return keys.includes(key) && keys.every((k) => k === key || optional.includes(k));
}

/** A `set`/`defaults` value; undefined leaves the field as it is. */
export function resolveSet(raw: SetValue, context: SetContext): JsonValue | undefined {
  if (!isJsonObject(raw)) return raw;
  const value: JsonObject = raw;
  if (only(value, 'copy') && typeof value['copy'] === 'string')
    return Object.hasOwn(context.current, value['copy']) ? context.current[value['copy']] : null;
  if (only(value, 'param', ['default']) && typeof value['param'] === 'string') {
    const sent = Object.hasOwn(context.params, value['param'])
      ? context.params[value['param']]
      : undefined;
    return sent !== undefined ? sent : (value['default'] ?? null);
  }
  if (
    only(value, 'now') &&
    (value['now'] === 'unix-s' || value['now'] === 'unix-ms' || value['now'] === 'iso')
  )
    return timestamp(value['now'], context.now);
  if (
    only(value, 'fromReference', ['field', 'else']) &&
    typeof value['fromReference'] === 'string' &&
    typeof value['field'] === 'string'
  ) {
    const referenced = context.reference(value['fromReference']);
    if (referenced !== undefined && Object.hasOwn(referenced, value['field']))
      return referenced[value['field']];
    // `else`: what to take when the request names no such object (a refund by charge).
    const otherwise = value['else'];
    return otherwise === undefined || referenced !== undefined
      ? undefined
      : resolveSet(otherwise, context);
  }
  return value;
}

export function applySet(
  target: JsonObject,
  set: Readonly<Record<string, SetValue>> | undefined,
  context: SetContext,
  /** Fields to leave alone (a create's defaults skip what the request sent). */
  keep: (field: string) => boolean = () => false,
): JsonObject {
  if (set === undefined) return target;
  const out: JsonObject = { ...target };
  for (const [field, raw] of Object.entries(set)) {
    if (keep(field)) continue;
    const value = resolveSet(raw, { ...context, current: out });
    if (value !== undefined) setOwn(out, field, value);
  }
  return out;
}

function isPresent(value: JsonValue | undefined): boolean {
  return value !== undefined && value !== null && value !== '';
}

/** The first field of a condition that does not hold, or undefined when all do. */
export function failedCondition(
  condition: Condition | undefined,
  value: JsonObject,
): string | undefined {
  if (condition === undefined) return undefined;
  for (const [field, expected] of Object.entries(condition)) {
    const actual = Object.hasOwn(value, field) ? value[field] : undefined;
    if (
      expected === 'present'
        ? !isPresent(actual)
        : expected === 'absent'
          ? isPresent(actual)
          : JSON.stringify(actual) !== JSON.stringify(expected)
    )
      return field;
  }
  return undefined;
}

/** The initial state of a new object: the first `initial` entry whose `when` holds. */
export function initialState(
  lifecycle: Lifecycle | undefined,
  value: JsonObject,
): string | undefined {
  if (lifecycle?.field === undefined) return undefined;
  for (const entry of lifecycle.initial)
    if (failedCondition(entry.when, value) === undefined) return entry.state;
  return undefined;
}

/** A refusal of a lifecycle rule, as the facts `ProfileErrors` shapes. */
export function forbiddenFacts(
  forbidden: Forbidden | undefined,
  fallback: string,
  values: Readonly<Record<string, string | number>>,
  param?: string,
): ErrorFactsIn {
  const base: ErrorFactsIn = {
    kind: 'invalid-transition',
    values,
    ...(param === undefined ? {} : { param }),
  };
  if (forbidden === undefined || 'recorded' in forbidden) return { ...base, message: fallback };
  if ('documented' in forbidden)
    return { ...base, status: forbidden.documented, message: fallback };
  return {
    ...base,
    ...(forbidden.code === undefined ? {} : { code: forbidden.code }),
    message: forbidden.message ?? fallback,
  };
}

export type ActionResult =
  | { readonly ok: true; readonly value: JsonObject; readonly event: string | undefined }
  | { readonly ok: false; readonly facts: ErrorFactsIn };

/**
 * Runs an action on an object whose request item fields are already merged in (`merged`); the
 * state check reads the object as stored (`stored`), as a server checks before it changes.
 * `objectName` names the object in messages (`payment_intent`).
 */
export function runAction(
  lifecycle: Lifecycle | undefined,
  action: string,
  stored: JsonObject,
  merged: JsonObject,
  context: Omit<SetContext, 'current'>,
  objectName: string,
): ActionResult {
  const declared: ActionDecl | undefined = lifecycle?.actions[action];
  if (declared === undefined) return { ok: true, value: merged, event: undefined };
  const field = lifecycle?.field;
  const state =
    field !== undefined && typeof stored[field] === 'string' ? stored[field] : undefined;
  const values: Record<string, string | number> = { object: objectName, action };
  if (state !== undefined) values['state'] = state;
  if (declared.from !== undefined && (state === undefined || !declared.from.includes(state))) {
    return {
      ok: false,
      facts: forbiddenFacts(
        declared.forbidden,
        `This ${objectName}'s ${field ?? 'state'} is {state}, so it cannot be ${action === '' ? 'changed' : `${action}ed`} (allowed from ${declared.from.join(', ')}).`,
        values,
      ),
    };
  }
  const missing = failedCondition(declared.requires, merged);
  if (missing !== undefined) {
    return {
      ok: false,
      // The declared message speaks of states; a missing field gets its own, the code stays.
      facts: {
        ...forbiddenFacts(declared.forbidden, '', values, missing),
        message: `This ${objectName} cannot be ${action}ed without ${missing}.`,
      },
    };
  }
  const value = applySet(merged, declared.set, { ...context, current: merged });
  return { ok: true, value, event: declared.event };
}
