import type { NamedCassette } from '../../cassette/model.js';
import { parseQuery } from '../../http/index.js';
import { mediaType } from '../../http/index.js';
import { isJsonObject, isRecord, setOwn, type JsonObject, type JsonValue } from '../../json.js';
import type { CompiledSpec } from '../../mock/openapi/compiled.js';
import { resolvePointer } from '../../mock/openapi/document.js';
import { valuesOf } from '../../cassette/model.js';
import {
  isNullable,
  membersOf,
  propertySchema,
  resolveSchema,
  schemaTypes,
  type SchemaAt,
} from './coerce.js';
import { modelRoute, type TemplateSource } from './engine.js';
import type { ResourceModel } from './model.js';

/**
 * Where a new resource starts (docs/design/issue-13-plan.md §1.4), in order: the recorded create
 * response for the type (already redacted), with every field the recorded request set reset to
 * its minimal value (one partner's `name` never shows up in another's customer); the minimal
 * instance of the item schema; the spec's example of the create or retrieve answer (a schema-less
 * item). Never a made-up word: a generated `email: "string"` would mislead.
 */

const MAX_DEPTH = 12;

/**
 * The least instance of a schema: required properties only; nullable → null; boolean → false;
 * integer/number → 0 (or `minimum`); string → the first enum value, else `""`; array → `[]`;
 * object → its required properties (a map such as `metadata` → `{}`).
 */
export function minimalInstance(
  document: object,
  schema: unknown,
  depth = 0,
  options: { readonly nullables?: boolean } = {},
): JsonValue {
  const node = resolveSchema(document, schema);
  if (!node || depth > MAX_DEPTH) return null;
  if ('const' in node) return node['const'] as JsonValue;
  const types = schemaTypes(node);
  const members = membersOf(document, node);
  if (types.includes('null') || members.some((m) => schemaTypes(m).includes('null'))) return null;
  if (Array.isArray(node['enum']) && node['enum'].length > 0) {
    const first = (node['enum'] as unknown[]).find((v) => v !== null);
    if (first !== undefined) return first as JsonValue;
  }
  if (types.length === 0 && members.length > 0)
    return minimalInstance(document, members[0], depth + 1);
  if (types.includes('object')) {
    const out: JsonObject = {};
    const required = Array.isArray(node['required']) ? node['required'] : [];
    for (const name of required) {
      if (typeof name !== 'string') continue;
      const sub = propertySchema(document, node, name);
      setOwn(out, name, sub === undefined ? null : minimalInstance(document, sub, depth + 1));
    }
    // An item shows its optional nullable fields as null (`email: null`) and its optional maps
    // as `{}` (`metadata`), as the APIs do: a client reads `customer.metadata.plan`.
    if (options.nullables === true && isRecord(node['properties']))
      for (const [name, sub] of Object.entries(node['properties'])) {
        if (Object.hasOwn(out, name)) continue;
        if (isNullable(document, sub)) setOwn(out, name, null);
        else if (isMap(document, sub)) setOwn(out, name, {});
      }
    return out;
  }
  if (types.includes('array')) return [];
  if (types.includes('boolean')) return false;
  if (types.includes('integer') || types.includes('number'))
    return typeof node['minimum'] === 'number' ? node['minimum'] : 0;
  if (types.includes('string')) return '';
  return null;
}

/** An object schema that declares no properties of its own, only what its values are. */
function isMap(document: object, schema: unknown): boolean {
  const node = resolveSchema(document, schema);
  if (!node || !schemaTypes(node).includes('object') || isRecord(node['properties'])) return false;
  const extra = node['additionalProperties'];
  return isRecord(extra) || extra === true;
}

/** The minimal value of one field: by its schema, else by the recorded value's kind. */
function minimalField(item: SchemaAt | undefined, name: string, recorded: JsonValue): JsonValue {
  if (item !== undefined) {
    const sub = propertySchema(item.document, item.schema, name);
    if (sub !== undefined) return minimalInstance(item.document, sub);
  }
  if (isJsonObject(recorded)) return {};
  if (Array.isArray(recorded)) return [];
  return null;
}

/** The top-level field names a recorded request body set (JSON or form, bracket roots). */
export function requestFieldNames(
  body:
    { readonly encoding: string; readonly json?: JsonValue; readonly text?: string } | undefined,
  contentType: string,
): string[] {
  if (body === undefined) return [];
  if (body.encoding === 'json') return isJsonObject(body.json) ? Object.keys(body.json) : [];
  if (body.encoding !== 'text' || body.text === undefined) return [];
  if (contentType === 'application/x-www-form-urlencoded' || /^[^{[]/.test(body.text)) {
    const names = new Set<string>();
    for (const key of Object.keys(parseQuery(body.text))) {
      const open = key.indexOf('[');
      names.add(open > 0 ? key.slice(0, open) : key);
    }
    return [...names];
  }
  try {
    const parsed = JSON.parse(body.text) as unknown;
    return isRecord(parsed) ? Object.keys(parsed) : [];
  } catch {
    return [];
  }
}

/** A recorded create answer with what the recorded request set reset (see the file comment). */
export function recordedTemplate(
  response: JsonObject,
  setByRequest: readonly string[],
  item: SchemaAt | undefined,
): JsonObject {
  const out: JsonObject = { ...response };
  for (const name of setByRequest)
    if (Object.hasOwn(out, name)) setOwn(out, name, minimalField(item, name, out[name]!));
  // What names the recorded object is that object's, never a new one's: its client secret
  // (`pi_…_secret_…`), its list of charges, urls with its id.
  const id = response['id'];
  if (typeof id === 'string' && id.length >= 6)
    for (const [name, value] of Object.entries(out))
      if (name !== 'id' && JSON.stringify(value).includes(id))
        setOwn(out, name, minimalField(item, name, value));
  return out;
}

/** The item schema of a type in the spec's response document. */
export function itemSchemaOf(
  spec: CompiledSpec | undefined,
  pointer: string | undefined,
): SchemaAt | undefined {
  if (spec === undefined || pointer === undefined) return undefined;
  const schema = resolvePointer(spec.responseDocument, pointer);
  return isRecord(schema) ? { schema, document: spec.responseDocument } : undefined;
}

function specExample(spec: CompiledSpec, operationId: string | undefined): JsonObject | undefined {
  if (operationId === undefined) return undefined;
  const operation = spec.model.operations.find((o) => o.id === operationId);
  for (const response of operation?.responses ?? []) {
    if (!/^2/.test(response.status)) continue;
    for (const media of response.contents)
      for (const example of media.examples) if (isJsonObject(example.value)) return example.value;
  }
  return undefined;
}

/** The templates of every type of a model, computed once per server. */
export function buildTemplates(o: {
  readonly model: ResourceModel;
  readonly spec?: CompiledSpec;
  readonly cassettes: readonly NamedCassette[];
}): TemplateSource {
  const recorded = new Map<string, JsonObject>();
  for (const { cassette } of o.cassettes) {
    for (const interaction of cassette.interactions) {
      const { request, response } = interaction;
      if (request.method.toUpperCase() !== 'POST') continue;
      if (response.status < 200 || response.status > 299) continue;
      const routed = modelRoute(o.model, 'POST', request.path);
      if (routed === undefined || routed.route.role !== 'create') continue;
      if (recorded.has(routed.route.type)) continue;
      const body = response.body;
      if (body?.encoding !== 'json' || !isJsonObject(body.json)) continue;
      const type = o.model.types.get(routed.route.type);
      const item = itemSchemaOf(o.spec, type?.schemaPointer);
      const contentType = mediaType(valuesOf(request.headers['content-type'])[0]);
      recorded.set(
        routed.route.type,
        recordedTemplate(body.json, requestFieldNames(request.body, contentType), item),
      );
    }
  }
  const cache = new Map<string, JsonObject>();
  return {
    template(typeName) {
      const cached = cache.get(typeName);
      if (cached) return cached;
      const type = o.model.types.get(typeName);
      let template = recorded.get(typeName);
      // The item schema's least instance comes before the spec's example: an example is one
      // made-up object (GitHub's `octocat/Hello-World/issues/1347` urls, its user and labels)
      // that every new object would otherwise show as its own.
      const item = itemSchemaOf(o.spec, type?.schemaPointer);
      if (template === undefined && item !== undefined) {
        const minimal = minimalInstance(item.document, item.schema, 0, { nullables: true });
        if (isJsonObject(minimal)) template = minimal;
      }
      if (template === undefined && o.spec !== undefined && type !== undefined) {
        for (const route of o.model.routes) {
          if (route.type !== typeName || (route.role !== 'create' && route.role !== 'retrieve'))
            continue;
          template = specExample(o.spec, route.operationId);
          if (template !== undefined) break;
        }
      }
      template ??= {};
      cache.set(typeName, template);
      return template;
    },
    itemSchema(typeName) {
      return itemSchemaOf(o.spec, o.model.types.get(typeName)?.schemaPointer);
    },
  };
}
