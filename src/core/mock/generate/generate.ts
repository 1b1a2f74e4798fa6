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
import { conforms, typeOf } from '../openapi/conforms.js';
import { generateArray } from './arrays.js';
import { NONE, type Ctx, type GeneratorHost, type Result, type Schema } from './context.js';
import { fakeWord } from './fake.js';
import type { Flat } from './flat.js';
import { flatten } from './flatten.js';
import { fakeForName } from './names.js';
import { generateNumber } from './numbers.js';
import { generateObject } from './objects.js';
import type { Rng } from './random.js';
import { generateString } from './strings.js';
import { isRecord } from '../../json.js';

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

/**
 * One value being built: the budget, the issues, the memoized resolver and the choice of
 * branches and types. Flattening (flatten.ts) and the builders of numbers, strings, arrays and
 * objects (numbers.ts, strings.ts, arrays.ts, objects.ts) call back into it as their host.
 */
class Generator implements GeneratorHost {
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
  cut(ctx: Ctx): boolean {
    return ctx.depth >= this.maxDepth || this.budget <= 0;
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
      const flat = flatten(this, schema, actx, (branches, kind) =>
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
  objectRef(schema: Schema): boolean {
    if (!isRecord(schema) || typeof schema['$ref'] !== 'string') return false;
    const target = this.resolve(schema['$ref']);
    return isRecord(target) && (target['type'] === 'object' || isRecord(target['properties']));
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
      if (isRecord(branch) && branch['type'] === 'null') score += cut ? -1 : 1;
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
  recursive(schema: Schema, ctx: Ctx, guard = 0): boolean {
    if (!isRecord(schema) || guard > 4) return false;
    const ref = schema['$ref'];
    if (typeof ref === 'string' && ctx.refs.has(ref)) return true;
    if (typeof ref === 'string' && this.cut(ctx)) {
      // Past the cut any object-valued reference counts: it would only grow the value.
      const target = this.resolve(ref);
      if (isRecord(target) && (target['type'] === 'object' || isRecord(target['properties'])))
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
        return generateNumber(this, flat, type === 'integer', inner);
      case 'string':
        return generateString(
          this,
          flat,
          flat.linkTo === undefined ? inner : { ...inner, name: `${flat.linkTo}_id` },
        );
      case 'array':
        return generateArray(this, flat, inner);
      case 'object':
        return generateObject(this, flat, inner);
      case undefined:
      default:
        return this.anything(inner);
    }
  }

  passesNots(value: unknown, flat: Flat): boolean {
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
        if (!isRecord(n) || Object.keys(n).length !== 1) continue;
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
