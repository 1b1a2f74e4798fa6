/**
 * OpenAPI / Swagger schema objects -> JSON Schema draft 2020-12, one direction at a time.
 *
 * The mock server validates requests and the generator builds responses from the same converted
 * document, so the two agree on what "valid" means. Only schema positions are converted; every
 * other part of the document (info, paths, operations, security...) is copied by reference, and
 * local `$ref`s keep pointing at the same JSON pointers, so `spec#/components/schemas/Pet` means
 * the same thing before and after.
 */
import { resolveLocalRef, setOwn, isRecord } from '../../json.js';
import {
  COMPOSITION_KEYWORDS,
  HTTP_METHODS,
  KNOWN_FORMATS,
  SCHEMA_LIST_KEYWORDS,
  SCHEMA_MAP_KEYWORDS,
  SINGLE_SCHEMA_KEYWORDS,
  UNKNOWN_FORMAT_KEYWORD,
} from './keywords.js';

export { KNOWN_FORMATS, OPENAPI_ANNOTATION_KEYWORDS, UNKNOWN_FORMAT_KEYWORD } from './keywords.js';

export type SpecDialect = 'swagger-2.0' | 'openapi-3.0' | 'openapi-3.1';
export type Direction = 'request' | 'response';

type Obj = Record<string, unknown>;

/**
 * The node a local `$ref` points at; its one home is core/json.ts, exported here too for the
 * callers that import it from the schema module.
 */
export { resolveLocalRef };

class Converter {
  private readonly memo = new WeakMap<object, unknown>();
  private readonly legacy: boolean;
  private readonly dropFlag: 'readOnly' | 'writeOnly';

  constructor(
    private readonly document: Obj,
    readonly dialect: SpecDialect,
    direction: Direction,
  ) {
    this.legacy = dialect !== 'openapi-3.1';
    this.dropFlag = direction === 'response' ? 'writeOnly' : 'readOnly';
  }

  /** One schema object (or boolean schema) in any position. */
  schema(node: unknown): unknown {
    if (!isRecord(node)) return node;
    const cached = this.memo.get(node);
    if (cached !== undefined) return cached;
    const out = this.convert(node);
    this.memo.set(node, out);
    return out;
  }

  private convert(node: Obj): unknown {
    const nullable = node['nullable'] === true || node['x-nullable'] === true;
    if (this.legacy && typeof node['$ref'] === 'string') {
      // OpenAPI 3.0 and Swagger 2: siblings of $ref are ignored by the spec, except the
      // widespread `nullable` beside it, which readers expect to work.
      const ref: Obj = { $ref: node['$ref'] };
      return nullable ? { anyOf: [ref, { type: 'null' }] } : ref;
    }
    const out: Obj = {};
    const examples: unknown[] = [];
    for (const key of Object.keys(node)) {
      const value = node[key];
      switch (key) {
        case 'nullable':
        case 'x-nullable':
          break;
        case 'example':
          examples.unshift(value);
          break;
        case 'examples':
          // 3.1 / 2020-12: a list. Anything else (a 3.0-style map) is not schema vocabulary.
          if (Array.isArray(value)) examples.push(...(value as unknown[]));
          break;
        case 'exclusiveMinimum':
        case 'exclusiveMaximum':
          if (typeof value === 'number') out[key] = value;
          break;
        case 'type':
          if (value === 'file') {
            out['type'] = 'string';
            if (node['format'] === undefined) out['format'] = 'binary';
          } else {
            out['type'] = value;
          }
          break;
        case 'format':
          if (typeof value === 'string' && !KNOWN_FORMATS.has(value)) {
            out[UNKNOWN_FORMAT_KEYWORD] = value;
          } else {
            out['format'] = value;
          }
          break;
        case 'required':
          // A boolean `required` inside a schema is a common spec mistake (it belongs on
          // parameters); ajv's meta-schema would reject the whole document for it.
          if (Array.isArray(value)) out['required'] = value;
          break;
        case 'items':
          if (Array.isArray(value)) {
            out['prefixItems'] = value.map((item) => this.schema(item));
            if (node['additionalItems'] !== undefined) {
              out['items'] = this.schema(node['additionalItems']);
            }
          } else {
            out['items'] = this.schema(value);
          }
          break;
        case 'additionalItems':
          if (!Array.isArray(node['items'])) out['additionalItems'] = this.schema(value);
          break;
        case 'properties':
          out['properties'] = this.properties(value);
          break;
        default:
          if (SINGLE_SCHEMA_KEYWORDS.has(key)) {
            out[key] = this.schema(value);
          } else if (SCHEMA_LIST_KEYWORDS.has(key) && Array.isArray(value)) {
            out[key] = value.map((item) => this.schema(item));
          } else if (SCHEMA_MAP_KEYWORDS.has(key) && isRecord(value)) {
            out[key] = this.schemaMap(value);
          } else {
            setOwn(out, key, value);
          }
      }
    }
    this.legacyExclusive(node, out, 'minimum', 'exclusiveMinimum');
    this.legacyExclusive(node, out, 'maximum', 'exclusiveMaximum');
    if (examples.length > 0) out['examples'] = examples;
    if (isRecord(node['properties']) && Array.isArray(out['required'])) {
      const kept = out['properties'] as Obj;
      const props = node['properties'];
      out['required'] = (out['required'] as unknown[]).filter(
        (name) =>
          typeof name !== 'string' || !Object.hasOwn(props, name) || Object.hasOwn(kept, name),
      );
    }
    if (!nullable) return out;
    return this.makeNullable(out);
  }

  /** 3.0 / 2.0: `minimum: 5, exclusiveMinimum: true` -> `exclusiveMinimum: 5`. */
  private legacyExclusive(node: Obj, out: Obj, bound: string, exclusive: string): void {
    const flag = node[exclusive];
    if (typeof flag !== 'boolean') return;
    if (flag && typeof node[bound] === 'number') {
      out[exclusive] = node[bound];
      delete out[bound];
    }
  }

  private makeNullable(out: Obj): Obj {
    if (COMPOSITION_KEYWORDS.some((k) => out[k] !== undefined)) {
      return { anyOf: [out, { type: 'null' }] };
    }
    const type = out['type'];
    if (typeof type === 'string' && type !== 'null') out['type'] = [type, 'null'];
    else if (Array.isArray(type) && !type.includes('null')) {
      out['type'] = [...(type as unknown[]), 'null'];
    }
    if (Array.isArray(out['enum']) && !out['enum'].includes(null)) {
      out['enum'] = [...(out['enum'] as unknown[]), null];
    }
    if (out['const'] !== undefined && out['const'] !== null) {
      out['enum'] = [out['const'], null];
      delete out['const'];
    }
    return out;
  }

  private properties(value: unknown): unknown {
    if (!isRecord(value)) return value;
    const out: Obj = {};
    for (const name of Object.keys(value)) {
      const prop = value[name];
      if (this.hasFlag(prop, this.dropFlag)) continue;
      setOwn(out, name, this.schema(prop));
    }
    return out;
  }

  private schemaMap(value: Obj): Obj {
    const out: Obj = {};
    for (const name of Object.keys(value)) setOwn(out, name, this.schema(value[name]));
    return out;
  }

  /** `readOnly: true` on the property, beside its `$ref`, or on the schema it refers to. */
  private hasFlag(prop: unknown, flag: 'readOnly' | 'writeOnly'): boolean {
    if (!isRecord(prop)) return false;
    if (prop[flag] === true) return true;
    if (typeof prop['$ref'] === 'string') {
      const target = resolveLocalRef(this.document, prop['$ref']);
      return isRecord(target) && target[flag] === true;
    }
    if (Array.isArray(prop['allOf'])) {
      return prop['allOf'].some((member) => isRecord(member) && this.hasFlag(member, flag));
    }
    return false;
  }

  // ---- document positions -------------------------------------------------------------

  mapValues(value: unknown, f: (item: unknown) => unknown): unknown {
    if (!isRecord(value)) return value;
    const out: Obj = {};
    for (const key of Object.keys(value)) setOwn(out, key, f(value[key]));
    return out;
  }

  withKey(node: Obj, key: string, f: (value: unknown) => unknown, out: Obj): void {
    if (node[key] !== undefined) out[key] = f(node[key]);
  }

  content = (value: unknown): unknown =>
    this.mapValues(value, (media) => {
      if (!isRecord(media)) return media;
      const out = { ...media };
      this.withKey(media, 'schema', (s) => this.schema(s), out);
      return out;
    });

  /** 3.x parameter or header object. */
  parameter = (value: unknown): unknown => {
    if (!isRecord(value) || typeof value['$ref'] === 'string') return value;
    const out = { ...value };
    this.withKey(value, 'schema', (s) => this.schema(s), out);
    this.withKey(value, 'content', this.content, out);
    return out;
  };

  requestBody = (value: unknown): unknown => {
    if (!isRecord(value) || typeof value['$ref'] === 'string') return value;
    const out = { ...value };
    this.withKey(value, 'content', this.content, out);
    return out;
  };

  response = (value: unknown): unknown => {
    if (!isRecord(value) || typeof value['$ref'] === 'string') return value;
    const out = { ...value };
    if (this.dialect === 'swagger-2.0') {
      this.withKey(value, 'schema', (s) => this.schema(s), out);
      // Swagger 2 header objects are schema-shaped (type, format, items, enum...).
      this.withKey(value, 'headers', (h) => this.mapValues(h, (x) => this.schema(x)), out);
    } else {
      this.withKey(value, 'headers', (h) => this.mapValues(h, this.parameter), out);
      this.withKey(value, 'content', this.content, out);
    }
    return out;
  };

  /** Swagger 2 parameter: only a body parameter's `schema` is a schema position. */
  parameter2 = (value: unknown): unknown => {
    if (!isRecord(value) || typeof value['$ref'] === 'string') return value;
    const out = { ...value };
    this.withKey(value, 'schema', (s) => this.schema(s), out);
    return out;
  };

  /** `parameters` of an operation or a path item, by the dialect's parameter shape. */
  private withParameters(value: Record<string, unknown>, out: Record<string, unknown>): void {
    const parameter = this.dialect === 'swagger-2.0' ? this.parameter2 : this.parameter;
    this.withKey(
      value,
      'parameters',
      (list) => (Array.isArray(list) ? list.map(parameter) : list),
      out,
    );
  }

  operation = (value: unknown): unknown => {
    if (!isRecord(value)) return value;
    const out = { ...value };
    this.withParameters(value, out);
    this.withKey(value, 'requestBody', this.requestBody, out);
    this.withKey(value, 'responses', (r) => this.mapValues(r, this.response), out);
    this.withKey(value, 'callbacks', (c) => this.mapValues(c, this.callback), out);
    return out;
  };

  pathItem = (value: unknown): unknown => {
    if (!isRecord(value)) return value;
    const out = { ...value };
    this.withParameters(value, out);
    for (const method of HTTP_METHODS) this.withKey(value, method, this.operation, out);
    return out;
  };

  callback = (value: unknown): unknown => {
    if (!isRecord(value) || typeof value['$ref'] === 'string') return value;
    return this.mapValues(value, this.pathItem);
  };

  document2(doc: Obj): Obj {
    const out = { ...doc };
    this.withKey(doc, 'definitions', (d) => this.mapValues(d, (s) => this.schema(s)), out);
    this.withKey(doc, 'parameters', (p) => this.mapValues(p, this.parameter2), out);
    this.withKey(doc, 'responses', (r) => this.mapValues(r, this.response), out);
    this.withKey(doc, 'paths', (p) => this.mapValues(p, this.pathItem), out);
    return out;
  }

  document3(doc: Obj): Obj {
    const out = { ...doc };
    const components = doc['components'];
    if (isRecord(components)) {
      const c = { ...components };
      this.withKey(components, 'schemas', (d) => this.mapValues(d, (s) => this.schema(s)), c);
      this.withKey(components, 'parameters', (p) => this.mapValues(p, this.parameter), c);
      this.withKey(components, 'headers', (h) => this.mapValues(h, this.parameter), c);
      this.withKey(components, 'requestBodies', (b) => this.mapValues(b, this.requestBody), c);
      this.withKey(components, 'responses', (r) => this.mapValues(r, this.response), c);
      this.withKey(components, 'callbacks', (cb) => this.mapValues(cb, this.callback), c);
      this.withKey(components, 'pathItems', (p) => this.mapValues(p, this.pathItem), c);
      out['components'] = c;
    }
    this.withKey(doc, 'paths', (p) => this.mapValues(p, this.pathItem), out);
    this.withKey(doc, 'webhooks', (p) => this.mapValues(p, this.pathItem), out);
    return out;
  }
}

/**
 * Deep-converts every schema object of a *bundled* spec document (only local `#/...` $refs; may be
 * multi-megabyte; refs may be recursive) into JSON Schema draft 2020-12, for one direction, so that
 * `new Ajv2020({ strict: false }).addSchema(converted, 'spec')` can validate
 * `{ $ref: 'spec#/components/schemas/X' }`. The input is not modified; untouched parts of the
 * document are shared with the output.
 *
 * What changes: 3.0 `nullable` and 2.0 `x-nullable` become a `null` type (or enum member, or an
 * `anyOf` with `{type: 'null'}` around a `$ref` or a composition); boolean
 * `exclusiveMinimum/Maximum` become numeric; `example` joins `examples`; `type: file` becomes a
 * binary string; draft-4 tuple `items` become `prefixItems`; in a response `writeOnly`
 * properties are dropped (from `properties` and `required`), in a request `readOnly` ones; 3.0
 * and 2.0 `$ref` siblings are dropped (the spec says they are ignored); unknown formats move to
 * `x-tapedeck-format`; a boolean `required` inside a schema (a common mistake) is dropped.
 */
export function toJsonSchemaDocument(
  document: object,
  dialect: SpecDialect,
  direction: Direction,
): object {
  const doc = document as Obj;
  const converter = new Converter(doc, dialect, direction);
  return dialect === 'swagger-2.0' ? converter.document2(doc) : converter.document3(doc);
}

/** Reads `openapi: 3.0.x` / `3.1.x` / `swagger: "2.0"`; undefined for anything else. */
export function detectDialect(document: unknown): SpecDialect | undefined {
  if (!isRecord(document)) return undefined;
  if (document['swagger'] === '2.0') return 'swagger-2.0';
  const version = document['openapi'];
  if (typeof version === 'string') {
    if (/^3\.0(\.|$)/.test(version)) return 'openapi-3.0';
    if (/^3\.1(\.|$)/.test(version)) return 'openapi-3.1';
  }
  return undefined;
}
