/**
 * The scenario admin routes (issue 14). D2's server mounts them beside the tenant routes:
 *
 *   scenarioRoutes(options: ScenarioRoutesOptions): AdminRoute[]
 *
 *   options.catalogue  the loaded or compiled catalogue (anything with `scenarios`)
 *   options.state      RuntimeState (its `tenants` and `scenarios` ports)
 *   options.clock      real time (an arm's time is the tenant's clock)
 *   options.onChange   (tenantId) => void, after every arm and disarm: the scenario layer caches
 *                      a tenant's arms and drops them here
 *   options.bodyFormat how the API's bodies are sent ('form' for Stripe), for the rendered catalogue
 *
 *   GET    scenarios                                 the catalogue (renderScenariosJson, with sources)
 *   GET    tenants/:name/scenarios                   {tenant, armed: [ArmView]}
 *   POST   tenants/:name/scenarios  {scenario, operation?, count?}   201 the arm
 *   DELETE tenants/:name/scenarios/:arm                              {disarmed: 1}; unknown arm 404
 *   DELETE tenants/:name/scenarios?scenario=NAME                     {disarmed: n}
 *
 * A tenant is named by its name or its id. Unknown scenarios are 400 naming the known ones.
 */
import { isTapedeckError } from '../../../core/errors.js';
import type { Clock, RuntimeState } from '../../../core/ports/index.js';
import { renderScenariosJson } from '../../../core/render/scenarios.js';
import type { ScenarioCatalogue } from '../../../core/sandbox/scenarios/types.js';
import { armView, ScenarioAdmin } from '../../sandbox/scenario-admin.js';
import { adminJson, adminProblem } from './reply.js';
import type { AdminCall, AdminRoute } from './router.js';
import { answer, jsonBody, stringField } from './tenants.js';

export interface ScenarioRoutesOptions {
  readonly catalogue: ScenarioCatalogue;
  readonly state: Pick<RuntimeState, 'tenants' | 'scenarios'>;
  readonly clock: Clock;
  readonly onChange?: (tenantId: string) => void;
  readonly bodyFormat?: 'form' | 'json';
}

const EXAMPLE = '{"scenario": "card_declined", "count": 1}';

function param(call: AdminCall, name: string): string {
  return call.params[name] ?? '';
}

export function scenarioRoutes(options: ScenarioRoutesOptions): AdminRoute[] {
  const admin = new ScenarioAdmin(options);
  // Rendered once: the catalogue does not change while the server runs.
  const catalogue = adminJson(
    200,
    renderScenariosJson(
      options.catalogue,
      options.bodyFormat === undefined ? {} : { bodyFormat: options.bodyFormat },
    ),
  );
  return [
    {
      method: 'GET',
      path: 'scenarios',
      usage: 'GET scenarios   (the catalogue)',
      handle: () => catalogue,
    },
    {
      method: 'GET',
      path: 'tenants/:name/scenarios',
      usage: 'GET tenants/NAME/scenarios   (armed)',
      handle: (call) =>
        answer(async () => {
          const name = param(call, 'name');
          return adminJson(200, { tenant: name, armed: (await admin.armed(name)).map(armView) });
        }),
    },
    {
      method: 'POST',
      path: 'tenants/:name/scenarios',
      usage: `POST tenants/NAME/scenarios ${EXAMPLE}   (arm)`,
      handle: (call) =>
        answer(async () => {
          const body = jsonBody(call, EXAMPLE);
          const scenario = stringField(body, 'scenario');
          if (scenario === undefined)
            return adminProblem(400, 'TD_BAD_REQUEST', `/scenario is required: ${EXAMPLE}.`, {
              field: 'scenario',
            });
          const operation = stringField(body, 'operation');
          const count = body['count'];
          if (count !== undefined && count !== null && typeof count !== 'number')
            return adminProblem(
              400,
              'TD_BAD_REQUEST',
              '/count must be a whole number from 1 (absent: until disarmed).',
              { field: 'count' },
            );
          const armed = await admin.arm(param(call, 'name'), {
            scenario,
            ...(operation === undefined ? {} : { operation }),
            ...(typeof count === 'number' ? { count } : {}),
          });
          return adminJson(201, armView(armed));
        }),
    },
    {
      method: 'DELETE',
      path: 'tenants/:name/scenarios',
      usage: 'DELETE tenants/NAME/scenarios?scenario=NAME   (disarm every arm of it)',
      handle: (call) =>
        answer(async () => {
          const scenario = call.query.get('scenario');
          if (scenario === null || scenario === '')
            return adminProblem(
              400,
              'TD_BAD_REQUEST',
              'Disarm one arm with DELETE tenants/NAME/scenarios/ARM_ID, or a scenario’s with ?scenario=NAME.',
              { field: 'scenario' },
            );
          return adminJson(200, {
            disarmed: await admin.disarm(param(call, 'name'), { scenario }),
          });
        }),
    },
    {
      method: 'DELETE',
      path: 'tenants/:name/scenarios/:arm',
      usage: 'DELETE tenants/NAME/scenarios/ARM_ID   (disarm one)',
      handle: (call) =>
        answer(async () => {
          try {
            return adminJson(200, {
              disarmed: await admin.disarm(param(call, 'name'), { id: param(call, 'arm') }),
            });
          } catch (error) {
            // An arm that is not there is a missing resource, not a malformed call.
            if (isTapedeckError(error, 'TD_USAGE') && error.details['field'] === 'arm')
              return adminProblem(404, 'TD_BAD_REQUEST', error.message, {
                field: 'arm',
                ...(error.hint === undefined ? {} : { hint: error.hint }),
              });
            throw error;
          }
        }),
    },
  ];
}
