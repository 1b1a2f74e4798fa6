/**
 * Flattening: one schema node, its `$ref`s followed, `allOf` members merged and every choice
 * point (`oneOf`, `anyOf`, `if/then/else`) resolved by picking a branch, becomes one `Flat` set
 * of constraints for the value builders to satisfy. What a choice or a `not` rules out is kept
 * (`nots`, `musts`) so the built value can be checked against it.
 */
import { jsonEqual, setOwn, unescapePointerToken, isRecord } from '../../json.js';
import { patternRegex } from '../openapi/conforms.js';
import { UNKNOWN_FORMAT_KEYWORD } from '../openapi/schema.js';
import { type Ctx, type GeneratorHost, type Obj, type Schema } from './context.js';
import { emptyFlat, type Discriminator, type Flat } from './flat.js';

const num = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isFinite(v) ? v : undefined;
const tighterMin = (a: number | undefined, b: number | undefined): number | undefined =>
  a === undefined ? b : b === undefined ? a : Math.max(a, b);
const tighterMax = (a: number | undefined, b: number | undefined): number | undefined =>
  a === undefined ? b : b === undefined ? a : Math.min(a, b);

function refName(ref: string): string | undefined {
  const last = ref.slice(ref.lastIndexOf('/') + 1);
  return last.length > 0 ? unescapePointerToken(last) : undefined;
}

function intersectTypes(current: string[] | undefined, next: string[]): string[] {
  if (current === undefined) return [...next];
  const out: string[] = [];
  for (const t of current) {
    if (next.includes(t)) out.push(t);
    else if (t === 'number' && next.includes('integer')) out.push('integer');
    else if (t === 'integer' && next.includes('number')) out.push('integer');
  }
  return [...new Set(out)];
}

/** Picks one branch of a choice point. */
export type Chooser = (branches: readonly Schema[], kind: 'oneOf' | 'anyOf') => number;

/** What one flattening carries down through every `absorb`. */
interface Walk {
  readonly g: GeneratorHost;
  readonly flat: Flat;
  readonly ctx: Ctx;
  readonly choose: Chooser;
}

export function flatten(g: GeneratorHost, schema: Schema, ctx: Ctx, choose: Chooser): Flat {
  const flat = emptyFlat();
  const w: Walk = { g, flat, ctx, choose };
  absorb(w, schema, 0);
  // dependentSchemas apply when their property is present; the generator includes declared
  // properties, so their dependent schemas join in (harmless when the property is left out).
  for (let i = 0; i < flat.dependentSchemas.length && i < 64; i++) {
    const [name, sub] = flat.dependentSchemas[i]!;
    if (flat.required.has(name) || flat.properties.has(name)) absorb(w, sub, 1);
  }
  return flat;
}

/** Merges `schema` into `flat`; `via` is the `$ref` that led here, if one did. */
function absorb(w: Walk, schema: Schema, guard: number, via?: string): void {
  const { flat } = w;
  if (schema === true || schema === undefined) return;
  if (schema === false) {
    flat.impossible = true;
    return;
  }
  if (!isRecord(schema) || guard > 64) return;
  const s = schema;
  absorbRef(w, s, guard);
  absorbKeywords(flat, s);
  if (isRecord(s['dependentSchemas']))
    flat.dependentSchemas.push(...Object.entries(s['dependentSchemas']));
  absorbDiscriminator(flat, s, via);
  if (Array.isArray(s['allOf'])) {
    for (const member of s['allOf']) absorb(w, member, guard + 1);
  }
  absorbChoices(w, s, guard);
  if (s['not'] !== undefined) {
    flat.needsCheck = true;
    flat.nots.push(s['not']);
  }
  absorbCondition(w, s, guard);
}

/** Follows a `$ref` (once per flattened node: a cycle stops here) into the node it names. */
function absorbRef(w: Walk, s: Obj, guard: number): void {
  const { g, flat, ctx } = w;
  const ref = s['$ref'];
  if (typeof ref === 'string') {
    if (!flat.refs.includes(ref)) {
      flat.refs.push(ref);
      flat.owner ??= refName(ref);
      const target = g.resolve(ref);
      if (target === undefined) g.issue(ctx, `$ref ${ref} does not resolve`);
      else absorb(w, target, guard + 1, ref);
    }
  }
}

/** The keywords that constrain the value itself: types, bounds, lengths, members, items. */
function absorbKeywords(flat: Flat, s: Obj): void {
  // One pass over the keys the schema has (a handful) rather than a lookup for every
  // keyword the generator knows (dozens): flattening runs for every generated value.
  for (const key in s) {
    const v = s[key];
    switch (key) {
      case 'type':
        if (typeof v === 'string') flat.types = intersectTypes(flat.types, [v]);
        else if (Array.isArray(v)) flat.types = intersectTypes(flat.types, v as string[]);
        break;
      case 'const':
        if (v !== undefined) absorbEnum(flat, [v]);
        break;
      case 'enum':
        if (Array.isArray(v)) absorbEnum(flat, v as unknown[]);
        break;
      case 'examples':
        if (Array.isArray(v)) flat.examples.push(...(v as unknown[]));
        break;
      case 'default':
        if (v !== undefined) flat.examples.push(v);
        break;
      case 'format':
      case UNKNOWN_FORMAT_KEYWORD:
        if (typeof v === 'string') flat.format ??= v;
        break;
      // Bounds met more than once (allOf, a $ref and its siblings) all hold: keep the tightest.
      case 'minimum':
      case 'exclusiveMinimum':
      case 'minLength':
      case 'minItems':
      case 'minProperties':
        flat[key] = tighterMin(flat[key], num(v));
        break;
      case 'maximum':
      case 'exclusiveMaximum':
      case 'maxLength':
      case 'maxItems':
      case 'maxProperties':
        flat[key] = tighterMax(flat[key], num(v));
        break;
      case 'multipleOf': {
        const m = num(v);
        if (m !== undefined && m > 0) flat.multipleOf.push(m);
        break;
      }
      case 'pattern':
        // A pattern that is no regex at all (`(?i)...`) cannot be checked by anyone: ignored.
        if (typeof v === 'string' && patternRegex(v) !== null) flat.patterns.push(v);
        break;
      case 'items':
        if (v === false) flat.itemsFalse = true;
        else if (v !== undefined) flat.items.push(v);
        break;
      case 'prefixItems':
        if (Array.isArray(v)) {
          (v as unknown[]).forEach((item, i) => {
            (flat.prefixItems[i] ??= []).push(item);
          });
        }
        break;
      case 'uniqueItems':
        if (v === true) flat.uniqueItems = true;
        break;
      case 'contains':
        if (v !== undefined) flat.contains.push(v);
        break;
      case 'properties':
        if (isRecord(v)) {
          for (const name in v) {
            if (!Object.hasOwn(v, name)) continue;
            const list = flat.properties.get(name);
            if (list === undefined) flat.properties.set(name, [v[name]]);
            else list.push(v[name]);
          }
        }
        break;
      case 'required':
        if (Array.isArray(v)) {
          for (const name of v) if (typeof name === 'string') flat.required.add(name);
        }
        break;
      case 'additionalProperties':
        if (v === false) flat.additionalFalse = true;
        else if (v !== undefined) flat.additional.push(v);
        break;
      case 'patternProperties':
        if (isRecord(v)) flat.patternProperties.push(...Object.entries(v));
        break;
      case 'propertyNames':
        if (v !== undefined) flat.propertyNames.push(v);
        break;
      case 'dependentRequired':
        if (isRecord(v)) {
          for (const [name, needs] of Object.entries(v)) {
            if (!Array.isArray(needs)) continue;
            const list = flat.dependentRequired.get(name) ?? [];
            list.push(...needs.filter((n): n is string => typeof n === 'string'));
            flat.dependentRequired.set(name, list);
          }
        }
        break;
      default:
        break;
    }
  }
}

/**
 * A discriminator: kept for `oneOf` branches to name themselves by, and, where the node was
 * reached through a `$ref` inside another schema's `allOf`, the value the outer schema forces.
 */
function absorbDiscriminator(flat: Flat, s: Obj, via: string | undefined): void {
  const discriminator = s['discriminator'];
  if (!isRecord(discriminator) || typeof discriminator['propertyName'] !== 'string') return;
  const mapping: Record<string, string> = {};
  if (isRecord(discriminator['mapping'])) {
    for (const [k, v] of Object.entries(discriminator['mapping'])) {
      if (typeof v === 'string') setOwn(mapping, k, v);
    }
  }
  const disc = { propertyName: discriminator['propertyName'], mapping };
  flat.discriminator ??= disc;
  // The allOf pattern: `Cat: allOf: [Pet, ...]` where Pet holds the discriminator. A Cat
  // says so in the discriminator property (its mapping key, or its schema name).
  const outer = flat.refs[0];
  if (
    via !== undefined &&
    outer !== undefined &&
    outer !== via &&
    !flat.forced.has(disc.propertyName)
  ) {
    flat.forced.set(disc.propertyName, discriminatorValue(disc, outer));
  }
}

/**
 * `oneOf`/`anyOf`: one branch, picked by `choose`, is merged in; a `oneOf`'s other branches
 * must fail. A string branch chosen over an object reference reads like that object's id.
 */
function absorbChoices(w: Walk, s: Obj, guard: number): void {
  const { g, flat, choose } = w;
  for (const kind of ['oneOf', 'anyOf'] as const) {
    const branches = s[kind];
    if (!Array.isArray(branches) || branches.length === 0) continue;
    const index = branches.length === 1 ? 0 : choose(branches, kind);
    const branch: unknown = branches[index];
    // Built from the chosen branch, the value matches it; `oneOf` also needs every other
    // branch to fail, which the result is checked for.
    if (kind === 'oneOf' && branches.length > 1) {
      flat.needsCheck = true;
      branches.forEach((other: unknown, i) => {
        if (i !== index) flat.nots.push(other);
      });
    }
    absorb(w, branch, guard + 1);
    if (!g.objectRef(branch)) {
      const link = branches.find((other: unknown) => g.objectRef(other)) as unknown;
      if (isRecord(link) && typeof link['$ref'] === 'string') flat.linkTo ??= refName(link['$ref']);
    }
    const disc = isRecord(s['discriminator']) ? flat.discriminator : undefined;
    if (disc !== undefined && isRecord(branch) && typeof branch['$ref'] === 'string') {
      flat.forced.set(disc.propertyName, discriminatorValue(disc, branch['$ref']));
    }
  }
}

/** `if`/`then`/`else`: one side is taken, and the value is checked against `if` accordingly. */
function absorbCondition(w: Walk, s: Obj, guard: number): void {
  const { flat, choose } = w;
  if (s['if'] !== undefined && (s['then'] !== undefined || s['else'] !== undefined)) {
    flat.needsCheck = true;
    // Try the `then` side first (the interesting one); on a retry the other side.
    if (choose([s['then'], s['else']], 'anyOf') === 0) {
      flat.musts.push(s['if']);
      absorb(w, s['if'], guard + 1);
      absorb(w, s['then'], guard + 1);
    } else {
      flat.nots.push(s['if']);
      absorb(w, s['else'], guard + 1);
    }
  }
}

function discriminatorValue(disc: Discriminator, ref: string): string {
  for (const [key, target] of Object.entries(disc.mapping)) if (target === ref) return key;
  return refName(ref) ?? ref;
}

function absorbEnum(flat: Flat, values: unknown[]): void {
  flat.enumValues =
    flat.enumValues === undefined
      ? [...values]
      : flat.enumValues.filter((v) => values.some((w) => jsonEqual(v, w)));
}
