/**
 * Parameters as the wire carries them, turned into what their schemas describe: cookies from
 * `Cookie`, values split by their OpenAPI `style`, form fields as an object.
 */
import type { HeaderMap, QueryMap } from '../../cassette/model.js';
import { valuesOf } from '../../cassette/model.js';
import { getOwn, setOwn } from '../../json.js';
import type { SpecParameter } from './operations.js';

export function parseCookies(headers: HeaderMap): Record<string, string> {
  const cookies: Record<string, string> = {};
  for (const header of valuesOf(headers['cookie'])) {
    for (const part of header.split(';')) {
      const eq = part.indexOf('=');
      if (eq === -1) continue;
      const name = part.slice(0, eq).trim();
      if (name !== '' && getOwn(cookies, name) === undefined)
        setOwn(cookies, name, part.slice(eq + 1).trim());
    }
  }
  return cookies;
}

const DELIMITERS: Record<string, string> = {
  form: ',',
  simple: ',',
  spaceDelimited: ' ',
  pipeDelimited: '|',
  tabDelimited: '\t',
};

/**
 * A parameter's raw value(s) deserialized by its style into what its schema describes (still
 * strings: ajv coerces scalars by the schema's types), or undefined when absent.
 */
export function deserialize(
  parameter: SpecParameter,
  types: readonly string[],
  raw: readonly string[],
  query: QueryMap,
): unknown {
  const isArray = types.includes('array');
  const isObject = types.includes('object') && !isArray;
  if (parameter.in === 'query' && isObject && parameter.style === 'deepObject') {
    const object: Record<string, unknown> = {};
    const prefix = `${parameter.name}[`;
    for (const [key, value] of Object.entries(query)) {
      if (key.startsWith(prefix) && key.endsWith(']'))
        setOwn(object, key.slice(prefix.length, -1), valuesOf(value)[0] ?? '');
    }
    return Object.keys(object).length > 0 ? object : undefined;
  }
  if (raw.length === 0) return undefined;
  let first = raw[0]!;
  if (parameter.in === 'path' && parameter.style === 'label' && first.startsWith('.'))
    first = first.slice(1);
  if (parameter.in === 'path' && parameter.style === 'matrix')
    first = first.replace(new RegExp(`^;${parameter.name}=`), '');
  if (isArray) {
    if (parameter.in === 'query' && parameter.explode && parameter.style === 'form')
      return [...raw];
    const delimiter = DELIMITERS[parameter.style] ?? ',';
    return first === '' ? [] : first.split(delimiter);
  }
  if (isObject && !parameter.explode) {
    const parts = first.split(',');
    const object: Record<string, string> = {};
    for (let i = 0; i + 1 < parts.length; i += 2) setOwn(object, parts[i]!, parts[i + 1]!);
    return object;
  }
  if (isObject && parameter.explode && parameter.in !== 'query') {
    const object: Record<string, string> = {};
    for (const pair of first.split(',')) {
      const eq = pair.indexOf('=');
      if (eq > 0) setOwn(object, pair.slice(0, eq), pair.slice(eq + 1));
    }
    return object;
  }
  // A repeated scalar stays a list: ajv reports it rather than tapedeck picking one.
  return raw.length === 1 ? first : [...raw];
}

/** Headers OpenAPI says parameters must not describe: HTTP itself owns them. */
export const IGNORED_HEADER_PARAMETERS = new Set(['accept', 'content-type', 'authorization']);
