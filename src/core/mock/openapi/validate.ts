import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { Body, HeaderMap, QueryMap } from '../../cassette/model.js';
import { valuesOf } from '../../cassette/model.js';
import { isFormMediaType, isJsonMediaType, mediaType, parseQuery } from '../../http/index.js';
import { getOwn, setOwn, unescapePointerToken } from '../../json.js';
import type {
  ParameterLocation,
  SpecBody,
  SpecMedia,
  SpecOperation,
  SpecParameter,
} from './operations.js';
import { deref, resolvePointer } from './document.js';
import { bracketName, parseForm, readFormShape, type FormShape } from './form.js';
import { deserialize, IGNORED_HEADER_PARAMETERS, parseCookies } from './parameters.js';
import { problemsOf, type ValueCheckOptions, type ValueProblem } from './problems.js';

export { checkSecurity, type SecurityOutcome } from './security.js';
export { problemsOf, type ValueCheckOptions, type ValueProblem } from './problems.js';

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
function typeOf(
  document: object,
  source: { schemaPointer?: string; schema?: object },
  depth = 0,
): string[] {
  if (depth > 4) return [];
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
    const choices = record['anyOf'] ?? record['oneOf'];
    if (Array.isArray(allOf) && allOf.length > 0) node = allOf[0];
    else if (Array.isArray(choices) && choices.length > 0) {
      // Stripe's `metadata: anyOf [object, enum ['']]`: every branch's type can arrive.
      const union = new Set<string>();
      for (const choice of choices.slice(0, 16))
        for (const t of typeOf(document, { schema: choice as object }, depth + 1)) union.add(t);
      return [...union];
    } else if (typeof record['items'] === 'object') return ['array'];
    else if (typeof record['properties'] === 'object') return ['object'];
    else return [];
  }
  return [];
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
  private readonly formCache = new Map<SpecMedia, FormShape>();
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
    const form = isFormMediaType(contentType);
    if (form) {
      const parsed = parseForm(parseQuery(bodyText(sent)), this.formShape(body, media));
      if (!parsed.ok) {
        violations.push({ in: 'body', pointer: parsed.pointer, message: parsed.message });
        return { violations };
      }
      value = parsed.value;
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
        violations.push({
          in: 'body',
          // A form field is named as the client sent it: `metadata[plan]`.
          ...(form && problem.pointer !== '' ? { name: bracketName(problem.pointer) } : {}),
          pointer: problem.pointer,
          message: problem.message,
        });
    }
    return { violations };
  }

  /** How a form body of this media type is read (form.ts), built once per media type. */
  private formShape(body: SpecBody, media: SpecMedia): FormShape {
    let shape = this.formCache.get(media);
    if (shape === undefined) {
      const document = this.options.requestDocument;
      shape = readFormShape(document, body, media, (schema) => typeOf(document, { schema }));
      this.formCache.set(media, shape);
    }
    return shape;
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
