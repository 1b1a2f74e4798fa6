import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { Body, HeaderMap, QueryMap } from '../../cassette/model.js';
import { valuesOf } from '../../cassette/model.js';
import { isFormMediaType, isJsonMediaType, mediaType, parseQuery } from '../../http/index.js';
import {
  escapePointerToken,
  getOwn,
  resolvePointer as resolveJsonPointer,
  setOwn,
  unescapePointerToken,
} from '../../json.js';
import { containsPseudonym } from '../../redaction/pseudonym.js';
import type {
  ParameterLocation,
  SecurityScheme,
  SpecMedia,
  SpecOperation,
  SpecParameter,
} from './operations.js';
import { deref, resolvePointer } from './operations.js';

/**
 * Request and response validation with ajv against the converted spec (JSON Schema 2020-12,
 * one document per direction). Validators compile lazily, once per operation (and per media
 * type for bodies), and stay cached: the first request to an operation pays for the compile,
 * the rest a function call.
 */

/** One thing wrong with a request, located; never carries the value that was sent. */
export interface Violation {
  readonly in: ParameterLocation | 'body';
  /** The parameter, for path/query/header/cookie. */
  readonly name?: string;
  /** JSON pointer into the body (or into an array/object parameter). */
  readonly pointer?: string;
  readonly message: string;
}

/** A located problem in a value (a response body, a header): JSON pointer and message. */
export interface ValueProblem {
  readonly pointer: string;
  readonly message: string;
}

/** A request as validation sees it: decoded body, lower-case header names. */
export interface RequestParts {
  readonly query: QueryMap;
  readonly headers: HeaderMap;
  readonly body?: Body;
}

// ajv-formats is CommonJS: under NodeNext its default import is the module object.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ??
  addFormatsModule) as (ajv: Ajv2020) => unknown;

const SPEC_ID = 'spec';

function newAjv(document: object, coerce: boolean): Ajv2020 {
  const ajv = new Ajv2020({
    strict: false,
    allErrors: true,
    validateSchema: false,
    // Patterns in real specs are often not valid under the `u` flag (`\-`, `\_`).
    unicodeRegExp: false,
    logger: false,
    ...(coerce ? { coerceTypes: 'array' as const } : {}),
  });
  addFormats(ajv);
  ajv.addSchema(document, SPEC_ID);
  return ajv;
}

/** `{ $ref: 'spec#/paths/~1pets/get/…' }`, with the pointer escaped for a URI fragment. */
export function specRef(pointer: string): { $ref: string } {
  const fragment = pointer
    .split('/')
    .map((token) => encodeURIComponent(token).replace(/%7E/gi, '~'))
    .join('/');
  return { $ref: `${SPEC_ID}#${fragment}` };
}

function schemaFor(source: { schemaPointer?: string; schema?: object }): object | undefined {
  if (source.schemaPointer !== undefined) return specRef(source.schemaPointer);
  return source.schema;
}

/** The `type` of a schema after following local refs and `allOf` (for parameter styles). */
function typeOf(document: object, source: { schemaPointer?: string; schema?: object }): string[] {
  let node: unknown =
    source.schemaPointer !== undefined
      ? resolvePointer(document, source.schemaPointer)
      : source.schema;
  for (let i = 0; i < 8; i++) {
    node = deref(document, node, '').node;
    if (typeof node !== 'object' || node === null) return [];
    const record = node as Record<string, unknown>;
    const type = record['type'];
    if (typeof type === 'string') return [type];
    if (Array.isArray(type)) return type.filter((t): t is string => typeof t === 'string');
    const allOf = record['allOf'];
    if (Array.isArray(allOf) && allOf.length > 0) node = allOf[0];
    else if (typeof record['items'] === 'object') return ['array'];
    else if (typeof record['properties'] === 'object') return ['object'];
    else return [];
  }
  return [];
}

function parseCookies(headers: HeaderMap): Record<string, string> {
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
function deserialize(
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
const IGNORED_HEADER_PARAMETERS = new Set(['accept', 'content-type', 'authorization']);

function describe(error: ErrorObject): { pointer: string; message: string } {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return {
        pointer: `${error.instancePath}/${escapePointerToken(String(params['missingProperty']))}`,
        message: 'is required',
      };
    case 'additionalProperties':
      return {
        pointer: `${error.instancePath}/${escapePointerToken(String(params['additionalProperty']))}`,
        message: 'is not an allowed property',
      };
    case 'unevaluatedProperties':
      return {
        pointer: `${error.instancePath}/${escapePointerToken(String(params['unevaluatedProperty']))}`,
        message: 'is not an allowed property',
      };
    case 'enum':
      return {
        pointer: error.instancePath,
        message: `must be one of ${(params['allowedValues'] as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`,
      };
    case 'const':
      return {
        pointer: error.instancePath,
        message: `must be ${JSON.stringify(params['allowedValue'])}`,
      };
    default:
      return { pointer: error.instancePath, message: error.message ?? `fails "${error.keyword}"` };
  }
}

/** The string keywords a redacted value is held to satisfy. */
const STRING_KEYWORDS = new Set(['pattern', 'format', 'minLength', 'maxLength']);

/**
 * Options of the checks that look at recordings (`verify --spec`, drift) rather than at a live
 * client's request.
 */
export interface ValueCheckOptions {
  /**
   * A string that is or holds a tapedeck pseudonym (`tdp_…`, `td-…@example.com`) or
   * `[REDACTED]` satisfies `pattern`, `format`, `minLength` and `maxLength`: redaction changed
   * it on purpose, and the original (which the spec described) is not on disk to check.
   */
  readonly redacted?: boolean;
}

/**
 * Every ajv error as a located problem, deduplicated, in order. With `root` (the validated
 * value), string-keyword errors on redacted strings are dropped (see ValueCheckOptions).
 */
export function problemsOf(
  errors: readonly ErrorObject[] | null | undefined,
  root?: { readonly value: unknown },
): ValueProblem[] {
  const seen = new Set<string>();
  const out: ValueProblem[] = [];
  for (const error of errors ?? []) {
    // oneOf/anyOf summaries repeat what the branches said; the branches are more useful.
    if (error.keyword === 'if') continue;
    if (root !== undefined && STRING_KEYWORDS.has(error.keyword)) {
      const value = resolveJsonPointer(root.value, error.instancePath);
      if (typeof value === 'string' && containsPseudonym(value)) continue;
    }
    const problem = describe(error);
    const id = `${problem.pointer}\u0000${problem.message}`;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(problem);
  }
  return out;
}

interface CompiledParameters {
  readonly validate: ValidateFunction | undefined;
  readonly types: ReadonlyMap<SpecParameter, readonly string[]>;
}

export interface SpecValidatorsOptions {
  /** The spec converted for requests (writeOnly allowed, readOnly not required). */
  readonly requestDocument: object;
  /** The spec converted for responses. */
  readonly responseDocument: object;
}

/** The validators of one spec. Ajv instances and compiled functions are built on first use. */
export class SpecValidators {
  private paramsAjv: Ajv2020 | undefined;
  private bodyAjv: Ajv2020 | undefined;
  private responseAjv: Ajv2020 | undefined;
  private readonly parameterCache = new Map<SpecOperation, CompiledParameters>();
  private readonly bodyCache = new Map<SpecMedia, ValidateFunction | null>();
  private readonly responseCache = new Map<object, ValidateFunction | null>();
  /** Schemas that did not compile (a broken pattern, an unresolvable ref): pointer -> why. */
  readonly compileErrors = new Map<string, string>();

  constructor(private readonly options: SpecValidatorsOptions) {}

  private compile(ajv: Ajv2020, schema: object, where: string): ValidateFunction | undefined {
    try {
      return ajv.compile(schema);
    } catch (error) {
      this.compileErrors.set(where, (error as Error).message);
      return undefined;
    }
  }

  private parameters(operation: SpecOperation): CompiledParameters {
    const cached = this.parameterCache.get(operation);
    if (cached) return cached;
    const groups: Record<string, { properties: Record<string, object>; required: string[] }> = {};
    const types = new Map<SpecParameter, readonly string[]>();
    for (const parameter of operation.parameters) {
      if (parameter.in === 'header' && IGNORED_HEADER_PARAMETERS.has(parameter.name)) continue;
      const group = (groups[parameter.in] ??= { properties: {}, required: [] });
      const schema = schemaFor(parameter) ?? {};
      setOwn(group.properties, parameter.name, schema);
      if (parameter.required) group.required.push(parameter.name);
      types.set(parameter, typeOf(this.options.requestDocument, parameter));
    }
    const properties: Record<string, object> = {};
    for (const [location, group] of Object.entries(groups))
      properties[location] = { type: 'object', ...group };
    this.paramsAjv ??= newAjv(this.options.requestDocument, true);
    const compiled: CompiledParameters = {
      validate:
        Object.keys(properties).length === 0
          ? undefined
          : this.compile(
              this.paramsAjv,
              { type: 'object', properties },
              `${operation.pointer}/parameters`,
            ),
      types,
    };
    this.parameterCache.set(operation, compiled);
    return compiled;
  }

  private body(media: SpecMedia): ValidateFunction | undefined {
    const cached = this.bodyCache.get(media);
    if (cached !== undefined) return cached ?? undefined;
    const schema = schemaFor(media);
    let validate: ValidateFunction | undefined;
    if (schema !== undefined) {
      const form = isFormMediaType(media.type) || media.type === 'multipart/form-data';
      const ajv = form
        ? (this.paramsAjv ??= newAjv(this.options.requestDocument, true))
        : (this.bodyAjv ??= newAjv(this.options.requestDocument, false));
      validate = this.compile(ajv, schema, media.schemaPointer ?? media.type);
    }
    this.bodyCache.set(media, validate ?? null);
    return validate;
  }

  /**
   * Every violation of a request against an operation: path, query, header and cookie
   * parameters (deserialized by style, strings coerced by schema type) and the body by its
   * content type. Messages name the place and the rule, never the value sent.
   */
  validateRequest(
    operation: SpecOperation,
    request: RequestParts,
    pathParams: Readonly<Record<string, string>>,
    options: ValueCheckOptions = {},
  ): { violations: Violation[]; unsupportedMediaType?: string } {
    const violations: Violation[] = [];
    const { validate, types } = this.parameters(operation);
    if (validate) {
      const cookies = operation.parameters.some((p) => p.in === 'cookie')
        ? parseCookies(request.headers)
        : {};
      const data: Record<string, Record<string, unknown>> = {};
      for (const parameter of operation.parameters) {
        const type = types.get(parameter);
        if (type === undefined) continue;
        let raw: readonly string[];
        switch (parameter.in) {
          case 'path': {
            const value = getOwn(pathParams, parameter.name);
            raw = value === undefined ? [] : [value];
            break;
          }
          case 'query':
            raw = valuesOf(getOwn(request.query, parameter.name));
            break;
          case 'header':
            raw = valuesOf(getOwn(request.headers, parameter.name));
            if (raw.length > 1) raw = [raw.join(', ')];
            break;
          case 'cookie': {
            const value = getOwn(cookies, parameter.name);
            raw = value === undefined ? [] : [value];
            break;
          }
        }
        const value = deserialize(parameter, type, raw, request.query);
        if (value !== undefined) setOwn((data[parameter.in] ??= {}), parameter.name, value);
      }
      for (const location of ['path', 'query', 'header', 'cookie']) data[location] ??= {};
      if (!validate(data)) {
        for (const problem of problemsOf(
          validate.errors,
          options.redacted === true ? { value: data } : undefined,
        )) {
          const [, location = '', name = '', ...rest] = problem.pointer.split('/');
          violations.push({
            in: location as ParameterLocation,
            name: unescapePointerToken(name),
            ...(rest.length > 0 ? { pointer: `/${rest.join('/')}` } : {}),
            message: problem.message,
          });
        }
      }
    }
    const body = operation.body;
    if (body === undefined) return { violations };
    const sent = request.body;
    const contentType = mediaType(valuesOf(getOwn(request.headers, 'content-type'))[0]);
    if (sent === undefined || (sent.encoding !== 'json' && bodyText(sent) === '')) {
      if (body.required)
        violations.push({ in: 'body', pointer: '', message: 'a request body is required' });
      return { violations };
    }
    const media = matchMedia(body.contents, contentType);
    if (media === undefined) {
      return {
        violations,
        unsupportedMediaType: contentType === '' ? '(none)' : contentType,
      };
    }
    let value: unknown;
    if (isFormMediaType(contentType)) {
      value = formObject(parseQuery(bodyText(sent)));
    } else if (isJsonMediaType(contentType) || isJsonMediaType(media.type)) {
      if (sent.encoding === 'json') value = sent.json;
      else {
        try {
          value = JSON.parse(bodyText(sent)) as unknown;
        } catch {
          violations.push({ in: 'body', pointer: '', message: 'is not valid JSON' });
          return { violations };
        }
      }
    } else {
      // Other media types (XML, binary, multipart): accepted as documented, not parsed.
      return { violations };
    }
    const validateBody = this.body(media);
    if (validateBody && !validateBody(value)) {
      for (const problem of problemsOf(
        validateBody.errors,
        options.redacted === true ? { value } : undefined,
      ))
        violations.push({ in: 'body', pointer: problem.pointer, message: problem.message });
    }
    return { violations };
  }

  /** Problems of a value against a response schema (pointer or inline), for contract checks. */
  validateResponseValue(
    source: { schemaPointer?: string; schema?: object },
    value: unknown,
    options: ValueCheckOptions = {},
  ): ValueProblem[] {
    const key = source.schemaPointer ?? source.schema;
    if (key === undefined) return [];
    let validate = this.responseCache.get(key as object);
    if (validate === undefined) {
      this.responseAjv ??= newAjv(this.options.responseDocument, false);
      validate =
        this.compile(this.responseAjv, schemaFor(source)!, source.schemaPointer ?? 'inline') ??
        null;
      this.responseCache.set(key as object, validate);
    }
    if (validate === null || validate(value)) return [];
    return problemsOf(validate.errors, options.redacted === true ? { value } : undefined);
  }

  /** A header value against its schema, coerced from text like a parameter. */
  validateHeaderValue(
    source: { schemaPointer?: string; schema?: object },
    text: string,
    options: ValueCheckOptions = {},
  ): ValueProblem[] {
    const schema = schemaFor(source);
    if (schema === undefined) return [];
    this.paramsAjv ??= newAjv(this.options.requestDocument, true);
    const key = `header:${source.schemaPointer ?? JSON.stringify(source.schema)}`;
    let validate = this.responseCache.get(key as unknown as object);
    if (validate === undefined) {
      validate =
        this.compile(this.paramsAjv, { type: 'object', properties: { v: schema } }, key) ?? null;
      this.responseCache.set(key as unknown as object, validate);
    }
    const types = typeOf(this.options.responseDocument, source);
    const value = types.includes('array') ? text.split(',').map((s) => s.trim()) : text;
    if (validate === null || validate({ v: value })) return [];
    return problemsOf(
      validate.errors,
      options.redacted === true ? { value: { v: value } } : undefined,
    ).map((p) => ({
      pointer: p.pointer.replace(/^\/v/, ''),
      message: p.message,
    }));
  }
}

function bodyText(body: Body): string {
  switch (body.encoding) {
    case 'json':
      return JSON.stringify(body.json);
    case 'text':
      return body.text;
    case 'base64':
      return '';
  }
}

/** Form fields as an object: a repeated field stays a list. */
function formObject(query: QueryMap): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(query)) setOwn(out, name, value);
  return out;
}

/** The documented media type for a request's content type (exact, then `type/*`, then any). */
export function matchMedia(contents: readonly SpecMedia[], type: string): SpecMedia | undefined {
  const exact = contents.find((c) => c.type === type);
  if (exact) return exact;
  const major = type.split('/')[0];
  return (
    contents.find((c) => c.type === `${major}/*`) ??
    contents.find((c) => c.type === '*/*') ??
    (type === ''
      ? undefined
      : contents.find((c) => isJsonMediaType(c.type) && isJsonMediaType(type)))
  );
}

export interface SecurityOutcome {
  readonly ok: boolean;
  /** For a 401: `WWW-Authenticate` challenges of the schemes that would have done. */
  readonly challenges: readonly string[];
  /** The schemes the operation accepts (names), for the message. */
  readonly accepted: readonly string[];
}

/**
 * Whether a request carries what the operation's security requirements ask for: any one
 * alternative with every scheme present (an API key in its header/query/cookie, an
 * `Authorization` with the right scheme). Presence only: a mock cannot check a credential.
 */
export function checkSecurity(
  operation: SpecOperation,
  schemes: ReadonlyMap<string, SecurityScheme>,
  request: RequestParts,
): SecurityOutcome {
  if (operation.security.length === 0) return { ok: true, challenges: [], accepted: [] };
  let cookies: Record<string, string> | undefined;
  const authorization = valuesOf(getOwn(request.headers, 'authorization'))[0]?.trim() ?? '';
  const present = (name: string): boolean => {
    const scheme = schemes.get(name);
    if (scheme === undefined) return true;
    switch (scheme.kind) {
      case 'apiKey':
        if (scheme.in === 'header') return getOwn(request.headers, scheme.param) !== undefined;
        if (scheme.in === 'query')
          return Object.keys(request.query).some((k) => k.toLowerCase() === scheme.param);
        cookies ??= parseCookies(request.headers);
        return Object.keys(cookies).some((k) => k.toLowerCase() === scheme.param);
      case 'http':
        return authorization.toLowerCase().startsWith(`${scheme.scheme} `);
      case 'oauth':
        return /^bearer /i.test(authorization);
    }
  };
  for (const alternative of operation.security) {
    if (alternative.every(present)) return { ok: true, challenges: [], accepted: [] };
  }
  const challenges = new Set<string>();
  const accepted = new Set<string>();
  for (const alternative of operation.security) {
    for (const name of alternative) {
      accepted.add(name);
      const scheme = schemes.get(name);
      if (scheme?.kind === 'http')
        challenges.add(
          `${scheme.scheme[0]!.toUpperCase()}${scheme.scheme.slice(1)} realm="tapedeck"`,
        );
      else if (scheme?.kind === 'oauth') challenges.add('Bearer realm="tapedeck"');
    }
  }
  return { ok: false, challenges: [...challenges], accepted: [...accepted] };
}
