/**
 * How many values an operation would make the mock build, estimated from the document before
 * executing it. Mocked lists always have items, so `friends { friends { friends … } } }` grows
 * as 3^depth: without this check one small query could keep the server busy for minutes.
 */
import {
  getNamedType,
  isCompositeType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  Kind,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLOutputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { MAX_LIST_LENGTH, PAGE_SIZE_ARGS } from './arguments.js';

/** The most values (fields, list items) one answer may hold. */
export const MAX_RESULT_VALUES = 100_000;

/** Deepest bracket nesting (`{`, `[`, `(`) of a document, and deepest selection nesting. */
export const MAX_NESTING = 64;

/** The largest list length an estimate assumes when no argument says otherwise. */
const DEFAULT_LIST_LENGTH = 3;

function pageSizeOf(
  field: FieldNode,
  variables: Readonly<Record<string, unknown>> | undefined,
): number | undefined {
  for (const argument of field.arguments ?? []) {
    if (!PAGE_SIZE_ARGS.has(argument.name.value)) continue;
    const value = argument.value;
    let n: unknown;
    if (value.kind === Kind.INT) n = Number(value.value);
    else if (value.kind === Kind.VARIABLE) n = variables?.[value.name.value];
    if (typeof n === 'number' && Number.isFinite(n))
      return Math.max(0, Math.min(MAX_LIST_LENGTH, Math.trunc(n)));
  }
  return undefined;
}

export interface ResultEstimate {
  /** Values (fields, list items) the answer would hold; above the limit when cut short. */
  readonly values: number;
  /** Whether selections nest (through fragments too) deeper than the depth limit. */
  readonly tooDeep: boolean;
}

/**
 * An upper bound of the values the operation produces, counting every field once per object
 * it appears in and every list as its length. Stops counting as soon as `limit` is passed
 * (so the walk itself stays cheap) and returns a number above it. Expects a validated document
 * (no fragment cycles). Introspection fields count once: their size is bounded by the schema.
 * Also measures the depth of the result: fragments spread into fragments nest without
 * brackets, and execution recurses once per level.
 */
export function estimateResultSize(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  variables: Readonly<Record<string, unknown>> | undefined,
  limit = MAX_RESULT_VALUES,
  maxDepth = MAX_NESTING,
): ResultEstimate {
  const root = schema.getRootType(operation.operation);
  if (!root) return { values: 0, tooDeep: false };
  let total = 0;
  let tooDeep = false;

  const listFactor = (type: GraphQLOutputType, length: number | undefined): number => {
    let factor = 1;
    let t = type;
    let outer = true;
    for (;;) {
      if (isNonNullType(t)) t = t.ofType;
      else if (isListType(t)) {
        factor *= outer && length !== undefined ? length : DEFAULT_LIST_LENGTH;
        outer = false;
        t = t.ofType;
      } else return factor;
    }
  };

  const walk = (
    selectionSet: SelectionSetNode,
    parent: GraphQLCompositeType,
    multiplier: number,
    pageSize: number | undefined,
    depth: number,
  ): void => {
    if (depth > maxDepth) {
      tooDeep = true;
      return;
    }
    for (const selection of selectionSet.selections) {
      if (total > limit || tooDeep) return;
      switch (selection.kind) {
        case Kind.FIELD: {
          // At least one per visit, so a zero-length list cannot make the walk itself unbounded.
          total += Math.max(1, multiplier);
          const name = selection.name.value;
          if (name.startsWith('__')) break;
          if (!isObjectType(parent) && !isInterfaceType(parent)) break;
          const definition = parent.getFields()[name];
          if (!definition || !selection.selectionSet) {
            // A list of leaves: its items are values too.
            if (definition)
              total +=
                multiplier *
                (listFactor(definition.type, pageSizeOf(selection, variables) ?? pageSize) - 1);
            break;
          }
          const own = pageSizeOf(selection, variables);
          const factor = listFactor(definition.type, own ?? pageSize);
          const isList = isListType(withoutNonNull(definition.type));
          const named = getNamedType(definition.type);
          if (isCompositeType(named))
            walk(
              selection.selectionSet,
              named,
              multiplier * factor,
              isList ? undefined : own,
              depth + 1,
            );
          break;
        }
        case Kind.INLINE_FRAGMENT: {
          const condition = selection.typeCondition
            ? schema.getType(selection.typeCondition.name.value)
            : parent;
          if (condition && isCompositeType(condition))
            walk(selection.selectionSet, condition, multiplier, pageSize, depth);
          break;
        }
        case Kind.FRAGMENT_SPREAD: {
          const fragment = fragments.get(selection.name.value);
          const condition = fragment && schema.getType(fragment.typeCondition.name.value);
          if (fragment && condition && isCompositeType(condition))
            walk(fragment.selectionSet, condition, multiplier, pageSize, depth);
          break;
        }
      }
    }
  };

  walk(operation.selectionSet, root, 1, undefined, 1);
  return { values: total, tooDeep };
}

/** The type without its outer non-null wrapper. */
function withoutNonNull(type: GraphQLOutputType): GraphQLOutputType {
  return isNonNullType(type) ? type.ofType : type;
}

/** The index just past the block string that opens at `start` (`"""…"""`, `\"""` escaped). */
function endOfBlockString(text: string, start: number): number {
  let i = start + 3;
  for (;;) {
    const end = text.indexOf('"""', i);
    if (end === -1) return text.length;
    if (text.charCodeAt(end - 1) !== 92) return end + 3;
    i = end + 3;
  }
}

/**
 * Whether a document's brackets nest deeper than `max`, outside strings and comments. Checked
 * on the text before parsing: graphql-js parses, validates and executes recursively, and a
 * document nested a few thousand levels deep would exhaust the stack in any of the three.
 */
export function nestingExceeds(text: string, max = MAX_NESTING): boolean {
  let depth = 0;
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 35 /* # */) {
      while (i < text.length && text.charCodeAt(i) !== 10 && text.charCodeAt(i) !== 13) i++;
    } else if (c === 34 /* " */) {
      if (text.startsWith('"""', i)) i = endOfBlockString(text, i);
      else {
        i++;
        while (i < text.length) {
          const d = text.charCodeAt(i);
          if (d === 92 /* \ */) i += 2;
          else if (d === 34 || d === 10 || d === 13) break;
          else i++;
        }
        i++;
      }
    } else {
      if (c === 123 || c === 91 || c === 40) {
        if (++depth > max) return true;
      } else if (c === 125 || c === 93 || c === 41) depth--;
      i++;
    }
  }
  return false;
}

/** Whether a JSON value (request variables) nests deeper than `max`; iterative, so never deep. */
export function jsonNestingExceeds(value: unknown, max = MAX_NESTING): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    if (depth >= max) return true;
    for (const child of Array.isArray(node) ? node : Object.values(node))
      stack.push([child, depth + 1]);
  }
  return false;
}
