/**
 * What a GraphQL field's arguments do to the mock's answer: they key the values (the same
 * arguments, the same data), size lists (`first`, `limit`, …), and echo into the objects
 * returned (`createUser(input: {email})` answers with that email).
 */
import {
  isInputObjectType,
  isNonNullType,
  type GraphQLArgument,
  type GraphQLInputType,
  type GraphQLOutputType,
} from 'graphql';
import { canonicalJson, type JsonValue, isRecord } from '../../json.js';

/** Argument values handed down to the objects a field returns. */
export type Echo = Readonly<Record<string, unknown>>;

/** Integer arguments that say how many items a list should have; not part of the value key. */
export const PAGE_SIZE_ARGS: ReadonlySet<string> = new Set([
  'first',
  'last',
  'limit',
  'take',
  'top',
  'pageSize',
  'page_size',
  'perPage',
  'per_page',
]);

/** Arguments about paging and ordering, never echoed into returned objects. */
const NOT_ECHOED: ReadonlySet<string> = new Set([
  ...PAGE_SIZE_ARGS,
  'after',
  'before',
  'offset',
  'skip',
  'page',
  'orderBy',
  'order',
  'sort',
  'sortBy',
  'direction',
]);

/** Longest list the mock builds, whatever `first` asks for. */
export const MAX_LIST_LENGTH = 100;

export function unwrapNonNull<T extends GraphQLInputType | GraphQLOutputType>(type: T): T {
  return (isNonNullType(type) ? type.ofType : type) as T;
}

/** What a field's arguments contribute: a key suffix, a list length, values to echo. */
export interface ArgumentEffects {
  readonly keySuffix: string;
  readonly pageSize: number | undefined;
  readonly echo: Echo | undefined;
}

const NO_ARGUMENTS: ArgumentEffects = { keySuffix: '', pageSize: undefined, echo: undefined };

export function argumentEffects(
  definitions: readonly GraphQLArgument[],
  args: Record<string, unknown>,
): ArgumentEffects {
  if (definitions.length === 0) return NO_ARGUMENTS;
  let keyed: Record<string, JsonValue> | undefined;
  let pageSize: number | undefined;
  let spread: Record<string, unknown> | undefined;
  let direct: Record<string, unknown> | undefined;
  for (const definition of definitions) {
    const value = args[definition.name];
    if (value === undefined) continue;
    if (PAGE_SIZE_ARGS.has(definition.name) && typeof value === 'number') {
      pageSize = Math.max(0, Math.min(MAX_LIST_LENGTH, Math.trunc(value)));
      continue;
    }
    (keyed ??= {})[definition.name] = value as JsonValue;
    if (NOT_ECHOED.has(definition.name)) continue;
    (direct ??= {})[definition.name] = value;
    if (isInputObjectType(unwrapNonNull(definition.type)) && isRecord(value)) {
      spread ??= {};
      for (const [name, inner] of Object.entries(value)) spread[name] = inner;
    }
  }
  // Arguments given by name win over fields of an input object with the same name.
  const echo =
    spread === undefined ? direct : direct === undefined ? spread : { ...spread, ...direct };
  return {
    keySuffix: keyed === undefined ? '' : `(${canonicalJson(keyed)})`,
    pageSize,
    echo,
  };
}
