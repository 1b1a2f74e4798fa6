/**
 * The `Flat` model: everything one schema node asks of a value once its `$ref`s are followed,
 * its `allOf` merged and its choices made (see flatten.ts, which builds it). The value builders
 * (numbers, strings, arrays, objects) read only this.
 */
import type { Schema } from './context.js';

export interface Discriminator {
  readonly propertyName: string;
  readonly mapping: Readonly<Record<string, string>>;
}

/** Everything one node asks for, after refs, allOf and choices are merged. */
export interface Flat {
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

export function emptyFlat(): Flat {
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
