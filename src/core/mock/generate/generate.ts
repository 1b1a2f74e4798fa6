/**
 * Values from schemas: the body of a mock response when no recorded one fits.
 *
 * A schema node is first *flattened*: `$ref`s are followed, `allOf` members merged, and every
 * choice point (`oneOf`, `anyOf`, `if/then/else`) resolved by picking a branch, giving one flat
 * set of constraints to satisfy. Where choices or `not` are involved, the candidate is checked
 * against the original node (exactly one `oneOf` branch must match) and regenerated with other
 * choices if it fails. Spec `examples`/`example`/`default` win when they are valid.
 *
 * Determinism: every property and array index draws from its own fork of the rng (by name or
 * index), so a value depends only on the seed, its path and its own schema. Recursion is cut at
 * `maxDepth` (optional properties omitted, arrays left at `minItems`, `null` where allowed), and
 * a node budget bounds the size of one value, so a large recursive spec answers in time.
 */
import type { JsonValue } from '../../json.js';
import { escapePointerToken, jsonEqual, setOwn, unescapePointerToken } from '../../json.js';
import {
  checkFormat,
  codePointLength,
  conforms,
  isMultipleOf,
  patternRegex,
  typeOf,
} from '../openapi/conforms.js';
import {
  base64Ascii,
  fakeAlnum,
  fakeDate,
  fakeDateTime,
  fakeIpv4,
  fakeIpv6,
  fakeTime,
  fakeUnixSeconds,
  fakeUuid,
  fakeWord,
} from './fake.js';
import { fakeForName } from './names.js';
import type { Rng } from './random.js';
import { sampleRegex } from './regex-sample.js';
import { UNKNOWN_FORMAT_KEYWORD } from '../openapi/schema.js';

export interface GenerateIssue {
  /** JSON pointer of the value inside the generated document. */
  readonly pointer: string;
  readonly message: string;
}

export interface GenerateOptions {
  readonly rng: Rng;
  /** Resolves a local $ref ('#/components/schemas/Pet') in the same converted document. */
  readonly resolve: (ref: string) => unknown;
  /** The property name this value is for, for name-aware values. */
  readonly name?: string;
  /** Depth after which optional properties stop and recursion is cut (default 6). */
  readonly maxDepth?: number;
  /**
   * Upper bound on the number of values (objects, arrays and scalars) in one result before
   * generation falls back to required properties only (default 1000).
   */
  readonly maxNodes?: number;
  /** Told when a value could not be made valid (contradictory schema, unsupported pattern). */
  readonly onIssue?: (issue: GenerateIssue) => void;
}

type Obj = Record<string, unknown>;
type Schema = unknown;

function isObj(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const DEFAULT_MAX_DEPTH = 6;
const DEFAULT_MAX_NODES = 1000;
/** Issues kept per generated value. */
const MAX_ISSUES = 50;
/** Past maxDepth, required recursion still has to end somewhere. */
const HARD_DEPTH_MARGIN = 24;
/**
 * Past the budget, required content still has to stop somewhere: a required recursion that
 * branches (`Node` needs a `child` and two `kids`, all `Node`s) has no finite value and grows
 * 3^depth long before the depth margin is reached. Far above any real `minItems`.
 */
const HARD_NODE_LIMIT = 200_000;
const INT32: readonly [number, number] = [-2147483648, 2147483647];
const SAFE: readonly [number, number] = [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER];

interface Discriminator {
  readonly propertyName: string;
  readonly mapping: Readonly<Record<string, string>>;
}

/** Everything one node asks for, after refs, allOf and choices are merged. */
interface Flat {
  impossible: boolean;
  types: string[] | undefined;
  enumValues: unknown[] | undefined;
  examples: unknown[];
  format: string | undefined;
  minimum: number | undefined;
  maximum: number | undefined;
  exclusiveMinimum: number | undefined;
  exclusiveMaximum: number | undefined;
  multipleOf: number[];
  minLength: number | undefined;
  maxLength: number | undefined;
  patterns: string[];
  items: Schema[];
  itemsFalse: boolean;
  prefixItems: Schema[][];
  minItems: number | undefined;
  maxItems: number | undefined;
  uniqueItems: boolean;
  contains: Schema[];
  properties: Map<string, Schema[]>;
  required: Set<string>;
  additional: Schema[];
  additionalFalse: boolean;
  patternProperties: [string, Schema][];
  propertyNames: Schema[];
  minProperties: number | undefined;
  maxProperties: number | undefined;
  dependentRequired: Map<string, string[]>;
  dependentSchemas: [string, Schema][];
  /** The value must match none of these: `not`, the `if` of a chosen `else`, other `oneOf` branches. */
  nots: Schema[];
  /** The value must match these: the `if` of a chosen `then`. */
  musts: Schema[];
  /** Did a choice (oneOf/anyOf/if) or `not` shape this node? Then the result is checked. */
  needsCheck: boolean;
  /** Refs followed while flattening this node. */
  refs: string[];
  /** The name of the first schema referenced (`Pet` for `#/components/schemas/Pet`). */
  owner: string | undefined;
  /**
   * The object a string stands for when it was chosen over a reference to that object
   * (`anyOf: [string, Customer]`, an unexpanded link): the string is named like the object's
   * own `id`, so `customer` and `customer.id` read `customer_…` alike.
   */
  linkTo: string | undefined;
  discriminator: Discriminator | undefined;
  /** Property values fixed by a discriminator. */
  forced: Map<string, string>;
}

function emptyFlat(): Flat {
  return {
    impossible: false,
    types: undefined,
    enumValues: undefined,
    examples: [],
    format: undefined,
    minimum: undefined,
    maximum: undefined,
    exclusiveMinimum: undefined,
    exclusiveMaximum: undefined,
    multipleOf: [],
    minLength: undefined,
    maxLength: undefined,
    patterns: [],
    items: [],
    itemsFalse: false,
    prefixItems: [],
    minItems: undefined,
    maxItems: undefined,
    uniqueItems: false,
    contains: [],
    properties: new Map(),
    required: new Set(),
    additional: [],
    additionalFalse: false,
    patternProperties: [],
    propertyNames: [],
    minProperties: undefined,
    maxProperties: undefined,
    dependentRequired: new Map(),
    dependentSchemas: [],
    nots: [],
    musts: [],
    needsCheck: false,
    refs: [],
    owner: undefined,
    linkTo: undefined,
    discriminator: undefined,
    forced: new Map(),
  };
}

const num = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isFinite(v) ? v : undefined;
const tighterMin = (a: number | undefined, b: number | undefined): number | undefined =>
  a === undefined ? b : b === undefined ? a : Math.max(a, b);
const tighterMax = (a: number | undefined, b: number | undefined): number | undefined =>
  a === undefined ? b : b === undefined ? a : Math.min(a, b);

/** Properties that make an object an address (and its `state` a region). */
const ADDRESS_SIBLINGS = ['city', 'postal_code', 'postalCode', 'zip', 'zipcode', 'line1', 'street'];

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

/** `emails` -> `email`, `categories` -> `category`: a name for one item of a list. */
function singular(name: string | undefined): string | undefined {
  if (name === undefined) return undefined;
  if (/ies$/i.test(name)) return `${name.slice(0, -3)}y`;
  if (/(ss|sh|ch|x)es$/i.test(name)) return name.slice(0, -2);
  if (/[^s]s$/i.test(name)) return name.slice(0, -1);
  return name;
}

interface Ctx {
  readonly rng: Rng;
  readonly name: string | undefined;
  readonly depth: number;
  /** Refs expanded on the way down to this node: seeing one again means recursion. */
  readonly refs: ReadonlySet<string>;
  readonly pointer: string;
}

/** Picks one branch of a choice point. */
type Chooser = (branches: readonly Schema[], kind: 'oneOf' | 'anyOf') => number;

const NONE = Symbol('none');
type Result = JsonValue | typeof NONE;

class Generator {
  private budget: number;
  /** The hard node limit was hit (said once). */
  private hitNodeLimit = false;
  private readonly refCache = new Map<string, unknown>();
  /** The caller's resolver, memoized: specs reuse a few hundred refs thousands of times. */
  readonly resolve = (ref: string): unknown => {
    if (this.refCache.has(ref)) return this.refCache.get(ref);
    const target = this.resolveRef(ref);
    this.refCache.set(ref, target);
    return target;
  };

  constructor(
    private readonly resolveRef: (ref: string) => unknown,
    private readonly maxDepth: number,
    private readonly maxNodes: number,
    private readonly onIssue: ((issue: GenerateIssue) => void) | undefined,
  ) {
    this.budget = maxNodes;
  }

  /** Issues of the value being built; dropped with an attempt that is thrown away. */
  readonly issues: GenerateIssue[] = [];

  issue(ctx: Ctx, message: string): void {
    // A schema with no finite value reports at every cut: the first ones say it all.
    if (this.issues.length < MAX_ISSUES) this.issues.push({ pointer: ctx.pointer, message });
  }

  /** Did this value hit HARD_NODE_LIMIT? Then a retry would only hit it again. */
  get overflowed(): boolean {
    return this.hitNodeLimit;
  }

  flushIssues(): void {
    if (this.onIssue !== undefined) for (const issue of this.issues) this.onIssue(issue);
    this.issues.length = 0;
  }

  /** Past the depth limit or out of budget: required content only. */
  private cut(ctx: Ctx): boolean {
    return ctx.depth >= this.maxDepth || this.budget <= 0;
  }

  // ---- flattening ----------------------------------------------------------------------

  private flatten(schema: Schema, ctx: Ctx, choose: Chooser): Flat {
    const flat = emptyFlat();
    this.absorb(flat, schema, ctx, choose, 0);
    // dependentSchemas apply when their property is present; the generator includes declared
    // properties, so their dependent schemas join in (harmless when the property is left out).
    for (let i = 0; i < flat.dependentSchemas.length && i < 64; i++) {
      const [name, sub] = flat.dependentSchemas[i]!;
      if (flat.required.has(name) || flat.properties.has(name))
        this.absorb(flat, sub, ctx, choose, 1);
    }
    return flat;
  }

  /** Merges `schema` into `flat`; `via` is the `$ref` that led here, if one did. */
  private absorb(
    flat: Flat,
    schema: Schema,
    ctx: Ctx,
    choose: Chooser,
    guard: number,
    via?: string,
  ): void {
    if (schema === true || schema === undefined) return;
    if (schema === false) {
      flat.impossible = true;
      return;
    }
    if (!isObj(schema) || guard > 64) return;
    const s = schema;
    const ref = s['$ref'];
    if (typeof ref === 'string') {
      if (!flat.refs.includes(ref)) {
        flat.refs.push(ref);
        flat.owner ??= refName(ref);
        const target = this.resolve(ref);
        if (target === undefined) this.issue(ctx, `$ref ${ref} does not resolve`);
        else this.absorb(flat, target, ctx, choose, guard + 1, ref);
      }
    }
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
          if (v !== undefined) this.absorbEnum(flat, [v]);
          break;
        case 'enum':
          if (Array.isArray(v)) this.absorbEnum(flat, v as unknown[]);
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
        case 'minimum':
          flat.minimum = tighterMin(flat.minimum, num(v));
          break;
        case 'maximum':
          flat.maximum = tighterMax(flat.maximum, num(v));
          break;
        case 'exclusiveMinimum':
          flat.exclusiveMinimum = tighterMin(flat.exclusiveMinimum, num(v));
          break;
        case 'exclusiveMaximum':
          flat.exclusiveMaximum = tighterMax(flat.exclusiveMaximum, num(v));
          break;
        case 'multipleOf': {
          const m = num(v);
          if (m !== undefined && m > 0) flat.multipleOf.push(m);
          break;
        }
        case 'minLength':
          flat.minLength = tighterMin(flat.minLength, num(v));
          break;
        case 'maxLength':
          flat.maxLength = tighterMax(flat.maxLength, num(v));
          break;
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
        case 'minItems':
          flat.minItems = tighterMin(flat.minItems, num(v));
          break;
        case 'maxItems':
          flat.maxItems = tighterMax(flat.maxItems, num(v));
          break;
        case 'uniqueItems':
          if (v === true) flat.uniqueItems = true;
          break;
        case 'contains':
          if (v !== undefined) flat.contains.push(v);
          break;
        case 'properties':
          if (isObj(v)) {
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
          if (isObj(v)) flat.patternProperties.push(...Object.entries(v));
          break;
        case 'propertyNames':
          if (v !== undefined) flat.propertyNames.push(v);
          break;
        case 'minProperties':
          flat.minProperties = tighterMin(flat.minProperties, num(v));
          break;
        case 'maxProperties':
          flat.maxProperties = tighterMax(flat.maxProperties, num(v));
          break;
        case 'dependentRequired':
          if (isObj(v)) {
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
    if (isObj(s['dependentSchemas']))
      flat.dependentSchemas.push(...Object.entries(s['dependentSchemas']));
    const discriminator = s['discriminator'];
    if (isObj(discriminator) && typeof discriminator['propertyName'] === 'string') {
      const mapping: Record<string, string> = {};
      if (isObj(discriminator['mapping'])) {
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
        flat.forced.set(disc.propertyName, this.discriminatorValue(disc, outer));
      }
    }
    if (Array.isArray(s['allOf'])) {
      for (const member of s['allOf']) this.absorb(flat, member, ctx, choose, guard + 1);
    }
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
      this.absorb(flat, branch, ctx, choose, guard + 1);
      if (!this.objectRef(branch)) {
        const link = branches.find((other: unknown) => this.objectRef(other)) as unknown;
        if (isObj(link) && typeof link['$ref'] === 'string') flat.linkTo ??= refName(link['$ref']);
      }
      const disc = isObj(discriminator) ? flat.discriminator : undefined;
      if (disc !== undefined && isObj(branch) && typeof branch['$ref'] === 'string') {
        flat.forced.set(disc.propertyName, this.discriminatorValue(disc, branch['$ref']));
      }
    }
    if (s['not'] !== undefined) {
      flat.needsCheck = true;
      flat.nots.push(s['not']);
    }
    if (s['if'] !== undefined && (s['then'] !== undefined || s['else'] !== undefined)) {
      flat.needsCheck = true;
      // Try the `then` side first (the interesting one); on a retry the other side.
      if (choose([s['then'], s['else']], 'anyOf') === 0) {
        flat.musts.push(s['if']);
        this.absorb(flat, s['if'], ctx, choose, guard + 1);
        this.absorb(flat, s['then'], ctx, choose, guard + 1);
      } else {
        flat.nots.push(s['if']);
        this.absorb(flat, s['else'], ctx, choose, guard + 1);
      }
    }
  }

  private discriminatorValue(disc: Discriminator, ref: string): string {
    for (const [key, target] of Object.entries(disc.mapping)) if (target === ref) return key;
    return refName(ref) ?? ref;
  }

  private absorbEnum(flat: Flat, values: unknown[]): void {
    flat.enumValues =
      flat.enumValues === undefined
        ? [...values]
        : flat.enumValues.filter((v) => values.some((w) => jsonEqual(v, w)));
  }

  // ---- values --------------------------------------------------------------------------

  /** A value for `schema` at `ctx`, checked where choices were made. */
  value(schema: Schema, ctx: Ctx): Result {
    if (ctx.depth > this.maxDepth + HARD_DEPTH_MARGIN) {
      this.issue(ctx, 'required recursion does not end; cut with null');
      return null;
    }
    if (this.budget < this.maxNodes - HARD_NODE_LIMIT) {
      if (!this.hitNodeLimit)
        this.issue(ctx, `the value grows past ${HARD_NODE_LIMIT} nodes; cut with null from here`);
      this.hitNodeLimit = true;
      return null;
    }
    this.budget--;
    let first: Result = NONE;
    for (let attempt = 0; attempt < 4; attempt++) {
      const rng = attempt === 0 ? ctx.rng : ctx.rng.fork(`attempt${attempt}`);
      const actx: Ctx = attempt === 0 ? ctx : { ...ctx, rng };
      let pick: Rng | undefined;
      const mark = this.issues.length;
      const flat = this.flatten(schema, actx, (branches, kind) =>
        this.chooseBranch(branches, kind, actx, (pick ??= ctx.rng.fork('choice')), attempt),
      );
      const result = this.fromFlat(flat, schema, actx);
      if (!flat.needsCheck || result === NONE) return result;
      if (this.passesNots(result, flat)) return result;
      // A failed attempt's own complaints are moot: the next attempt starts over.
      this.issues.length = mark;
      if (first === NONE) first = result;
    }
    this.issue(ctx, 'no generated candidate satisfies oneOf/anyOf/not/if here');
    return first;
  }

  /**
   * A branch: random, but avoiding branches that recurse into a schema already being expanded
   * and, past the depth limit, preferring `null` and scalars so the value ends.
   */
  private objectRef(schema: Schema): boolean {
    if (!isObj(schema) || typeof schema['$ref'] !== 'string') return false;
    const target = this.resolve(schema['$ref']);
    return isObj(target) && (target['type'] === 'object' || isObj(target['properties']));
  }

  private chooseBranch(
    branches: readonly Schema[],
    kind: 'oneOf' | 'anyOf',
    ctx: Ctx,
    rng: Rng,
    attempt: number,
  ): number {
    const cut = this.cut(ctx);
    // `rng` restarts with every attempt, so each attempt draws the same start, shifted by the
    // attempt number: retries visit other branches.
    const start = (rng.int(0, branches.length - 1) + attempt) % branches.length;
    let best = start;
    let bestScore = Infinity;
    for (let k = 0; k < branches.length; k++) {
      const i = (start + k) % branches.length;
      const branch = branches[i];
      let score = this.recursive(branch, ctx) ? 4 : 0;
      if (isObj(branch) && branch['type'] === 'null') score += cut ? -1 : 1;
      // Deeper down, a reference to an object reads like an unexpanded link (Stripe's
      // `anyOf: [string, Customer]`): the id keeps responses realistic and small.
      if (kind === 'anyOf' && ctx.depth >= 2 && this.objectRef(branch)) score += 2;
      if (score < bestScore) {
        best = i;
        bestScore = score;
      }
    }
    return best;
  }

  /** Does this schema lead straight back into a schema being expanded (shallowly)? */
  private recursive(schema: Schema, ctx: Ctx, guard = 0): boolean {
    if (!isObj(schema) || guard > 4) return false;
    const ref = schema['$ref'];
    if (typeof ref === 'string' && ctx.refs.has(ref)) return true;
    if (typeof ref === 'string' && this.cut(ctx)) {
      // Past the cut any object-valued reference counts: it would only grow the value.
      const target = this.resolve(ref);
      if (isObj(target) && (target['type'] === 'object' || isObj(target['properties'])))
        return true;
    }
    if (schema['items'] !== undefined && this.recursive(schema['items'], ctx, guard + 1))
      return true;
    for (const k of ['allOf', 'anyOf', 'oneOf']) {
      const list = schema[k];
      if (Array.isArray(list) && list.some((m) => this.recursive(m, ctx, guard + 1))) return true;
    }
    return false;
  }

  private fromFlat(flat: Flat, schema: Schema, ctx: Ctx): Result {
    if (flat.impossible) {
      this.issue(ctx, 'the schema is `false` here: no value is valid');
      return NONE;
    }
    const inner: Ctx = {
      ...ctx,
      refs: flat.refs.length === 0 ? ctx.refs : new Set([...ctx.refs, ...flat.refs]),
    };
    for (const example of flat.examples) {
      if (conforms(example, schema, this.resolve) && this.passesNots(example, flat)) {
        return example as JsonValue;
      }
    }
    if (flat.enumValues !== undefined) return this.fromEnum(flat, schema, inner);
    const type = this.chooseType(flat, inner);
    switch (type) {
      case 'null':
        return null;
      case 'boolean':
        return this.boolean(inner);
      case 'integer':
      case 'number':
        return this.number(flat, type === 'integer', inner);
      case 'string':
        return this.string(
          flat,
          flat.linkTo === undefined ? inner : { ...inner, name: `${flat.linkTo}_id` },
        );
      case 'array':
        return this.array(flat, inner);
      case 'object':
        return this.object(flat, inner);
      case undefined:
      default:
        return this.anything(inner);
    }
  }

  private passesNots(value: unknown, flat: Flat): boolean {
    return (
      flat.nots.every((n) => !conforms(value, n, this.resolve)) &&
      flat.musts.every((m) => conforms(value, m, this.resolve))
    );
  }

  private fromEnum(flat: Flat, schema: Schema, ctx: Ctx): Result {
    const values = flat.enumValues!;
    const fits = (v: unknown): boolean =>
      (flat.types === undefined ||
        flat.types.some((t) => t === typeOf(v) || (t === 'number' && typeOf(v) === 'integer'))) &&
      conforms(v, schema, this.resolve) &&
      this.passesNots(v, flat);
    if (this.cut(ctx) && values.includes(null) && fits(null)) return null;
    // From a random start, the first value that fits; `null` only when nothing else does.
    // Checking lazily matters: Stripe-sized enums have dozens of members.
    const start = values.length > 0 ? ctx.rng.int(0, values.length - 1) : 0;
    for (const allowNull of [false, true]) {
      for (let k = 0; k < values.length; k++) {
        const v = values[(start + k) % values.length];
        if ((v !== null || allowNull) && fits(v)) return v as JsonValue;
      }
    }
    this.issue(ctx, 'no enum value satisfies the other constraints');
    return values.length > 0 ? (values[0] as JsonValue) : NONE;
  }

  private chooseType(flat: Flat, ctx: Ctx): string | undefined {
    let types = flat.types;
    if (types !== undefined) {
      // `not: {type: X}` (and `else` sides that are only a type) rule types out up front.
      for (const n of flat.nots) {
        if (!isObj(n) || Object.keys(n).length !== 1) continue;
        const excluded = typeof n['type'] === 'string' ? [n['type']] : n['type'];
        if (Array.isArray(excluded)) {
          types = types.filter(
            (t) => !excluded.includes(t) && !(t === 'integer' && excluded.includes('number')),
          );
        }
      }
      if (types.length === 0) {
        this.issue(ctx, 'no type satisfies the schema');
        return flat.types?.[0];
      }
      if (types.length === 1) return types[0];
      const nonNull = types.filter((t) => t !== 'null');
      if (types.includes('null') && (this.cut(ctx) || nonNull.length === 0)) return 'null';
      // `integer` and `number` both allowed: `number` is the wider, its generator covers both.
      const pool =
        nonNull.includes('integer') && nonNull.includes('number')
          ? nonNull.filter((t) => t !== 'integer')
          : nonNull;
      return pool[ctx.rng.int(0, pool.length - 1)];
    }
    if (
      flat.properties.size > 0 ||
      flat.required.size > 0 ||
      flat.additional.length > 0 ||
      flat.additionalFalse ||
      flat.patternProperties.length > 0 ||
      flat.minProperties !== undefined
    )
      return 'object';
    if (
      flat.items.length > 0 ||
      flat.prefixItems.length > 0 ||
      flat.minItems !== undefined ||
      flat.contains.length > 0
    )
      return 'array';
    if (flat.patterns.length > 0 || flat.minLength !== undefined || flat.maxLength !== undefined)
      return 'string';
    if (
      flat.minimum !== undefined ||
      flat.maximum !== undefined ||
      flat.exclusiveMinimum !== undefined ||
      flat.exclusiveMaximum !== undefined ||
      flat.multipleOf.length > 0
    )
      return 'number';
    if (flat.format !== undefined)
      return ['int32', 'int64', 'float', 'double'].includes(flat.format) ? 'number' : 'string';
    return undefined;
  }

  private anything(ctx: Ctx): JsonValue {
    if (ctx.name !== undefined) {
      const named = fakeForName(ctx.name, 'string', ctx.rng);
      if (named !== undefined) return named;
    }
    return fakeWord(ctx.rng);
  }

  private boolean(ctx: Ctx): boolean {
    if (ctx.name !== undefined) {
      const named = fakeForName(ctx.name, 'boolean', ctx.rng);
      if (typeof named === 'boolean') return named;
    }
    return ctx.rng.next() < 0.5;
  }

  // ---- numbers -------------------------------------------------------------------------

  private number(flat: Flat, integer: boolean, ctx: Ctx): number {
    const format = flat.format;
    integer ||= format === 'int32' || format === 'int64';
    let lo = flat.minimum ?? -Infinity;
    let hi = flat.maximum ?? Infinity;
    const xlo = flat.exclusiveMinimum;
    const xhi = flat.exclusiveMaximum;
    if (integer) {
      lo = Math.ceil(lo);
      hi = Math.floor(hi);
      if (xlo !== undefined) lo = Math.max(lo, Math.floor(xlo) + 1);
      if (xhi !== undefined) hi = Math.min(hi, Math.ceil(xhi) - 1);
      const range = format === 'int32' ? INT32 : SAFE;
      lo = Math.max(lo, range[0]);
      hi = Math.min(hi, range[1]);
    }
    if (!integer) {
      if (xlo !== undefined) lo = Math.max(lo, xlo);
      if (xhi !== undefined) hi = Math.min(hi, xhi);
    }
    const ok = (v: number): boolean =>
      Number.isFinite(v) &&
      (!integer || Number.isInteger(v)) &&
      v >= lo &&
      v <= hi &&
      (xlo === undefined || v > xlo) &&
      (xhi === undefined || v < xhi) &&
      flat.multipleOf.every((m) => isMultipleOf(v, m)) &&
      (format === undefined || checkFormat(format, v)) &&
      this.passesNots(v, flat);
    if (ctx.name !== undefined || format === 'unix-time') {
      const named =
        format === 'unix-time'
          ? fakeUnixSeconds(ctx.rng)
          : fakeForName(ctx.name ?? '', integer ? 'integer' : 'number', ctx.rng);
      if (typeof named === 'number' && ok(named)) return named;
    }
    // A default window when a side is open: small positive numbers read best.
    // Decided on the bounds the schema gives, not on the int32/safe-integer clamp above (which
    // would otherwise put an unbounded count near -2^53).
    const openLo = flat.minimum === undefined && xlo === undefined;
    const openHi = flat.maximum === undefined && xhi === undefined;
    let wlo = lo;
    let whi = hi;
    if (openLo && openHi) [wlo, whi] = [1, 1000];
    else if (openLo) wlo = whi >= 1 ? Math.max(0, whi - 1000) : whi - 1000;
    else if (openHi) whi = wlo + 1000;
    wlo = Math.max(wlo, lo);
    whi = Math.min(whi, hi);
    if (wlo > whi) {
      this.issue(ctx, `no number lies between ${lo} and ${hi}`);
      return lo === -Infinity ? hi : lo;
    }
    const rng = ctx.rng;
    if (flat.multipleOf.length > 0) {
      const m = flat.multipleOf[0]!;
      const kLo = Math.ceil(wlo / m);
      const kHi = Math.floor(whi / m);
      for (let attempt = 0; attempt < 24 && kLo <= kHi; attempt++) {
        const k = attempt < 16 ? rng.int(kLo, kHi) : kLo + (attempt - 16);
        for (const v of [k * m, Number((k * m).toPrecision(12))]) if (ok(v)) return v;
      }
      // Wider window: any multiple within the real bounds.
      const kLo2 = Math.ceil(lo / m);
      for (let k = Number.isFinite(kLo2) ? kLo2 : 0, n = 0; n < 50; k++, n++) {
        for (const v of [k * m, Number((k * m).toPrecision(12))]) if (ok(v)) return v;
      }
      this.issue(
        ctx,
        `no multiple of ${flat.multipleOf.join(' and ')} found between ${lo} and ${hi}`,
      );
      return Number.isFinite(lo) ? lo : 0;
    }
    for (let attempt = 0; attempt < 8; attempt++) {
      let v: number;
      if (integer) v = rng.int(Math.ceil(wlo), Math.floor(whi));
      else {
        v = wlo + rng.next() * (whi - wlo);
        const rounded = Math.round(v * 100) / 100;
        v = rounded >= wlo && rounded <= whi ? rounded : v;
      }
      if (ok(v)) return v;
    }
    const middle = integer ? Math.floor((wlo + whi) / 2) : (wlo + whi) / 2;
    if (ok(middle)) return middle;
    if (integer) {
      // A `not` or a format can rule out most of a range: walk it from the bottom.
      for (let v = Math.ceil(wlo), n = 0; v <= whi && n < 64; v++, n++) if (ok(v)) return v;
    }
    this.issue(ctx, `no ${integer ? 'integer' : 'number'} lies within the bounds`);
    return middle;
  }

  // ---- strings -------------------------------------------------------------------------

  private stringOk(flat: Flat, text: string, checkFormatToo: boolean): boolean {
    const length = codePointLength(text);
    if (flat.minLength !== undefined && length < flat.minLength) return false;
    if (flat.maxLength !== undefined && length > flat.maxLength) return false;
    for (const p of flat.patterns) {
      const regex = patternRegex(p);
      if (regex !== null && !regex.test(text)) return false;
    }
    if (checkFormatToo && flat.format !== undefined && !checkFormat(flat.format, text))
      return false;
    return flat.enumValues === undefined && this.passesNots(text, flat);
  }

  private string(flat: Flat, ctx: Ctx): string {
    const rng = ctx.rng;
    const fromFormat = flat.format !== undefined ? formatValue(flat.format, ctx) : undefined;
    if (fromFormat !== undefined && this.stringOk(flat, fromFormat, true)) return fromFormat;
    const named = ctx.name !== undefined ? fakeForName(ctx.name, 'string', rng) : undefined;
    if (flat.patterns.length > 0) {
      if (typeof named === 'string' && this.stringOk(flat, named, true)) return named;
      const pattern = flat.patterns[0]!;
      const lengths = {
        ...(flat.minLength !== undefined ? { minLength: flat.minLength } : {}),
        ...(flat.maxLength !== undefined ? { maxLength: flat.maxLength } : {}),
      };
      // Several patterns (allOf): draw from each in turn; a sample must satisfy them all.
      for (let attempt = 0; attempt < 4 * flat.patterns.length; attempt++) {
        const source = flat.patterns[attempt % flat.patterns.length]!;
        const sample = sampleRegex(
          source,
          attempt === 0 ? rng : rng.fork(`pattern${attempt}`),
          lengths,
        );
        if (sample !== undefined && this.stringOk(flat, sample, true)) return sample;
      }
      this.issue(ctx, `could not produce a string matching /${pattern}/ within the length limits`);
      return sampleRegex(pattern, rng) ?? '';
    }
    if (fromFormat === undefined && typeof named === 'string' && this.stringOk(flat, named, true)) {
      return named;
    }
    const min = flat.minLength ?? 0;
    const max = flat.maxLength ?? Infinity;
    // Too long or too short: fit the name-aware or formatted text, or words, to the limits.
    const base = fromFormat ?? (typeof named === 'string' ? named : wordsText(rng));
    for (const candidate of [base, wordsText(rng), fakeAlnum(rng, 12)]) {
      const fitted = fitLength(candidate, min, max);
      if (this.stringOk(flat, fitted, true)) return fitted;
    }
    const plain = fitLength(fakeAlnum(rng, Math.min(Math.max(min, 8), 64)), min, max);
    if (!this.stringOk(flat, plain, true))
      this.issue(ctx, 'could not produce a string that satisfies every constraint');
    return plain;
  }

  // ---- arrays --------------------------------------------------------------------------

  private itemSchema(flat: Flat, index: number): Schema {
    const list = index < flat.prefixItems.length ? flat.prefixItems[index]! : flat.items;
    if (list.length === 0) return true;
    return list.length === 1 ? list[0] : { allOf: list };
  }

  private array(flat: Flat, ctx: Ctx): JsonValue[] {
    const rng = ctx.rng;
    const minItems = Math.max(flat.minItems ?? 0, flat.contains.length > 0 ? 1 : 0);
    let maxItems = flat.maxItems ?? Infinity;
    if (flat.itemsFalse) maxItems = Math.min(maxItems, flat.prefixItems.length);
    let count: number;
    const recursive = flat.items.some((s) => this.recursive(s, ctx));
    if (this.cut(ctx) || (recursive && minItems === 0)) count = minItems;
    else count = rng.int(Math.max(minItems, 1), Math.max(minItems, 1) + (ctx.depth >= 2 ? 0 : 2));
    count = Math.max(Math.min(count, maxItems), Math.min(minItems, maxItems));
    const containsAt = flat.contains.length > 0 ? rng.int(0, Math.max(0, count - 1)) : -1;
    const out: JsonValue[] = [];
    const seen = new Set<string>();
    const itemName = singular(ctx.name);
    for (let i = 0; out.length < count && i < count + 8; i++) {
      let schema = this.itemSchema(flat, out.length);
      if (out.length === containsAt) schema = { allOf: [schema, ...flat.contains] };
      let value: Result = NONE;
      for (let retry = 0; retry < (flat.uniqueItems ? 6 : 1); retry++) {
        const label = retry === 0 ? String(i) : `${i}#${retry}`;
        const candidate = this.value(schema, {
          rng: rng.fork(label),
          name: itemName,
          depth: ctx.depth + 1,
          refs: ctx.refs,
          pointer: `${ctx.pointer}/${out.length}`,
        });
        if (candidate === NONE) break;
        if (flat.uniqueItems) {
          const key = JSON.stringify(candidate);
          if (seen.has(key)) continue;
          seen.add(key);
        }
        value = candidate;
        break;
      }
      if (value === NONE) {
        if (out.length >= minItems) break;
        continue;
      }
      out.push(value);
    }
    if (out.length < minItems)
      this.issue(ctx, `could only produce ${out.length} of ${minItems} items`);
    return out;
  }

  // ---- objects -------------------------------------------------------------------------

  private propertySchema(flat: Flat, name: string): Schema {
    const list = flat.properties.get(name);
    const matching: Schema[] = list === undefined ? [] : [...list];
    for (const [pattern, sub] of flat.patternProperties) {
      if (patternRegex(pattern)?.test(name) === true) matching.push(sub);
    }
    if (list === undefined && matching.length === 0) matching.push(...flat.additional);
    if (matching.length === 0) return true;
    return matching.length === 1 ? matching[0] : { allOf: matching };
  }

  private object(flat: Flat, ctx: Ctx): JsonValue {
    const rng = ctx.rng;
    const cut = this.cut(ctx);
    const out: Record<string, JsonValue> = {};
    let count = 0;
    const isAddress = ADDRESS_SIBLINGS.some((sibling) => flat.properties.has(sibling));
    const add = (name: string, required: boolean): boolean => {
      if (Object.hasOwn(out, name)) return true;
      const schema = this.propertySchema(flat, name);
      const forced = flat.forced.get(name);
      if (forced !== undefined && conforms(forced, schema, this.resolve)) {
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
      const value = this.value(schema, {
        rng: rng.fork(name),
        name: valueName,
        depth: ctx.depth + 1,
        refs: ctx.refs,
        pointer: `${ctx.pointer}/${escapePointerToken(name)}`,
      });
      if (value === NONE) {
        if (required) this.issue(ctx, `no value for required property ${name}`);
        return false;
      }
      setOwn(out, name, value);
      count++;
      return true;
    };
    const maxProperties = flat.maxProperties ?? Infinity;
    for (const name of flat.properties.keys()) {
      if (flat.required.has(name)) add(name, true);
      else if (!cut && count < maxProperties - this.requiredLeft(flat, out)) {
        if (
          !this.recursive(this.propertySchema(flat, name), ctx) &&
          this.optionalAllowed(flat, name)
        ) {
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
      const key = this.extraKey(flat, ctx, i);
      if (key === undefined) break;
      add(key, false);
    }
    if (flat.minProperties !== undefined && count < flat.minProperties) {
      this.issue(ctx, `could only produce ${count} of ${flat.minProperties} properties`);
    }
    return out;
  }

  private requiredLeft(flat: Flat, out: Record<string, JsonValue>): number {
    let n = 0;
    for (const name of flat.required) if (!Object.hasOwn(out, name)) n++;
    return n;
  }

  /** May an object here carry `name` (declared, pattern-matched or additional; propertyNames)? */
  private propertyAllowed(flat: Flat, name: string): boolean {
    if (
      flat.additionalFalse &&
      !flat.properties.has(name) &&
      !flat.patternProperties.some(([p]) => patternRegex(p)?.test(name) === true)
    ) {
      return false;
    }
    return flat.propertyNames.every((s) => conforms(name, s, this.resolve));
  }

  /** An optional property is worth adding only if what it drags in (dependentRequired) may be. */
  private optionalAllowed(flat: Flat, name: string): boolean {
    if (!this.propertyAllowed(flat, name)) return false;
    const needs = flat.dependentRequired.get(name);
    return needs === undefined || needs.every((n) => this.propertyAllowed(flat, n));
  }

  /** A new key for an extra property, or undefined when no more keys are allowed. */
  private extraKey(flat: Flat, ctx: Ctx, i: number): string | undefined {
    const rng = ctx.rng.fork(`key${i}`);
    const candidates: string[] = [];
    for (const [pattern] of flat.patternProperties) {
      const sample = sampleRegex(pattern, rng);
      if (sample !== undefined) candidates.push(sample);
    }
    if (!flat.additionalFalse) {
      for (const names of flat.propertyNames) {
        const generated = this.value(names, { ...ctx, rng, name: undefined, pointer: ctx.pointer });
        if (typeof generated === 'string') candidates.push(generated);
      }
      candidates.push(`${fakeWord(rng)}_${i + 1}`);
    }
    for (const key of candidates) {
      if (!this.propertyAllowed(flat, key)) continue;
      if (flat.properties.has(key)) continue;
      return key;
    }
    return undefined;
  }
}

function wordsText(rng: Rng): string {
  return `${fakeWord(rng)} ${fakeWord(rng)}`;
}

/** Cuts or pads `text` to a code-point length within [min, max]. */
function fitLength(text: string, min: number, max: number): string {
  let chars = [...text];
  if (chars.length > max) chars = chars.slice(0, max);
  let out = chars.join('').trimEnd();
  if ([...out].length < min || out.length === 0) out = chars.join('');
  const length = [...out].length;
  if (length < min) out += 'x'.repeat(min - length);
  return out;
}

/** A value for a string `format`, or undefined when the format says nothing useful. */
function formatValue(format: string, ctx: Ctx): string | undefined {
  const rng = ctx.rng;
  switch (format) {
    case 'date-time':
    case 'iso-date-time':
      return fakeDateTime(rng);
    case 'date':
      return fakeDate(rng);
    case 'time':
    case 'iso-time':
      return fakeTime(rng);
    case 'email':
    case 'idn-email': {
      const named = ctx.name !== undefined ? fakeForName(ctx.name, 'string', rng) : undefined;
      if (typeof named === 'string' && named.endsWith('@example.com')) return named;
      return `${fakeWord(rng)}.${fakeWord(rng)}@example.com`;
    }
    case 'uri':
    case 'url':
    case 'iri':
    case 'uri-reference':
    case 'iri-reference': {
      const named = ctx.name !== undefined ? fakeForName(ctx.name, 'string', rng) : undefined;
      if (typeof named === 'string' && named.startsWith('https://example.com/')) return named;
      return `https://example.com/${fakeWord(rng)}/${fakeAlnum(rng, 8)}`;
    }
    case 'uri-template':
      return `https://example.com/${fakeWord(rng)}/{id}`;
    case 'uuid':
      return fakeUuid(rng);
    case 'hostname':
    case 'idn-hostname':
      return `${fakeWord(rng)}.example.com`;
    case 'ipv4':
      return fakeIpv4(rng);
    case 'ipv6':
      return fakeIpv6(rng);
    case 'byte':
      return base64Ascii(`${fakeWord(rng)} ${fakeWord(rng)}`);
    case 'binary':
      return `${fakeWord(rng)}-${fakeAlnum(rng, 8)}`;
    case 'password':
      return `example-password-${fakeAlnum(rng, 6)}`;
    case 'duration':
      return `P${rng.int(1, 30)}D`;
    case 'json-pointer':
      return `/${fakeWord(rng)}/${rng.int(0, 9)}`;
    case 'relative-json-pointer':
      return `${rng.int(0, 3)}/${fakeWord(rng)}`;
    case 'regex':
      return '^[a-z0-9_-]+$';
    case 'int32':
    case 'int64':
      return String(rng.int(1, 100_000));
    case 'float':
    case 'double':
    case 'decimal':
      return (rng.int(100, 100_000) / 100).toFixed(2);
    case 'unix-time':
      return String(fakeUnixSeconds(rng));
    default:
      return undefined;
  }
}

/** A JSON value valid against `schema` (a node of toJsonSchemaDocument's output). */
export function generateValue(schema: unknown, options: GenerateOptions): JsonValue {
  const generator = new Generator(
    options.resolve,
    options.maxDepth ?? DEFAULT_MAX_DEPTH,
    options.maxNodes ?? DEFAULT_MAX_NODES,
    options.onIssue,
  );
  const ctx: Ctx = {
    rng: options.rng,
    name: options.name,
    depth: 0,
    refs: new Set(),
    pointer: '',
  };
  // Every node is built to satisfy its schema; one last full check catches what the targeted
  // ones cannot (a `oneOf` deep inside a merged `allOf`, a contradiction) and retries with other
  // draws before reporting.
  let result = generator.value(schema, ctx);
  if (result !== NONE && !conforms(result, schema, generator.resolve)) {
    const firstIssues = [...generator.issues];
    let fixed = false;
    for (let retry = 1; retry <= 2 && !fixed && !generator.overflowed; retry++) {
      generator.issues.length = 0;
      const again = generator.value(schema, { ...ctx, rng: options.rng.fork(`retry${retry}`) });
      if (again !== NONE && conforms(again, schema, generator.resolve)) {
        result = again;
        fixed = true;
      }
    }
    if (!fixed) {
      generator.issues.length = 0;
      generator.issues.push(...firstIssues);
      generator.issue(ctx, 'the generated value does not satisfy the schema');
    }
  }
  generator.flushIssues();
  return result === NONE ? null : result;
}
