/**
 * The profile's and config's corrections applied to an inferred model (config wins member by
 * member): id field and shape, server-owned fields, delete style, declared lifecycles and
 * actions, fixtures, and types that are not resources. Declared, never guessed.
 */
import type { JsonValue } from '../../json.js';
import type { ActionDecl, ApiProfile, ResourceOverride } from '../profile/types.js';
import { DEFAULT_ID_SHAPE } from './ids.js';
import type { IdShape, Lifecycle, ModelRoute, ResourceModel, ResourceType } from './model.js';

type Source = ResourceType['source'][number];

function withSource(type: ResourceType, source: Source): ResourceType['source'] {
  return type.source.includes(source) ? type.source : [...type.source, source];
}

function shapeOf(current: IdShape, id: NonNullable<ResourceOverride['id']>): IdShape {
  if ('kind' in id) return id;
  if (current.kind === 'random') return { ...current, prefix: id.prefix };
  return { ...(DEFAULT_ID_SHAPE as Extract<IdShape, { kind: 'random' }>), prefix: id.prefix };
}

/** Every declared action of one override: the lifecycle's, then `actions` (which win). */
function declaredActions(o: ResourceOverride): Record<string, ActionDecl> {
  return { ...(o.lifecycle?.actions ?? {}), ...(o.actions ?? {}) };
}

function lifecycleOf(o: ResourceOverride): Lifecycle | undefined {
  const actions = declaredActions(o);
  if (o.lifecycle === undefined && Object.keys(actions).length === 0 && o.create === undefined)
    return undefined;
  return {
    ...(o.lifecycle === undefined ? {} : { field: o.lifecycle.field }),
    initial: o.lifecycle?.initial ?? [],
    actions,
    ...(o.create === undefined ? {} : { create: o.create }),
  };
}

/**
 * `profile.ids.byType`, then `profile.resources.overrides`, then `config` (config's
 * `sandbox.resources`), applied in that order.
 */
export function applyOverrides(
  model: ResourceModel,
  profile: ApiProfile,
  config: Readonly<Record<string, ResourceOverride>>,
): ResourceModel {
  const types = new Map<string, ResourceType>();
  let routes: ModelRoute[] = [...model.routes];
  const notModelled = [...model.notModelled];
  for (const [name, inferred] of model.types) {
    let type = inferred;
    const preset = profile.ids.byType[name];
    if (preset !== undefined)
      type = { ...type, idShape: preset, idSource: 'profile', source: withSource(type, 'profile') };
    const layers: ['profile' | 'config', ResourceOverride | undefined][] = [
      ['profile', profile.resources.overrides[name]],
      ['config', config[name]],
    ];
    let dropped: 'profile' | 'config' | undefined;
    let declared: ResourceOverride = {};
    for (const [source, o] of layers) {
      if (o === undefined) continue;
      type = { ...type, source: withSource(type, source) };
      if (o.notResource === true) dropped = source;
      if (o.notResource === false) dropped = undefined;
      if (o.idField !== undefined) type = { ...type, idField: o.idField };
      if (o.id !== undefined)
        type = { ...type, idShape: shapeOf(type.idShape, o.id), idSource: source };
      if (o.serverOwned !== undefined)
        type = { ...type, serverOwned: [...new Set([...type.serverOwned, ...o.serverOwned])] };
      if (o.deleteStyle !== undefined) type = { ...type, deleteStyle: o.deleteStyle };
      if (o.fixtures !== undefined) type = { ...type, fixtures: o.fixtures };
      declared = {
        ...declared,
        ...(o.lifecycle === undefined ? {} : { lifecycle: o.lifecycle }),
        ...(o.create === undefined ? {} : { create: o.create }),
        actions: { ...(declared.actions ?? {}), ...declaredActions(o) },
      };
    }
    if (dropped !== undefined) {
      for (const r of routes)
        if (r.type === name)
          notModelled.push({
            method: r.method,
            path: r.path,
            reason: `${name} is marked notResource (${dropped})`,
          });
      routes = routes.filter((r) => r.type !== name);
      continue;
    }
    // The id field is always server-owned, and kept in a tombstone.
    if (!type.serverOwned.includes(type.idField))
      type = { ...type, serverOwned: [type.idField, ...type.serverOwned] };
    if (type.deleteStyle === 'tombstone' && type.tombstone === undefined) {
      const object = type.constants['object'] === undefined ? [] : ['object'];
      type = { ...type, tombstone: ['deleted', type.idField, ...object].sort() };
    }
    const lifecycle = lifecycleOf(declared);
    if (lifecycle !== undefined) {
      type = { ...type, lifecycle };
      // A declared `delete` action keeps the object: Stripe's DELETE /v1/subscriptions/{id}
      // cancels and answers the canceled subscription, which stays readable.
      if (lifecycle.actions['delete'] !== undefined)
        routes = routes.map((r) =>
          r.type === name && r.role === 'delete' ? { ...r, role: 'action', action: 'delete' } : r,
        );
      routes.push(...missingActionRoutes(type, lifecycle, routes));
    }
    types.set(name, type);
  }
  // Parents and references may name a dropped type: they become scopes / go.
  routes = routes.map((r) => ({
    ...r,
    parents: r.parents.map((p) =>
      p.type === undefined || types.has(p.type)
        ? p
        : { param: p.param, ...(p.field === undefined ? {} : { field: p.field }) },
    ),
  }));
  for (const [name, t] of types)
    if (t.references.some((ref) => !types.has(ref.type)))
      types.set(name, { ...t, references: t.references.filter((ref) => types.has(ref.type)) });
  return { ...model, types, routes, notModelled };
}

/**
 * A declared action the model has no route for (`widgets.actions.archive` on a recordings-only
 * model) gets `POST <item>/<action>`, beside the type's retrieve route.
 */
function missingActionRoutes(
  type: ResourceType,
  lifecycle: Lifecycle,
  routes: readonly ModelRoute[],
): ModelRoute[] {
  const item = routes.find((r) => r.type === type.name && r.role === 'retrieve');
  if (item === undefined) return [];
  const update = routes.find((r) => r.type === type.name && r.role === 'update');
  const out: ModelRoute[] = [];
  for (const action of Object.keys(lifecycle.actions)) {
    if (routes.some((r) => r.type === type.name && r.role === 'action' && r.action === action))
      continue;
    out.push({
      method: 'POST',
      path: `${item.path}/${action}`,
      role: 'action',
      type: type.name,
      ...(item.idParam === undefined ? {} : { idParam: item.idParam }),
      parents: item.parents,
      action,
      successStatus: 200,
      body: update?.body ?? 'json',
      filters: [],
    });
  }
  return out;
}

/** A fixture's id, for lookups (`pm_card_visa`). */
export function fixtureId(type: ResourceType, fixture: JsonValue): string | undefined {
  if (fixture === null || typeof fixture !== 'object' || Array.isArray(fixture)) return undefined;
  const id = fixture[type.idField];
  return typeof id === 'string' || typeof id === 'number' ? String(id) : undefined;
}
