/**
 * Reading the pieces of an OpenAPI 3.x or Swagger 2.0 document that readSpec (operations.ts)
 * needs: local pointers and `$ref`s, Swagger 2's inline parameter schemas, the base path of a
 * server, security schemes and requirements, and media examples.
 */
import { decodePercent } from '../../http/percent.js';
import { resolvePointer as resolveJsonPointer, isRecord } from '../../json.js';
import type { SecurityScheme, SpecExample } from './operations.js';
import type { SpecDialect } from './schema.js';

type Node = Record<string, unknown>;

/**
 * Resolves a local JSON pointer (`#/a/b` or `/a/b`) in a document. Pointers kept here mix keys
 * taken as they are with pieces of `$ref`s, which are percent-encoded: each token is decoded on
 * its own, and one whose escapes are malformed (a literal `%` in a key) is taken as it is.
 */
export function resolvePointer(document: unknown, pointer: string): unknown {
  return resolveJsonPointer(
    document,
    pointer.startsWith('#') ? pointer.slice(1) : pointer,
    decodePercent,
  );
}

/** Follows local `$ref`s (never more than 32 hops) to the node and the pointer it lives at. */
export function deref(
  document: unknown,
  node: unknown,
  pointer: string,
): { node: unknown; pointer: string } {
  let current = node;
  let at = pointer;
  for (
    let hops = 0;
    hops < 32 && isRecord(current) && typeof current['$ref'] === 'string';
    hops++
  ) {
    const ref = current['$ref'];
    if (!ref.startsWith('#')) break;
    at = ref.slice(1);
    current = resolvePointer(document, ref);
  }
  return { node: current, pointer: at };
}

const SWAGGER_SCHEMA_KEYS = [
  'type',
  'format',
  'enum',
  'default',
  'minimum',
  'maximum',
  'minLength',
  'maxLength',
  'pattern',
  'minItems',
  'maxItems',
  'uniqueItems',
  'multipleOf',
];

/** A JSON Schema from a Swagger 2.0 parameter or header, which carries its keywords inline. */
export function swaggerInlineSchema(source: Node): Record<string, unknown> {
  const schema: Record<string, unknown> = {};
  for (const key of SWAGGER_SCHEMA_KEYS) if (key in source) schema[key] = source[key];
  if (schema['type'] === 'file') delete schema['type'];
  if (source['exclusiveMinimum'] === true && typeof source['minimum'] === 'number') {
    schema['exclusiveMinimum'] = source['minimum'];
    delete schema['minimum'];
  }
  if (source['exclusiveMaximum'] === true && typeof source['maximum'] === 'number') {
    schema['exclusiveMaximum'] = source['maximum'];
    delete schema['maximum'];
  }
  if (isRecord(source['items'])) schema['items'] = swaggerInlineSchema(source['items']);
  if (source['x-nullable'] === true && typeof schema['type'] === 'string')
    schema['type'] = [schema['type'], 'null'];
  return schema;
}

export function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** `http://host/v1/` -> `/v1`; server variables take their defaults. */
export function basePathOf(url: string, variables: unknown): string {
  let expanded = url.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const variable = isRecord(variables) ? variables[name] : undefined;
    return isRecord(variable) && typeof variable['default'] === 'string' ? variable['default'] : '';
  });
  const scheme = /^[a-z][a-z0-9+.-]*:\/\/[^/]*/i.exec(expanded);
  if (scheme) expanded = expanded.slice(scheme[0].length);
  else if (expanded.startsWith('//')) expanded = expanded.replace(/^\/\/[^/]*/, '');
  const query = expanded.search(/[?#]/);
  if (query !== -1) expanded = expanded.slice(0, query);
  if (!expanded.startsWith('/')) expanded = `/${expanded}`;
  return expanded.replace(/\/+$/, '');
}

export function securityOf(value: unknown): string[][] {
  if (!Array.isArray(value)) return [];
  return value.filter(isRecord).map((requirement) => Object.keys(requirement));
}

export function readSchemes(document: Node, dialect: SpecDialect): Map<string, SecurityScheme> {
  const schemes = new Map<string, SecurityScheme>();
  const source =
    dialect === 'swagger-2.0'
      ? document['securityDefinitions']
      : isRecord(document['components'])
        ? document['components']['securitySchemes']
        : undefined;
  if (!isRecord(source)) return schemes;
  for (const [name, raw] of Object.entries(source)) {
    const scheme = deref(document, raw, '').node;
    if (!isRecord(scheme)) continue;
    const type = scheme['type'];
    if (type === 'apiKey' && typeof scheme['name'] === 'string') {
      const where = scheme['in'];
      if (where === 'header' || where === 'query' || where === 'cookie')
        schemes.set(name, { kind: 'apiKey', in: where, param: scheme['name'].toLowerCase() });
    } else if (type === 'http' && typeof scheme['scheme'] === 'string') {
      schemes.set(name, { kind: 'http', scheme: scheme['scheme'].toLowerCase() });
    } else if (type === 'basic') {
      schemes.set(name, { kind: 'http', scheme: 'basic' });
    } else if (type === 'oauth2' || type === 'openIdConnect') {
      schemes.set(name, { kind: 'oauth' });
    }
  }
  return schemes;
}

export function examplesOf(document: Node, media: Node): SpecExample[] {
  const examples: SpecExample[] = [];
  if (isRecord(media['examples'])) {
    for (const [name, raw] of Object.entries(media['examples'])) {
      const example = deref(document, raw, '').node;
      if (isRecord(example) && 'value' in example) examples.push({ name, value: example['value'] });
    }
  }
  if ('example' in media) examples.push({ name: 'example', value: media['example'] });
  return examples;
}
