/**
 * The flow that makes an event happen (docs/design/issue-15-plan.md §2 "Trigger"): declared
 * (config, then profile), else derived from the model: `X.created` → X's create route;
 * `.updated` → create, update; `.deleted` → create, delete; an event a create or an action
 * declares → create (and that action, when it requires nothing of the object).
 */
import { isJsonObject, setOwn, type JsonObject, type JsonValue } from '../json.js';
import { objectName } from '../sandbox/state/engine.js';
import type { ApiProfile } from '../sandbox/profile/types.js';
import type { ModelRoute, ResourceModel, ResourceType } from '../sandbox/state/model.js';
import type { TriggerDecl, TriggerStep } from './types.js';

/** Parents and references created first, at most this deep (a flow stays a few requests). */
const MAX_DEPTH = 3;

/** The declared flow for `event` (the first in `declared`), else one derived from the model. */
export function triggerFor(
  event: string,
  declared: readonly TriggerDecl[],
  model: ResourceModel,
  profile: ApiProfile,
): TriggerDecl | undefined {
  const own = declared.find((d) => d.event === event);
  if (own !== undefined) return own;
  for (const type of model.types.values()) {
    const steps = derive(event, type, model, profile);
    if (steps !== undefined)
      return { event, description: `Derived from the ${type.name} routes.`, steps };
  }
  return undefined;
}

function eventName(profile: ApiProfile, type: ResourceType, verb: string): string {
  return profile.events.naming.replace('{object}', objectName(type)).replace('{verb}', verb);
}

function derive(
  event: string,
  type: ResourceType,
  model: ResourceModel,
  profile: ApiProfile,
): TriggerStep[] | undefined {
  const declaredCreate = type.lifecycle?.create?.event;
  const verb = (['created', 'updated', 'deleted'] as const).find(
    (v) => eventName(profile, type, v) === event,
  );
  const action = Object.entries(type.lifecycle?.actions ?? {}).find(
    ([, decl]) => decl.event === event && decl.requires === undefined,
  )?.[0];
  if (verb === undefined && action === undefined && declaredCreate !== event) return undefined;
  // The created event of a type whose create declares another (Stripe's refund: charge.refunded)
  // is not what its create emits.
  if (verb === 'created' && declaredCreate !== undefined && declaredCreate !== event)
    return undefined;
  const plan = new Flow(model);
  const created = plan.create(type, 0);
  if (created === undefined) return undefined;
  if (verb === 'created' || declaredCreate === event) return plan.steps;
  const then =
    action !== undefined
      ? itemRoute(model, type, (r) => r.role === 'action' && r.action === action)
      : verb === 'updated'
        ? (itemRoute(model, type, (r) => r.role === 'update') ??
          itemRoute(model, type, (r) => r.role === 'replace'))
        : itemRoute(model, type, (r) => r.role === 'delete');
  if (then === undefined) return undefined;
  const path = plan.itemPath(then, type, created);
  if (path === undefined) return undefined;
  plan.steps.push({
    method: then.method,
    path,
    ...(then.body === 'none' || then.role === 'delete' ? {} : { body: {} }),
  });
  return plan.steps;
}

function itemRoute(
  model: ResourceModel,
  type: ResourceType,
  test: (route: ModelRoute) => boolean,
): ModelRoute | undefined {
  return model.routes.find((r) => r.type === type.name && r.idParam !== undefined && test(r));
}

/** The steps of a derived flow, each object created once, named by its kind. */
class Flow {
  readonly steps: TriggerStep[] = [];
  private readonly made = new Map<string, string>();

  constructor(private readonly model: ResourceModel) {}

  /** Adds the steps that create an object of `type`; the step's name, or undefined. */
  create(type: ResourceType, depth: number): string | undefined {
    const done = this.made.get(type.name);
    if (done !== undefined) return done;
    if (depth > MAX_DEPTH) return undefined;
    const routes = this.model.routes.filter((r) => r.type === type.name && r.role === 'create');
    // The route with the fewest parents to make first.
    const route = [...routes].sort((a, b) => a.parents.length - b.parents.length)[0];
    if (route === undefined) return undefined;
    const values = new Map<string, string>();
    for (const parent of route.parents) {
      const parentType = parent.type === undefined ? undefined : this.model.types.get(parent.type);
      if (parentType === undefined) return undefined;
      const name = this.create(parentType, depth + 1);
      if (name === undefined) return undefined;
      values.set(parent.param, `{steps.${name}.${parentType.idField}}`);
    }
    const path = fillPath(route.path, values);
    if (path === undefined) return undefined;
    const body: JsonObject = {};
    const oneOf = type.lifecycle?.create?.requireOneOf;
    if (oneOf !== undefined && oneOf.length > 0) {
      const field = this.referenceFor(type, oneOf, depth);
      if (field === undefined) return undefined;
      setOwn(body, field[0], field[1]);
    }
    const name = this.uniqueName(objectName(type));
    this.steps.push({
      name,
      method: route.method,
      path,
      ...(route.body === 'none' ? {} : { body }),
    });
    this.made.set(type.name, name);
    return name;
  }

  /** A field of `requireOneOf` that names a fixture, or an object this flow creates first. */
  private referenceFor(
    type: ResourceType,
    oneOf: readonly string[],
    depth: number,
  ): [string, JsonValue] | undefined {
    for (const field of oneOf) {
      const ref = type.references.find((r) => r.field === field);
      const target = ref === undefined ? undefined : this.model.types.get(ref.type);
      if (target === undefined) continue;
      const fixture = target.fixtures?.find(isJsonObject)?.[target.idField];
      if (fixture !== undefined) return [field, fixture];
    }
    for (const field of oneOf) {
      const ref = type.references.find((r) => r.field === field);
      const target = ref === undefined ? undefined : this.model.types.get(ref.type);
      if (target === undefined || target.name === type.name) continue;
      const name = this.create(target, depth + 1);
      if (name !== undefined) return [field, `{steps.${name}.${target.idField}}`];
    }
    return undefined;
  }

  /** The path of an item route of the object step `name` made (its parents are the ones made). */
  itemPath(route: ModelRoute, type: ResourceType, name: string): string | undefined {
    const values = new Map<string, string>();
    if (route.idParam !== undefined) values.set(route.idParam, `{steps.${name}.${type.idField}}`);
    for (const parent of route.parents) {
      const made = parent.type === undefined ? undefined : this.made.get(parent.type);
      const parentType = parent.type === undefined ? undefined : this.model.types.get(parent.type);
      if (made === undefined || parentType === undefined) return undefined;
      values.set(parent.param, `{steps.${made}.${parentType.idField}}`);
    }
    return fillPath(route.path, values);
  }

  private uniqueName(base: string): string {
    const names = new Set(this.steps.map((s) => s.name));
    let name = base.replace(/[^A-Za-z0-9_]/g, '_');
    for (let i = 2; names.has(name); i++) name = `${base}_${String(i)}`;
    return name;
  }
}

/** The route's path with each `{param}` replaced; undefined when one has no value. */
function fillPath(template: string, values: ReadonlyMap<string, string>): string | undefined {
  let missing = false;
  const path = template.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const value = values.get(name);
    if (value === undefined) missing = true;
    return value ?? '';
  });
  return missing ? undefined : path;
}

const REFERENCE = /\{steps\.([A-Za-z0-9_]+)((?:\.[A-Za-z0-9_-]+)+)\}/g;
const WHOLE_REFERENCE = /^\{steps\.([A-Za-z0-9_]+)((?:\.[A-Za-z0-9_-]+)+)\}$/;

function lookUp(
  results: ReadonlyMap<string, JsonValue>,
  name: string,
  fields: string,
): JsonValue | undefined {
  let value: JsonValue | undefined = results.get(name);
  for (const field of fields.slice(1).split('.')) {
    if (value === undefined || value === null || typeof value !== 'object') return undefined;
    value = Array.isArray(value)
      ? /^\d+$/.test(field)
        ? value[Number(field)]
        : undefined
      : Object.hasOwn(value, field)
        ? value[field]
        : undefined;
  }
  return value;
}

/** Text with each reference filled; one without a value is left as written (the step then fails). */
function fillText(
  text: string,
  results: ReadonlyMap<string, JsonValue>,
  encode: (value: string) => string,
): string {
  return text.replace(REFERENCE, (whole, name: string, fields: string) => {
    const value = lookUp(results, name, fields);
    if (value === undefined || value === null) return whole;
    return encode(typeof value === 'object' ? JSON.stringify(value) : String(value));
  });
}

function fillValue(value: JsonValue, results: ReadonlyMap<string, JsonValue>): JsonValue {
  if (typeof value === 'string') {
    // A whole reference keeps the JSON type of what it names (GitHub's numeric `number`).
    const whole = WHOLE_REFERENCE.exec(value);
    if (whole !== null) {
      const found = lookUp(results, whole[1]!, whole[2]!);
      if (found !== undefined) return found;
    }
    return fillText(value, results, (v) => v);
  }
  if (Array.isArray(value)) return value.map((item) => fillValue(item, results));
  if (isJsonObject(value)) {
    const out: JsonObject = {};
    for (const [key, item] of Object.entries(value)) setOwn(out, key, fillValue(item, results));
    return out;
  }
  return value;
}

/** The references of a step that the answers so far cannot fill (a flow's mistake, named). */
export function unresolvedReferences(
  step: TriggerStep,
  results: ReadonlyMap<string, JsonValue>,
): string[] {
  const texts = [
    step.path,
    JSON.stringify(step.body ?? null),
    ...Object.values(step.headers ?? {}),
  ];
  const out = new Set<string>();
  for (const text of texts)
    for (const m of text.matchAll(REFERENCE)) {
      const value = lookUp(results, m[1]!, m[2]!);
      if (value === undefined || value === null) out.add(m[0]);
    }
  return [...out];
}

/**
 * A step with `{steps.NAME.a.b}` filled from the answers of the steps before it: in the path
 * (percent-encoded), the body (a whole reference keeps its JSON type) and the headers. A
 * reference without a value stays as written; `unresolvedReferences` names them.
 */
export function resolveStep(
  step: TriggerStep,
  results: ReadonlyMap<string, JsonValue>,
): TriggerStep {
  const headers =
    step.headers === undefined
      ? undefined
      : Object.fromEntries(
          Object.entries(step.headers).map(([k, v]) => [k, fillText(v, results, (x) => x)]),
        );
  return {
    ...step,
    path: fillText(step.path, results, encodeURIComponent),
    ...(step.body === undefined ? {} : { body: fillValue(step.body, results) }),
    ...(headers === undefined ? {} : { headers }),
  };
}
