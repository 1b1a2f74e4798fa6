/**
 * The mock resolvers: a `fieldResolver` and a `typeResolver` for graphql-js `execute` that make
 * up every value from the seed, so no resolver has to be written per type.
 *
 * The rules (docs/graphql-mock.md tells them to users):
 * - Every object is a `MockNode` with a key. A leaf's value derives from (seed, the key of the
 *   object holding it, the field name, the arguments): aliases and sibling fields change nothing.
 * - An object type with an identity field (`id`, else its first `ID` field) is an entity: its key
 *   is `Type:idValue`, not its path, so every query that reaches `User` "42" — by `user(id: "42")`,
 *   through a list, or through a mutation — sees the same scalar values for it. The id comes from
 *   the field's arguments (an `id` argument, an `input.id`, or on the query type the only `ID`
 *   argument), else it is generated from the path.
 * - Arguments echo: a field's arguments (and the fields of its input-object arguments) are handed
 *   to the object it returns; its fields of the same name, with a type the value fits, answer
 *   with the argument's value. `createUser(input: {email})` returns that email. An object without
 *   an identity field (a payload or a connection) passes them on to the objects below it.
 * - Lists have 2–3 items, or as many as a `first`/`last`/`limit` argument asks for (at most 100).
 * - Abstract types (interfaces, unions) resolve to one of their possible types, chosen from the
 *   key (or the id), so `__typename` is a real type and stays the same for the same object.
 */
import {
  isLeafType,
  isListType,
  isNonNullType,
  isSpecifiedScalarType,
  type GraphQLFieldResolver,
  type GraphQLObjectType,
  type GraphQLOutputType,
  type GraphQLSchema,
  type GraphQLTypeResolver,
} from 'graphql';
import { canonicalJson, type JsonValue, isRecord } from '../../json.js';
import { argumentEffects, type Echo } from './arguments.js';
import { nameTokens } from '../generate/names.js';
import { ValueKey } from './keys.js';
import { SchemaPlans, type Shape } from './plans.js';
import { personName, personValue } from './scalars.js';

/** One mocked object: what its fields need to derive their values. */
export class MockNode {
  constructor(
    /** The concrete object type, for `__typename` and abstract types. */
    readonly typename: string,
    /** What this object's field values derive from. */
    readonly key: ValueKey,
    /** Argument values for fields of the same name. */
    readonly echo: Echo | undefined,
    /** The identity field and its value, for entities. */
    readonly idField: string | undefined,
    readonly idValue: unknown,
    /** List length for this object's list fields (a connection asked for `first: n`). */
    readonly pageSize: number | undefined,
    /** Below a list: identity values are not echoed (items must not share an id). */
    readonly inList: boolean,
  ) {}

  private person: readonly [string, string] | undefined;

  /** The first and last name of the person this object stands for, made once per object. */
  personName(): readonly [string, string] {
    return (this.person ??= personName(this.key.with('#person').rng()));
  }
}

export interface MockResolvers {
  readonly fieldResolver: GraphQLFieldResolver<unknown, unknown>;
  readonly typeResolver: GraphQLTypeResolver<unknown, unknown>;
  /** The root object of an operation on the given root type. */
  root(type: GraphQLObjectType): MockNode;
}

const JSON_LIKE = /^(json|jsonobject|jsonvalue|object|map|any)$/;

/** Whether `value` is a valid result for a field of `type` (so echoing it cannot fail). */
export function fits(value: unknown, type: GraphQLOutputType): boolean {
  if (isNonNullType(type)) return value !== null && value !== undefined && fits(value, type.ofType);
  if (value === null) return true;
  if (value === undefined) return false;
  if (isListType(type))
    return Array.isArray(value) && value.every((item) => fits(item, type.ofType));
  if (!isLeafType(type)) return false;
  // A custom scalar built from SDL accepts anything: keep structured values (a filter such as
  // `{gt: "2026-01-01"}`) out of scalars that are not JSON-like.
  if (
    typeof value === 'object' &&
    !isSpecifiedScalarType(type) &&
    !JSON_LIKE.test(type.name.toLowerCase())
  )
    return false;
  try {
    type.serialize(value);
    return true;
  } catch {
    return false;
  }
}

/**
 * The possible type an id names by its prefix: the mock makes ids like `user_3kq…` for `User`
 * and `order_line_…` for `OrderLine`, so `node(id: "user_3kq…")` finds a `User` again.
 */
function typeNamedBy(
  id: string,
  possible: readonly GraphQLObjectType[],
): GraphQLObjectType | undefined {
  let best: GraphQLObjectType | undefined;
  let bestLength = 0;
  for (const type of possible) {
    const prefix = `${nameTokens(type.name).join('_')}_`;
    if (prefix.length > bestLength && id.startsWith(prefix)) {
      best = type;
      bestLength = prefix.length;
    }
  }
  return best;
}

/**
 * Builds the resolvers for one schema and seed. They keep no state between requests (only
 * caches of what the schema says), so the same operation always produces the same data.
 */
export function createMockResolvers(schema: GraphQLSchema, seed: string): MockResolvers {
  const plans = new SchemaPlans(schema);

  function makeNode(
    shape: Extract<Shape, { kind: 'object' | 'abstract' }>,
    key: ValueKey,
    echo: Echo | undefined,
    pageSize: number | undefined,
    idHint: unknown,
    inList: boolean,
  ): MockNode | null {
    let concrete: GraphQLObjectType;
    if (shape.kind === 'abstract') {
      if (shape.possible.length === 0) return null;
      const id = inList ? undefined : (echo?.['id'] ?? idHint);
      const named = typeof id === 'string' ? typeNamedBy(id, shape.possible) : undefined;
      const chooser =
        id === undefined || id === null
          ? key.with('#type')
          : ValueKey.root(seed, `${shape.type.name}#${canonicalJson(id as JsonValue)}`);
      concrete = named ?? chooser.rng().pick(shape.possible);
    } else {
      concrete = shape.type;
    }
    const identity = plans.identityOf(concrete);
    if (identity === null)
      return new MockNode(concrete.name, key, echo, undefined, undefined, pageSize, inList);
    let idValue: unknown;
    const echoed = inList || echo === undefined ? undefined : echo[identity.name];
    if (echoed !== undefined && echoed !== null && fits(echoed, identity.type)) idValue = echoed;
    else if (idHint !== undefined && idHint !== null && fits(idHint, identity.type))
      idValue = idHint;
    else
      idValue = identity.generate(
        identity.name,
        key.with(`.${identity.name}`).rng(),
        concrete.name,
      );
    const entityKey = ValueKey.root(
      seed,
      `${concrete.name}:${canonicalJson(idValue as JsonValue)}`,
    );
    return new MockNode(concrete.name, entityKey, echo, identity.name, idValue, pageSize, inList);
  }

  function produce(
    shape: Shape,
    key: ValueKey,
    fieldName: string,
    parentType: string,
    echo: Echo | undefined,
    length: number | undefined,
    pageSize: number | undefined,
    idHint: unknown,
    inList: boolean,
  ): unknown {
    switch (shape.kind) {
      case 'leaf':
        return shape.generate(fieldName, key.rng(), parentType);
      case 'list': {
        const n = length ?? key.with('#length').rng().int(2, 3);
        const items: unknown[] = new Array<unknown>(n);
        for (let i = 0; i < n; i++) {
          items[i] = produce(
            shape.of,
            key.with(`[${i}]`),
            fieldName,
            parentType,
            echo,
            undefined,
            undefined,
            undefined,
            true,
          );
        }
        return items;
      }
      case 'object':
      case 'abstract':
        return makeNode(shape, key, echo, pageSize, idHint, inList);
    }
  }

  const fieldResolver: GraphQLFieldResolver<unknown, unknown> = (source, args, _context, info) => {
    if (!(source instanceof MockNode)) return undefined;
    const name = info.fieldName;
    if (name === source.idField) return source.idValue;
    const field = info.parentType.getFields()[name];
    if (field === undefined) return undefined;
    const plan = plans.planOf(info.parentType, field);
    const echo = source.echo;
    const echoed = echo !== undefined && Object.hasOwn(echo, name) ? echo[name] : undefined;
    if (echoed !== undefined && plan.isLeaf && fits(echoed, field.type)) return echoed;
    const effects = argumentEffects(plan.args, args as Record<string, unknown>);
    const key = source.key.with(`.${name}${effects.keySuffix}`);
    const length = plan.isList ? (effects.pageSize ?? source.pageSize) : undefined;
    if (plan.person !== undefined && !plan.isList)
      return personValue(plan.person, source.personName(), key.rng());
    if (plan.isLeaf)
      return produce(
        plan.shape,
        key,
        name,
        source.typename,
        undefined,
        length,
        undefined,
        undefined,
        source.inList,
      );
    // What the returned objects receive: this field's own input object (structured echo), or
    // from a payload/connection, everything it received; then this field's arguments.
    let inherited: Echo | undefined;
    if (isRecord(echoed)) inherited = echoed;
    else if (source.idField === undefined) inherited = echo;
    const childEcho =
      effects.echo === undefined
        ? inherited
        : inherited === undefined
          ? effects.echo
          : { ...inherited, ...effects.echo };
    return produce(
      plan.shape,
      key,
      name,
      source.typename,
      childEcho,
      length,
      plan.isList ? undefined : effects.pageSize,
      plan.idArgument === undefined
        ? undefined
        : (args as Record<string, unknown>)[plan.idArgument],
      source.inList,
    );
  };

  const typeResolver: GraphQLTypeResolver<unknown, unknown> = (value) =>
    value instanceof MockNode ? value.typename : undefined;

  return {
    fieldResolver,
    typeResolver,
    root: (type) =>
      new MockNode(
        type.name,
        ValueKey.root(seed, type.name),
        undefined,
        undefined,
        undefined,
        undefined,
        false,
      ),
  };
}
