import type { Body } from '../../cassette/model.js';
import { isFormMediaType, isJsonMediaType, parseQuery } from '../../http/index.js';
import { isJsonObject, setOwn, type JsonObject, type JsonValue } from '../../json.js';
import { parseForm, readFormShape, type FormShape } from '../../mock/openapi/form.js';
import type { SpecOperation } from '../../mock/openapi/operations.js';
import { matchMedia } from '../../mock/openapi/validate.js';
import { coerce, membersOf, resolveSchema, schemaTypes, type SchemaAt } from './coerce.js';

/**
 * Request bodies → JSON (docs/design/issue-13-plan.md §1.7). JSON is parsed; a form body
 * (`application/x-www-form-urlencoded`) is read in bracket notation by the spec's own form
 * reader (`metadata[order]=1` → `{metadata: {order: "1"}}`), then typed by the item schema.
 */

export type BodyRead =
  | { readonly ok: true; readonly value: JsonValue | undefined; readonly mergePatch: boolean }
  | { readonly ok: false; readonly pointer: string; readonly message: string };

const MERGE_PATCH = 'application/merge-patch+json';

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

/** What the schema says a place holds, for the form reader. */
function typesOf(document: object, schema: object): readonly string[] {
  const node = resolveSchema(document, schema);
  if (!node) return [];
  const types = new Set(schemaTypes(node));
  for (const member of membersOf(document, node)) for (const t of schemaTypes(member)) types.add(t);
  return [...types];
}

const NO_SHAPE: FormShape = {
  encodings: new Map(),
  typesOf: () => [],
  declares: () => false,
};

const shapes = new WeakMap<SpecOperation, Map<string, FormShape>>();

function formShape(
  operation: SpecOperation | undefined,
  document: object | undefined,
  contentType: string,
): FormShape {
  const body = operation?.body;
  if (body === undefined || document === undefined) return NO_SHAPE;
  const media = matchMedia(body.contents, contentType);
  if (media === undefined) return NO_SHAPE;
  let byType = shapes.get(operation!);
  if (byType === undefined) shapes.set(operation!, (byType = new Map<string, FormShape>()));
  let shape = byType.get(media.type);
  if (shape === undefined) {
    shape = readFormShape(document, body, media, (schema) => typesOf(document, schema));
    byType.set(media.type, shape);
  }
  return shape;
}

/**
 * The request body as JSON. `contentType` is the bare, lower-cased media type. Undefined value:
 * no body (or an empty one). Other media types than JSON and forms are not read (undefined).
 */
export function readBody(
  body: Body | undefined,
  contentType: string,
  operation?: SpecOperation,
  requestDocument?: object,
): BodyRead {
  const mergePatch = contentType === MERGE_PATCH;
  if (body === undefined) return { ok: true, value: undefined, mergePatch };
  if (isFormMediaType(contentType)) {
    const text = bodyText(body);
    if (text === '') return { ok: true, value: undefined, mergePatch };
    const parsed = parseForm(parseQuery(text), formShape(operation, requestDocument, contentType));
    if (!parsed.ok) return parsed;
    return { ok: true, value: parsed.value as JsonObject, mergePatch };
  }
  if (body.encoding === 'json') return { ok: true, value: body.json, mergePatch };
  // JSON the codec kept as bytes: nested deeper than tapedeck parses, or not UTF-8. Never read
  // as no body (a create would make an empty object of it).
  if (body.encoding === 'base64' && (isJsonMediaType(contentType) || mergePatch)) {
    return {
      ok: false,
      pointer: '',
      message: 'is not JSON tapedeck reads (nested too deeply, or not UTF-8)',
    };
  }
  if (isJsonMediaType(contentType) || mergePatch || contentType === '') {
    const text = bodyText(body);
    if (text.trim() === '') return { ok: true, value: undefined, mergePatch };
    try {
      return { ok: true, value: JSON.parse(text) as JsonValue, mergePatch };
    } catch {
      return { ok: false, pointer: '', message: 'is not valid JSON' };
    }
  }
  return { ok: true, value: undefined, mergePatch };
}

/**
 * The fields of a request body that are fields of the item: coerced and filtered by the item
 * schema when there is one; without a schema (a model from recordings alone), the fields the
 * type's template has, or every field when the template is empty.
 */
export function itemFields(
  value: JsonValue | undefined,
  item: SchemaAt | undefined,
  template: JsonObject,
): JsonObject {
  if (!isJsonObject(value)) return {};
  if (item !== undefined) {
    const shaped = coerce(value, item);
    return isJsonObject(shaped) ? shaped : {};
  }
  const known = Object.keys(template);
  if (known.length === 0) return { ...value };
  const out: JsonObject = {};
  for (const name of known) if (Object.hasOwn(value, name)) setOwn(out, name, value[name]!);
  return out;
}
