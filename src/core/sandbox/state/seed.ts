import type { NamedCassette } from '../../cassette/model.js';
import { isJsonObject, setOwn, type JsonObject, type JsonValue } from '../../json.js';
import type { StoredResource } from '../../ports/resources.js';
import { routeRequest, storedId, type RoutedRequest } from './engine.js';
import type { ResourceModel, ResourceType } from './model.js';

/**
 * Seeds from recordings (docs/design/issue-13-plan.md §6.3): each tenant whose seed set is
 * `recordings` starts with every resource the (redacted) cassettes show, so a recorded
 * `GET /v1/customers/cus_rec1` is answered by state with the recorded object until the tenant
 * changes it.
 */

/** The items of a list answer: a bare array, or the one array member of an object. */
function listItems(body: JsonValue): JsonValue[] | undefined {
  if (Array.isArray(body)) return body;
  if (!isJsonObject(body)) return undefined;
  const arrays = Object.values(body).filter((v) => Array.isArray(v));
  return arrays.length === 1 ? arrays[0] : undefined;
}

function idOf(type: ResourceType, value: JsonValue): string | undefined {
  if (!isJsonObject(value)) return undefined;
  const id = value[type.idField];
  return typeof id === 'string' || typeof id === 'number' ? String(id) : undefined;
}

function stub(type: ResourceType, value: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const field of type.tombstone ?? ['id', 'object', 'deleted'])
    if (field === 'deleted') setOwn(out, field, true);
    else if (Object.hasOwn(value, field)) setOwn(out, field, value[field]!);
  setOwn(out, 'deleted', true);
  return out;
}

/**
 * Every resource the recordings show, in the order first seen: a 2xx JSON answer of create,
 * retrieve, update or action puts its object (last write wins), a list answer puts each item, a
 * delete removes it (or leaves its tombstone). Pure; the result is cached per server.
 */
export function seedFromRecordings(
  model: ResourceModel,
  cassettes: readonly NamedCassette[],
): readonly StoredResource[] {
  const out = new Map<string, StoredResource>();
  const put = (routed: RoutedRequest, value: JsonValue, parent: string | undefined) => {
    const id = idOf(routed.type, value);
    if (id === undefined) return;
    const stored = storedId(routed, id);
    const key = `${routed.type.name}\u0000${stored}`;
    const before = out.get(key);
    out.set(key, {
      type: routed.type.name,
      id: stored,
      value,
      ...((parent ?? before?.parent) === undefined ? {} : { parent: parent ?? before!.parent! }),
    });
  };
  for (const { cassette } of cassettes) {
    for (const { request, response } of cassette.interactions) {
      if (response.status < 200 || response.status > 299) continue;
      const routed = routeRequest(model, undefined, request.method, request.path);
      if (routed === undefined) continue;
      const body = response.body?.encoding === 'json' ? response.body.json : undefined;
      switch (routed.route.role) {
        case 'create':
        case 'retrieve':
        case 'update':
        case 'replace':
        case 'action':
          if (body !== undefined && idOf(routed.type, body) !== undefined)
            put(routed, body, routed.parent);
          break;
        case 'list':
          for (const item of (body === undefined ? undefined : listItems(body)) ?? [])
            put(routed, item, routed.parent);
          break;
        case 'delete': {
          if (routed.id === undefined) break;
          const stored = storedId(routed, routed.id);
          const key = `${routed.type.name}\u0000${stored}`;
          const before = out.get(key);
          if (routed.type.deleteStyle === 'remove') out.delete(key);
          else if (before !== undefined && isJsonObject(before.value))
            out.set(key, { ...before, value: stub(routed.type, before.value), deleted: true });
          else if (isJsonObject(body))
            out.set(key, { type: routed.type.name, id: stored, value: body, deleted: true });
          break;
        }
      }
    }
  }
  return [...out.values()];
}

/** The sequences seeded resources imply: a sequence-id type continues after its largest id. */
export function seedSequences(
  model: ResourceModel,
  resources: readonly StoredResource[],
): { name: string; value: number }[] {
  const max = new Map<string, number>();
  for (const resource of resources) {
    const type = model.types.get(resource.type);
    if (type === undefined) continue;
    const value = isJsonObject(resource.value) ? resource.value : {};
    const bump = (name: string, n: unknown) => {
      const number = typeof n === 'number' ? n : typeof n === 'string' ? Number(n) : NaN;
      if (Number.isInteger(number)) max.set(name, Math.max(max.get(name) ?? 0, number));
    };
    if (type.idShape.kind === 'sequence') {
      const scope = type.idShape.scope === 'parent' ? (resource.parent ?? '') : '';
      bump(scope === '' ? `id:${type.name}` : `id:${type.name}:${scope}`, value[type.idField]);
    }
    if (type.idField !== 'id') bump(`id:${type.name}#id`, value['id']);
  }
  return [...max].map(([name, value]) => ({ name, value }));
}
