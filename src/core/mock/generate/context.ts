/**
 * What the parts of the generator share: the context of one value being built, the marker for
 * "no value", and the host each part calls back into (the `Generator` in generate.ts), so the
 * parts recurse through one budget, one issue list and one memoized resolver.
 */
import type { JsonValue } from '../../json.js';
import type { Flat } from './flat.js';
import type { Rng } from './random.js';

export type Obj = Record<string, unknown>;
export type Schema = unknown;

export interface Ctx {
  readonly rng: Rng;
  readonly name: string | undefined;
  readonly depth: number;
  /** Refs expanded on the way down to this node: seeing one again means recursion. */
  readonly refs: ReadonlySet<string>;
  readonly pointer: string;
}

export const NONE = Symbol('none');
export type Result = JsonValue | typeof NONE;

/** The generator as its parts see it. */
export interface GeneratorHost {
  /** The caller's `$ref` resolver, memoized. */
  readonly resolve: (ref: string) => unknown;
  /** Notes an issue at `ctx.pointer` for the value being built. */
  issue(ctx: Ctx, message: string): void;
  /** Past the depth limit or out of budget: required content only. */
  cut(ctx: Ctx): boolean;
  /** A value for `schema`, checked where choices were made. */
  value(schema: Schema, ctx: Ctx): Result;
  /** Does the value satisfy the `not`s and `must`s the flattening collected? */
  passesNots(value: unknown, flat: Flat): boolean;
  /** Does this schema lead straight back into a schema being expanded (shallowly)? */
  recursive(schema: Schema, ctx: Ctx): boolean;
  /** Is this schema a `$ref` to an object schema? */
  objectRef(schema: Schema): boolean;
}
