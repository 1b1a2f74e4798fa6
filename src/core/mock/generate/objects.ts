/**
 * Objects: required properties always, optional ones while the depth and the budget last,
 * values fixed by a discriminator, and extra keys for maps and `minProperties`.
 */
import { escapePointerToken, setOwn, type JsonValue } from '../../json.js';
import { conforms, patternRegex } from '../openapi/conforms.js';
import { NONE, type Ctx, type GeneratorHost, type Schema } from './context.js';
import { fakeWord } from './fake.js';
import type { Flat } from './flat.js';
import { sampleRegex } from './regex-sample.js';

/** Properties that make an object an address (and its `state` a region). */
const ADDRESS_SIBLINGS = ['city', 'postal_code', 'postalCode', 'zip', 'zipcode', 'line1', 'street'];

function propertySchema(flat: Flat, name: string): Schema {
  const list = flat.properties.get(name);
  const matching: Schema[] = list === undefined ? [] : [...list];
  for (const [pattern, sub] of flat.patternProperties) {
    if (patternRegex(pattern)?.test(name) === true) matching.push(sub);
  }
  if (list === undefined && matching.length === 0) matching.push(...flat.additional);
  if (matching.length === 0) return true;
  return matching.length === 1 ? matching[0] : { allOf: matching };
}

export function generateObject(g: GeneratorHost, flat: Flat, ctx: Ctx): JsonValue {
  const rng = ctx.rng;
  const cut = g.cut(ctx);
  const out: Record<string, JsonValue> = {};
  let count = 0;
  const isAddress = ADDRESS_SIBLINGS.some((sibling) => flat.properties.has(sibling));
  const add = (name: string, required: boolean): boolean => {
    if (Object.hasOwn(out, name)) return true;
    const schema = propertySchema(flat, name);
    const forced = flat.forced.get(name);
    if (forced !== undefined && conforms(forced, schema, g.resolve)) {
      setOwn(out, name, forced);
      count++;
      return true;
    }
    // `id` inside `Pet` reads better as `pet_...`, a Product's `name` is not a person's, and
    // an address's `state` is a region, not a status.
    const valueName =
      (name === 'id' || name === 'name') && flat.owner !== undefined
        ? `${flat.owner}_${name}`
        : name === 'state' && isAddress
          ? 'address_state'
          : name;
    const value = g.value(schema, {
      rng: rng.fork(name),
      name: valueName,
      depth: ctx.depth + 1,
      refs: ctx.refs,
      pointer: `${ctx.pointer}/${escapePointerToken(name)}`,
    });
    if (value === NONE) {
      if (required) g.issue(ctx, `no value for required property ${name}`);
      return false;
    }
    setOwn(out, name, value);
    count++;
    return true;
  };
  const maxProperties = flat.maxProperties ?? Infinity;
  for (const name of flat.properties.keys()) {
    if (flat.required.has(name)) add(name, true);
    else if (!cut && count < maxProperties - requiredLeft(flat, out)) {
      if (!g.recursive(propertySchema(flat, name), ctx) && optionalAllowed(g, flat, name)) {
        add(name, false);
      }
    }
  }
  for (const name of flat.required) add(name, true);
  for (const [name, needs] of flat.dependentRequired) {
    if (Object.hasOwn(out, name)) for (const need of needs) add(need, true);
  }
  // Maps and minProperties: extra keys from patternProperties or additionalProperties.
  const wantsExtra =
    flat.properties.size === 0 &&
    !cut &&
    (flat.additional.length > 0 || flat.patternProperties.length > 0);
  const target = Math.max(flat.minProperties ?? 0, wantsExtra ? count + rng.int(1, 2) : 0);
  for (let i = 0; count < Math.min(target, maxProperties) && i < target + 8; i++) {
    const key = extraKey(g, flat, ctx, i);
    if (key === undefined) break;
    add(key, false);
  }
  if (flat.minProperties !== undefined && count < flat.minProperties) {
    g.issue(ctx, `could only produce ${count} of ${flat.minProperties} properties`);
  }
  return out;
}

function requiredLeft(flat: Flat, out: Record<string, JsonValue>): number {
  let n = 0;
  for (const name of flat.required) if (!Object.hasOwn(out, name)) n++;
  return n;
}

/** May an object here carry `name` (declared, pattern-matched or additional; propertyNames)? */
function propertyAllowed(g: GeneratorHost, flat: Flat, name: string): boolean {
  if (
    flat.additionalFalse &&
    !flat.properties.has(name) &&
    !flat.patternProperties.some(([p]) => patternRegex(p)?.test(name) === true)
  ) {
    return false;
  }
  return flat.propertyNames.every((s) => conforms(name, s, g.resolve));
}

/** An optional property is worth adding only if what it drags in (dependentRequired) may be. */
function optionalAllowed(g: GeneratorHost, flat: Flat, name: string): boolean {
  if (!propertyAllowed(g, flat, name)) return false;
  const needs = flat.dependentRequired.get(name);
  return needs === undefined || needs.every((n) => propertyAllowed(g, flat, n));
}

/** A new key for an extra property, or undefined when no more keys are allowed. */
function extraKey(g: GeneratorHost, flat: Flat, ctx: Ctx, i: number): string | undefined {
  const rng = ctx.rng.fork(`key${i}`);
  const candidates: string[] = [];
  for (const [pattern] of flat.patternProperties) {
    const sample = sampleRegex(pattern, rng);
    if (sample !== undefined) candidates.push(sample);
  }
  if (!flat.additionalFalse) {
    for (const names of flat.propertyNames) {
      const generated = g.value(names, { ...ctx, rng, name: undefined, pointer: ctx.pointer });
      if (typeof generated === 'string') candidates.push(generated);
    }
    candidates.push(`${fakeWord(rng)}_${i + 1}`);
  }
  for (const key of candidates) {
    if (!propertyAllowed(g, flat, key)) continue;
    if (flat.properties.has(key)) continue;
    return key;
  }
  return undefined;
}
