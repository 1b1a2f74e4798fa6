import {
  buildASTSchema,
  GraphQLError,
  isIntrospectionType,
  isSpecifiedScalarType,
  Kind,
  parse,
  Source,
  specifiedDirectives,
  validateSchema,
  visit,
  type ASTNode,
  type DocumentNode,
  type GraphQLSchema,
  type Location,
} from 'graphql';
import { TapedeckError } from '../../errors.js';

/** What a schema offers, for the startup banner. */
export interface GraphqlSummary {
  /** Root fields of the query type. */
  readonly queries: number;
  /** Root fields of the mutation type (0 without one). */
  readonly mutations: number;
  /** Named types the schema defines (built-in scalars and introspection types excluded). */
  readonly types: number;
}

/** Where a problem sits in the schema file: 1-based line and column. */
interface Position {
  readonly line: number;
  readonly column: number;
}

/** The error for a schema that does not load, naming the file, the line and the column. */
function schemaError(file: string, problem: string, at: Position | undefined): TapedeckError {
  const where = at === undefined ? file : `${file}:${at.line}:${at.column}`;
  return new TapedeckError('TD_SPEC_INVALID', `GraphQL schema ${where} does not load: ${problem}`, {
    details: { file, ...(at === undefined ? {} : { line: at.line, column: at.column }) },
    hint: `Fix the schema at ${where} (it must be GraphQL SDL, as \`buildSchema\` of graphql-js reads it) and start \`tapedeck mock\` again.`,
  });
}

function positionOf(loc: Location | undefined): Position | undefined {
  return loc === undefined
    ? undefined
    : { line: loc.startToken.line, column: loc.startToken.column };
}

function fromGraphqlError(file: string, error: GraphQLError): TapedeckError {
  const at = error.locations?.[0];
  // The message stays as graphql-js words it ("Syntax Error: Expected Name, found …").
  return schemaError(file, error.message, at);
}

const BUILT_IN_TYPES = new Set(['String', 'Int', 'Float', 'Boolean', 'ID']);

/**
 * The checks graphql-js runs on SDL throw one plain Error without positions, so the two
 * mistakes people make most (a type or a directive that is not declared) are found here first,
 * with the line and column of their first use.
 */
function checkReferences(document: DocumentNode, file: string): void {
  const types = new Set(BUILT_IN_TYPES);
  const directives = new Set(specifiedDirectives.map((d) => d.name));
  for (const definition of document.definitions) {
    if (definition.kind === Kind.DIRECTIVE_DEFINITION) directives.add(definition.name.value);
    else if (
      definition.kind !== Kind.OPERATION_DEFINITION &&
      definition.kind !== Kind.FRAGMENT_DEFINITION &&
      'name' in definition
    )
      types.add(definition.name.value);
  }
  let problem: TapedeckError | undefined;
  const fail = (message: string, node: ASTNode) => {
    problem ??= schemaError(file, message, positionOf(node.loc));
  };
  visit(document, {
    NamedType(node) {
      if (!types.has(node.name.value)) {
        const known = [...types].filter((t) => !BUILT_IN_TYPES.has(t)).sort();
        fail(`unknown type "${node.name.value}"${suggest(node.name.value, known)}.`, node);
      }
    },
    Directive(node) {
      if (!directives.has(node.name.value))
        fail(
          `unknown directive "@${node.name.value}" (declare it, e.g. \`directive @${node.name.value} on FIELD_DEFINITION\`).`,
          node,
        );
    },
  });
  if (problem) throw problem;
}

/** " (did you mean "User"?)" when a close name exists. */
function suggest(name: string, candidates: readonly string[]): string {
  const lower = name.toLowerCase();
  const close = candidates.find(
    (c) => c.toLowerCase() === lower || c.toLowerCase().startsWith(lower.slice(0, 3)),
  );
  return close === undefined ? '' : ` (did you mean "${close}"?)`;
}

/**
 * The first node whose name a graphql-js message quotes (`"User"`, `"User.name"`, `"@key"`):
 * the SDL checks graphql-js runs inside `buildASTSchema` report without positions.
 */
function locateQuotedName(document: DocumentNode, message: string): ASTNode | undefined {
  const quoted = /"@?([_A-Za-z][_0-9A-Za-z]*)(?:\.([_A-Za-z][_0-9A-Za-z]*))?/.exec(message);
  if (!quoted) return undefined;
  const wanted = quoted[2] ?? quoted[1];
  const parent = quoted[2] === undefined ? undefined : quoted[1];
  let found: ASTNode | undefined;
  let inParent = parent === undefined;
  visit(document, {
    enter(node) {
      if (found) return false;
      if (
        parent !== undefined &&
        'name' in node &&
        (node.kind === Kind.OBJECT_TYPE_DEFINITION ||
          node.kind === Kind.OBJECT_TYPE_EXTENSION ||
          node.kind === Kind.INTERFACE_TYPE_DEFINITION ||
          node.kind === Kind.INTERFACE_TYPE_EXTENSION ||
          node.kind === Kind.INPUT_OBJECT_TYPE_DEFINITION ||
          node.kind === Kind.INPUT_OBJECT_TYPE_EXTENSION ||
          node.kind === Kind.ENUM_TYPE_DEFINITION ||
          node.kind === Kind.ENUM_TYPE_EXTENSION)
      )
        inParent = node.name.value === parent;
      if (inParent && node.kind === Kind.NAME && node.value === wanted) found = node;
      return undefined;
    },
  });
  return found;
}

/**
 * Parses and builds a schema from GraphQL SDL. Every failure is a TD_SPEC_INVALID naming the
 * file, the line and the column (when graphql-js knows it) and the next step.
 * `file` is the name shown in messages.
 */
export function loadGraphqlSchema(sdl: string, file: string): GraphQLSchema {
  const source = new Source(sdl, file);
  let document: DocumentNode;
  try {
    document = parse(source);
  } catch (error) {
    if (error instanceof GraphQLError) throw fromGraphqlError(file, error);
    throw error;
  }
  checkReferences(document, file);
  let schema: GraphQLSchema;
  try {
    schema = buildASTSchema(document);
  } catch (error) {
    if (error instanceof GraphQLError) throw fromGraphqlError(file, error);
    // SDL validation: several messages joined by blank lines, without positions.
    const message = error instanceof Error ? error.message : String(error);
    const first = message.split('\n\n')[0] ?? message;
    const node = locateQuotedName(document, first);
    throw schemaError(file, first, positionOf(node?.loc));
  }
  const problems = validateSchema(schema);
  const first = problems[0];
  if (first !== undefined) {
    const rest = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
    throw schemaError(file, `${first.message}${rest}`, first.locations?.[0]);
  }
  if (!schema.getQueryType()) {
    throw schemaError(file, 'it defines no query type (`type Query { … }`).', undefined);
  }
  return schema;
}

export function summarize(schema: GraphQLSchema): GraphqlSummary {
  const types = Object.values(schema.getTypeMap()).filter(
    (t) => !isIntrospectionType(t) && !isSpecifiedScalarType(t),
  ).length;
  return {
    queries: Object.keys(schema.getQueryType()?.getFields() ?? {}).length,
    mutations: Object.keys(schema.getMutationType()?.getFields() ?? {}).length,
    types,
  };
}
