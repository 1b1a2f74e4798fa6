/**
 * The vocabulary the schema converter and the document readers share: which formats ajv knows,
 * where an unknown one is kept, the annotation keywords OpenAPI adds, the operation keys of a
 * path item, and which JSON Schema keywords hold subschemas.
 */

/**
 * Formats that ajv-formats implements. A `format` outside this list (unix-time, decimal, iri,
 * idn-email, ...) is moved to `x-tapedeck-format` by the converter: ajv would otherwise throw
 * ("unknown format") in strict mode or print a warning per schema, and an unknown format is an
 * annotation anyway. The generator still reads it.
 */
export const KNOWN_FORMATS: ReadonlySet<string> = new Set([
  'date',
  'time',
  'date-time',
  'iso-time',
  'iso-date-time',
  'duration',
  'uri',
  'uri-reference',
  'uri-template',
  'url',
  'email',
  'hostname',
  'ipv4',
  'ipv6',
  'regex',
  'uuid',
  'json-pointer',
  'json-pointer-uri-fragment',
  'relative-json-pointer',
  'byte',
  'int32',
  'int64',
  'float',
  'double',
  'password',
  'binary',
]);

/** Where the converter keeps a format ajv does not know. */
export const UNKNOWN_FORMAT_KEYWORD = 'x-tapedeck-format';

/**
 * Keywords the converter leaves in place that are not JSON Schema vocabulary. ajv must either
 * run with `strict: false` or have these registered (`ajv.addKeyword(k)` for each, plus every
 * `x-*` extension the spec uses) to compile the converted document.
 */
export const OPENAPI_ANNOTATION_KEYWORDS: readonly string[] = [
  'discriminator',
  'xml',
  'externalDocs',
  UNKNOWN_FORMAT_KEYWORD,
];

/** The operation keys of an OpenAPI path item, in the order the spec lists them. */
export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** Keywords whose value is one subschema. */
export const SINGLE_SCHEMA_KEYWORDS = new Set([
  'additionalProperties',
  'not',
  'if',
  'then',
  'else',
  'contains',
  'propertyNames',
  'unevaluatedProperties',
  'unevaluatedItems',
  'contentSchema',
  'additionalItems',
]);
/** Keywords whose value is a list of subschemas. */
export const SCHEMA_LIST_KEYWORDS = new Set(['allOf', 'anyOf', 'oneOf', 'prefixItems']);
/** Keywords whose value maps names to subschemas. */
export const SCHEMA_MAP_KEYWORDS = new Set([
  'properties',
  'patternProperties',
  '$defs',
  'definitions',
  'dependentSchemas',
]);
/** Keywords that make a `nullable` schema need wrapping rather than a `type` edit. */
export const COMPOSITION_KEYWORDS = ['$ref', 'allOf', 'anyOf', 'oneOf', 'not', 'if'];
