import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadSpecFile } from '../../../src/adapters/spec/spec-loader.js';
import { CompiledSpec } from '../../../src/core/mock/openapi/compiled.js';
import type { ErrorFactsIn, ProfileErrors } from '../../../src/core/sandbox/profile/answer.js';
import { PRESETS } from '../../../src/core/sandbox/profile/presets/index.js';
import type { ApiProfile } from '../../../src/core/sandbox/profile/types.js';
import type {
  ModelRoute,
  ResourceModel,
  ResourceType,
} from '../../../src/core/sandbox/state/model.js';
import type { StateEngineDeps } from '../../../src/core/sandbox/state/engine.js';
import { buildTemplates } from '../../../src/core/sandbox/state/template.js';

/**
 * The widgets fixture (test/fixtures/specs/widgets.yaml) as the state engine sees it: the model
 * written out by hand (what inference should find), the profile of
 * test/fixtures/sandbox/widgets-profile.json over the standard preset, and errors as plain JSON
 * of their facts, so engine tests read what the engine decided rather than a profile's wording.
 */
export const WIDGETS_SPEC = fileURLToPath(
  new URL('../../fixtures/specs/widgets.yaml', import.meta.url),
);
const PROFILE_FILE = fileURLToPath(
  new URL('../../fixtures/sandbox/widgets-profile.json', import.meta.url),
);

export function widgetsProfile(): ApiProfile {
  const file = JSON.parse(readFileSync(PROFILE_FILE, 'utf8')) as Record<string, unknown>;
  const base = PRESETS.standard;
  return {
    ...base,
    name: 'widgets',
    pagination: file['pagination'] as ApiProfile['pagination'],
    ids: file['ids'] as ApiProfile['ids'],
    resources: file['resources'] as ApiProfile['resources'],
  };
}

export const widgetsType = (profile: ApiProfile): ResourceType => {
  const decl = profile.resources.overrides['widgets']!.lifecycle!;
  return {
    name: 'widgets',
    object: 'widget',
    schemaPointer: '#/components/schemas/widget',
    idField: 'id',
    idShape: profile.ids.byType['widgets']!,
    idSource: 'profile',
    serverOwned: ['id', 'object', 'created'],
    timestamps: { created: { unit: 'unix-s', on: 'create' } },
    constants: { object: 'widget' },
    deleteStyle: 'remove',
    references: [],
    lifecycle: { field: decl.field, initial: decl.initial, actions: decl.actions ?? {} },
    source: ['spec', 'profile'],
  };
};

const route = (
  r: Partial<ModelRoute> & Pick<ModelRoute, 'method' | 'path' | 'role'>,
): ModelRoute => ({
  type: 'widgets',
  parents: [],
  successStatus: 200,
  body: r.method === 'GET' || r.method === 'DELETE' ? 'none' : 'json',
  filters: [],
  ...r,
});

export function widgetsModel(profile: ApiProfile): ResourceModel {
  return {
    types: new Map([['widgets', widgetsType(profile)]]),
    routes: [
      route({ method: 'POST', path: '/v1/widgets', role: 'create', operationId: 'CreateWidget' }),
      route({
        method: 'GET',
        path: '/v1/widgets',
        role: 'list',
        operationId: 'ListWidgets',
        filters: ['color'],
      }),
      route({
        method: 'GET',
        path: '/v1/widgets/{widget}',
        role: 'retrieve',
        idParam: 'widget',
        operationId: 'GetWidget',
      }),
      route({
        method: 'POST',
        path: '/v1/widgets/{widget}',
        role: 'update',
        idParam: 'widget',
        operationId: 'UpdateWidget',
      }),
      route({
        method: 'DELETE',
        path: '/v1/widgets/{widget}',
        role: 'delete',
        idParam: 'widget',
        successStatus: 204,
        operationId: 'DeleteWidget',
      }),
      route({
        method: 'POST',
        path: '/v1/widgets/{widget}/publish',
        role: 'action',
        idParam: 'widget',
        action: 'publish',
        operationId: 'PublishWidget',
      }),
      route({
        method: 'POST',
        path: '/v1/widgets/{widget}/paint',
        role: 'action',
        idParam: 'widget',
        action: 'paint',
        operationId: 'PaintWidget',
      }),
    ],
    notModelled: [],
    from: 'spec',
  };
}

/** Errors as the JSON of their facts: `{"kind": "not-found", "values": {…}}`. */
export const factErrors: ProfileErrors = {
  reply(facts: ErrorFactsIn) {
    const status =
      facts.status ??
      { 'not-found': 404, conflict: 409, quota: 400, 'reference-missing': 400 }[
        facts.kind as string
      ] ??
      400;
    const { operation: _operation, idShape: _shape, ...rest } = facts;
    return {
      kind: 'simple',
      status,
      headers: [
        ['content-type', 'application/json'],
        ['x-tapedeck-layer', 'state'],
      ],
      body: JSON.stringify(rest),
    };
  },
};

export async function widgetsDeps(): Promise<StateEngineDeps> {
  const profile = widgetsProfile();
  const spec = new CompiledSpec(await loadSpecFile(WIDGETS_SPEC));
  const model = widgetsModel(profile);
  return {
    model,
    profile,
    spec,
    templates: buildTemplates({ model, spec, cassettes: [] }),
    errors: factErrors,
  };
}
