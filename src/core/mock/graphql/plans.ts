/**
 * What the GraphQL mock's resolvers know about a schema, worked out once per type and field and
 * kept: the shape of a field's return type, the identity field of an entity type, the leaf
 * generators, and which part of a person a string field shows. The resolvers (resolver.ts) only
 * read these plans while they make values up.
 */
import {
  getNamedType,
  isLeafType,
  isListType,
  isObjectType,
  type GraphQLAbstractType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLLeafType,
  type GraphQLObjectType,
  type GraphQLOutputType,
  type GraphQLSchema,
} from 'graphql';
import { unwrapNonNull } from './arguments.js';
import { leafGenerator, personPart, type LeafGenerator, type PersonPart } from './scalars.js';

/** The identity field of an entity type. */
export interface Identity {
  readonly name: string;
  readonly type: GraphQLLeafType;
  readonly generate: LeafGenerator;
}

/**
 * A field's return type compiled once: non-null dropped (the mock never answers null where it
 * has a value), lists, and what sits inside them.
 */
export type Shape =
  | { readonly kind: 'leaf'; readonly generate: LeafGenerator }
  | { readonly kind: 'list'; readonly of: Shape }
  | { readonly kind: 'object'; readonly type: GraphQLObjectType }
  | {
      readonly kind: 'abstract';
      readonly type: GraphQLAbstractType;
      readonly possible: readonly GraphQLObjectType[];
    };

/** What the resolver needs to know about one field, computed on its first use. */
export interface FieldPlan {
  readonly shape: Shape;
  readonly isLeaf: boolean;
  readonly isList: boolean;
  readonly args: readonly GraphQLArgument[];
  /** On the query type, the name of the only `ID` argument of a field returning one object. */
  readonly idArgument: string | undefined;
  /** The part of a person this string field shows, agreeing with the object's other parts. */
  readonly person: PersonPart | undefined;
}

/** Scalar types a person's name or address can be served as. */
const PERSON_SCALARS = /^(string|email|emailaddress)$/;

/**
 * The person part a field shows: by its name, on a string-like field; a bare `name` only on a
 * type that also shows another part (a `Store`'s name is not a person's).
 */
function personOf(
  parent: GraphQLObjectType,
  field: GraphQLField<unknown, unknown>,
): PersonPart | undefined {
  const type = unwrapNonNull(field.type);
  if (!isLeafType(type) || !PERSON_SCALARS.test(type.name.toLowerCase())) return undefined;
  const part = personPart(field.name);
  if (part !== undefined) return part;
  if (field.name !== 'name') return undefined;
  const others = Object.values(parent.getFields()).some(
    (f) => f !== field && personPart(f.name) !== undefined,
  );
  return others ? 'full' : undefined;
}

/** The plans of one schema, made on first use. */
export class SchemaPlans {
  private readonly identities = new Map<GraphQLObjectType, Identity | null>();
  private readonly generators = new Map<GraphQLLeafType, LeafGenerator>();
  private readonly plans = new Map<GraphQLField<unknown, unknown>, FieldPlan>();
  private readonly queryType: GraphQLObjectType | null | undefined;

  constructor(private readonly schema: GraphQLSchema) {
    this.queryType = schema.getQueryType();
  }

  private generatorFor(type: GraphQLLeafType): LeafGenerator {
    let generate = this.generators.get(type);
    if (generate === undefined) {
      generate = leafGenerator(type);
      this.generators.set(type, generate);
    }
    return generate;
  }

  /** The identity field of an object type: `id`, else the first field of type ID. */
  identityOf(type: GraphQLObjectType): Identity | null {
    let found = this.identities.get(type);
    if (found !== undefined) return found;
    const fields = type.getFields();
    found = null;
    const id = fields['id'];
    const candidates = id ? [id, ...Object.values(fields)] : Object.values(fields);
    for (const field of candidates) {
      const t = unwrapNonNull(field.type);
      if (!isLeafType(t)) continue;
      if (field.name === 'id' || t.name === 'ID') {
        found = { name: field.name, type: t, generate: this.generatorFor(t) };
        break;
      }
    }
    this.identities.set(type, found);
    return found;
  }

  private shapeOf(type: GraphQLOutputType): Shape {
    const t = unwrapNonNull(type);
    if (isListType(t)) return { kind: 'list', of: this.shapeOf(t.ofType as GraphQLOutputType) };
    if (isLeafType(t)) return { kind: 'leaf', generate: this.generatorFor(t) };
    if (isObjectType(t)) return { kind: 'object', type: t };
    return { kind: 'abstract', type: t, possible: this.schema.getPossibleTypes(t) };
  }

  /** What the resolver needs to know about `field` of `parent`. */
  planOf(parent: GraphQLObjectType, field: GraphQLField<unknown, unknown>): FieldPlan {
    let plan = this.plans.get(field);
    if (plan !== undefined) return plan;
    const shape = this.shapeOf(field.type);
    let idArgument: string | undefined;
    if (parent === this.queryType && shape.kind !== 'list' && shape.kind !== 'leaf') {
      const ids = field.args.filter((a) => {
        const t = unwrapNonNull(a.type);
        return isLeafType(t) && t.name === 'ID';
      });
      if (ids.length === 1) idArgument = ids[0]!.name;
    }
    plan = {
      shape,
      person: personOf(parent, field),
      isLeaf: isLeafType(getNamedType(field.type)),
      isList: shape.kind === 'list',
      args: field.args,
      idArgument,
    };
    this.plans.set(field, plan);
    return plan;
  }
}
