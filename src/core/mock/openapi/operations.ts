import { escapePointerToken, jsonPointer, isRecord } from '../../json.js';
import { HTTP_METHODS } from './keywords.js';
import {
  basePathOf,
  deref,
  examplesOf,
  readSchemes,
  securityOf,
  stringList,
  swaggerInlineSchema,
} from './document.js';
import type { SpecDialect } from './schema.js';

/**
 * The operations of a bundled OpenAPI 3.x or Swagger 2.0 document, read once into one model so
 * routing, response choice, validation and the contract checks never look at the dialect again.
 * Every schema is kept as a JSON pointer into the document (the converted JSON Schema document
 * has the same shape), so validators compile against the spec itself and errors can name it.
 */

export type ParameterLocation = 'path' | 'query' | 'header' | 'cookie';

export interface SpecParameter {
  readonly name: string;
  readonly in: ParameterLocation;
  readonly required: boolean;
  readonly style: string;
  readonly explode: boolean;
  /** Pointer to the parameter's schema in the document (OpenAPI 3.x). */
  readonly schemaPointer?: string;
  /** A schema built from a Swagger 2.0 parameter's own keywords (it has no `schema`). */
  readonly schema?: Readonly<Record<string, unknown>>;
  /** Pointer to the parameter object, for messages. */
  readonly pointer: string;
}

export interface SpecExample {
  readonly name: string;
  readonly value: unknown;
}

export interface SpecMedia {
  /** Lower-cased media range as documented (`application/json`, `text/*`). */
  readonly type: string;
  readonly schemaPointer?: string;
  readonly schema?: Readonly<Record<string, unknown>>;
  /** Named examples first (in document order), then `example`. */
  readonly examples: readonly SpecExample[];
}

export interface SpecHeader {
  readonly name: string;
  readonly required: boolean;
  readonly schemaPointer?: string;
  readonly schema?: Readonly<Record<string, unknown>>;
  readonly example?: unknown;
}

export interface SpecResponse {
  /** `200`, `4XX` or `default`, as documented. */
  readonly status: string;
  readonly pointer: string;
  readonly contents: readonly SpecMedia[];
  readonly headers: readonly SpecHeader[];
}

export interface SpecBody {
  readonly required: boolean;
  readonly contents: readonly SpecMedia[];
  readonly pointer: string;
}

export type SecurityScheme =
  | { readonly kind: 'apiKey'; readonly in: 'header' | 'query' | 'cookie'; readonly param: string }
  | { readonly kind: 'http'; readonly scheme: string }
  | { readonly kind: 'oauth' };

export interface SpecOperation {
  /** operationId, or `METHOD /path` when there is none. */
  readonly id: string;
  readonly method: string;
  readonly path: string;
  readonly pointer: string;
  readonly parameters: readonly SpecParameter[];
  readonly body?: SpecBody;
  readonly responses: readonly SpecResponse[];
  /** Alternatives (any one suffices), each a list of scheme names (all needed). Empty: none. */
  readonly security: readonly (readonly string[])[];
}

export interface SpecModel {
  readonly dialect: SpecDialect;
  readonly title: string;
  /** Path parts of the server URLs (`/v1`), longest first; `''` when the spec has none. */
  readonly basePaths: readonly string[];
  readonly operations: readonly SpecOperation[];
  readonly securitySchemes: ReadonlyMap<string, SecurityScheme>;
}

/** A spec file read and bundled into one document whose `$ref`s are all local. */
export interface LoadedSpec {
  /** The main file, absolute. */
  readonly file: string;
  readonly document: object;
  readonly dialect: SpecDialect;
  /** Every file the spec was read from (the main file and the files it references). */
  readonly files: readonly string[];
}

export { basePathOf, deref, resolvePointer, swaggerInlineSchema } from './document.js';

export { HTTP_METHODS } from './keywords.js';

type Node = Record<string, unknown>;

function readParameter(
  document: Node,
  raw: unknown,
  pointer: string,
  dialect: SpecDialect,
): { parameter?: SpecParameter; body?: Node & { pointer: string }; form?: Node } {
  const { node, pointer: at } = deref(document, raw, pointer);
  if (!isRecord(node) || typeof node['name'] !== 'string') return {};
  const where = node['in'];
  if (dialect === 'swagger-2.0') {
    if (where === 'body') return { body: { ...node, pointer: at } };
    if (where === 'formData') return { form: node };
  }
  if (where !== 'path' && where !== 'query' && where !== 'header' && where !== 'cookie') return {};
  const style =
    typeof node['style'] === 'string'
      ? node['style']
      : where === 'query' || where === 'cookie'
        ? 'form'
        : 'simple';
  const collection = node['collectionFormat'];
  const swaggerStyle =
    collection === 'ssv'
      ? 'spaceDelimited'
      : collection === 'pipes'
        ? 'pipeDelimited'
        : collection === 'tsv'
          ? 'tabDelimited'
          : style;
  const explode =
    dialect === 'swagger-2.0'
      ? collection === 'multi'
      : typeof node['explode'] === 'boolean'
        ? node['explode']
        : style === 'form';
  const parameter: SpecParameter = {
    name: where === 'header' ? node['name'].toLowerCase() : node['name'],
    in: where,
    required: where === 'path' || node['required'] === true,
    style: dialect === 'swagger-2.0' ? swaggerStyle : style,
    explode,
    pointer: at,
    ...(dialect === 'swagger-2.0'
      ? { schema: swaggerInlineSchema(node) }
      : isRecord(node['schema'])
        ? { schemaPointer: `${at}/schema` }
        : {}),
  };
  return { parameter };
}

function readContents(document: Node, content: unknown, pointer: string): SpecMedia[] {
  if (!isRecord(content)) return [];
  return Object.entries(content).map(([type, raw]) => {
    const media = isRecord(raw) ? raw : {};
    return {
      type: type.toLowerCase(),
      ...(isRecord(media['schema'])
        ? { schemaPointer: `${pointer}/${escapePointerToken(type)}/schema` }
        : {}),
      examples: examplesOf(document, media),
    };
  });
}

function readHeaders(document: Node, headers: unknown, pointer: string, dialect: SpecDialect) {
  const out: SpecHeader[] = [];
  if (!isRecord(headers)) return out;
  for (const [name, raw] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (lower === 'content-type' || lower === 'content-length') continue;
    const { node, pointer: at } = deref(document, raw, `${pointer}/${escapePointerToken(name)}`);
    if (!isRecord(node)) continue;
    const example = isRecord(node['examples'])
      ? examplesOf(document, node)[0]?.value
      : 'example' in node
        ? node['example']
        : undefined;
    out.push({
      name: lower,
      required: node['required'] === true,
      ...(dialect === 'swagger-2.0'
        ? { schema: swaggerInlineSchema(node) }
        : isRecord(node['schema'])
          ? { schemaPointer: `${at}/schema` }
          : {}),
      ...(example === undefined ? {} : { example }),
    });
  }
  return out;
}

function readResponses(
  document: Node,
  operation: Node,
  pointer: string,
  dialect: SpecDialect,
  produces: string[],
): SpecResponse[] {
  const responses = operation['responses'];
  if (!isRecord(responses)) return [];
  const out: SpecResponse[] = [];
  for (const [status, raw] of Object.entries(responses)) {
    if (!/^([1-5](\d\d|XX))$|^default$/i.test(status)) continue;
    const { node, pointer: at } = deref(
      document,
      raw,
      `${pointer}/responses/${escapePointerToken(status)}`,
    );
    if (!isRecord(node)) continue;
    let contents: SpecMedia[];
    if (dialect === 'swagger-2.0') {
      const examples = isRecord(node['examples']) ? node['examples'] : {};
      contents = isRecord(node['schema'])
        ? produces.map((type) => ({
            type: type.toLowerCase(),
            schemaPointer: `${at}/schema`,
            examples: type in examples ? [{ name: 'example', value: examples[type] }] : [],
          }))
        : [];
    } else {
      contents = readContents(document, node['content'], `${at}/content`);
    }
    out.push({
      status: status.toUpperCase() === 'DEFAULT' ? 'default' : status.toUpperCase(),
      pointer: at,
      contents,
      headers: readHeaders(document, node['headers'], `${at}/headers`, dialect),
    });
  }
  return out;
}

/** Reads every operation of a bundled document (local `$ref`s only). */
export function readSpec(document: object, dialect: SpecDialect): SpecModel {
  const doc = document as Node;
  const info = isRecord(doc['info']) ? doc['info'] : {};
  const basePaths = new Set<string>();
  if (dialect === 'swagger-2.0') {
    if (typeof doc['basePath'] === 'string') basePaths.add(basePathOf(doc['basePath'], {}));
  } else if (Array.isArray(doc['servers'])) {
    for (const server of doc['servers']) {
      if (isRecord(server) && typeof server['url'] === 'string')
        basePaths.add(basePathOf(server['url'], server['variables']));
    }
  }
  const globalSecurity = securityOf(doc['security']);
  const globalProduces = stringList(doc['produces']);
  const globalConsumes = stringList(doc['consumes']);
  const operations: SpecOperation[] = [];
  const paths = isRecord(doc['paths']) ? doc['paths'] : {};
  for (const [path, rawItem] of Object.entries(paths)) {
    if (!path.startsWith('/')) continue;
    const { node: item, pointer: itemPointer } = deref(doc, rawItem, jsonPointer(['paths', path]));
    if (!isRecord(item)) continue;
    const shared = Array.isArray(item['parameters']) ? item['parameters'] : [];
    for (const method of HTTP_METHODS) {
      const operation = item[method];
      if (!isRecord(operation)) continue;
      const pointer = `${itemPointer}/${method}`;
      const parameters = new Map<string, SpecParameter>();
      let body: SpecBody | undefined;
      const form: Node[] = [];
      const consumes = stringList(operation['consumes'] ?? globalConsumes);
      const own = Array.isArray(operation['parameters']) ? operation['parameters'] : [];
      const all = [
        ...shared.map((p, i) => [p, `${itemPointer}/parameters/${i}`] as const),
        ...own.map((p, i) => [p, `${pointer}/parameters/${i}`] as const),
      ];
      for (const [raw, at] of all) {
        const read = readParameter(doc, raw, at, dialect);
        // Operation-level parameters override path-level ones with the same name and location.
        if (read.parameter)
          parameters.set(`${read.parameter.in}:${read.parameter.name}`, read.parameter);
        if (read.body) {
          body = {
            required: read.body['required'] === true,
            pointer: read.body.pointer,
            contents: (consumes.length > 0 ? consumes : ['application/json']).map((type) => ({
              type: type.toLowerCase(),
              schemaPointer: `${read.body!.pointer}/schema`,
              examples: [],
            })),
          };
        }
        if (read.form) form.push(read.form);
      }
      if (form.length > 0) {
        const properties: Record<string, unknown> = {};
        const required: string[] = [];
        for (const f of form) {
          properties[f['name'] as string] = swaggerInlineSchema(f);
          if (f['required'] === true) required.push(f['name'] as string);
        }
        const schema = { type: 'object', properties, required };
        const types = consumes.filter((t) => /form/i.test(t));
        body = {
          required: required.length > 0,
          pointer: `${pointer}/parameters`,
          contents: (types.length > 0 ? types : ['application/x-www-form-urlencoded']).map(
            (type) => ({ type: type.toLowerCase(), schema, examples: [] }),
          ),
        };
      }
      if (dialect !== 'swagger-2.0' && operation['requestBody'] !== undefined) {
        const { node: rb, pointer: at } = deref(
          doc,
          operation['requestBody'],
          `${pointer}/requestBody`,
        );
        if (isRecord(rb)) {
          body = {
            required: rb['required'] === true,
            pointer: at,
            contents: readContents(doc, rb['content'], `${at}/content`),
          };
        }
      }
      const produces = stringList(operation['produces'] ?? globalProduces);
      operations.push({
        id:
          typeof operation['operationId'] === 'string'
            ? operation['operationId']
            : `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase(),
        path,
        pointer,
        parameters: [...parameters.values()],
        ...(body === undefined ? {} : { body }),
        responses: readResponses(
          doc,
          operation,
          pointer,
          dialect,
          produces.length > 0 ? produces : ['application/json'],
        ),
        security:
          operation['security'] !== undefined ? securityOf(operation['security']) : globalSecurity,
      });
    }
  }
  return {
    dialect,
    title: typeof info['title'] === 'string' ? info['title'] : '',
    basePaths: [...basePaths].filter((p) => p !== '').sort((a, b) => b.length - a.length),
    operations,
    securitySchemes: readSchemes(doc, dialect),
  };
}
