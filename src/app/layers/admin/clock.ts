import type { ClockOp, TenantAdmin } from '../../sandbox/tenants.js';
import { adminJson, adminProblem } from './reply.js';
import type { AdminRoute } from './router.js';
import { answer, durationField, jsonBody } from './tenants.js';

const EXAMPLE = '{"freeze": true}, {"advance": "2h", "wait"?: true} or {"now": true}';

/**
 *   GET  tenants/:name/clock                                     show
 *   POST tenants/:name/clock  {freeze:true}|{advance:"2h", wait?:true}|{now:true}
 *
 * Both answer the clock itself: `{"now": ISO, "frozen": bool, "offsetMs": n}`. An advance with
 * `"wait": true` answers once the webhooks that fell due were attempted (issue 15), with
 * `"webhooks": {"more": bool}` (`more`: the drain stopped at its bound, the rest goes on).
 */
export function clockRoutes(admin: TenantAdmin): AdminRoute[] {
  return [
    {
      method: 'GET',
      path: 'tenants/:name/clock',
      usage: 'GET tenants/NAME/clock',
      handle: (call) =>
        answer(async () =>
          adminJson(200, await admin.clock(call.params['name'] ?? '', { show: true })),
        ),
    },
    {
      method: 'POST',
      path: 'tenants/:name/clock',
      usage: `POST tenants/NAME/clock ${EXAMPLE}`,
      handle: (call) =>
        answer(async () => {
          const body = jsonBody(call, EXAMPLE);
          const ops: ClockOp[] = [];
          if (body['freeze'] === true) ops.push({ freeze: true });
          if (body['now'] === true) ops.push({ now: true });
          const advanceMs = durationField(body, 'advance');
          const wait = body['wait'];
          if (wait !== undefined && typeof wait !== 'boolean')
            return adminProblem(400, 'TD_BAD_REQUEST', '/wait must be true or false.');
          if (wait !== undefined && advanceMs === undefined)
            return adminProblem(400, 'TD_BAD_REQUEST', '"wait" goes with "advance" only.');
          if (advanceMs !== undefined) ops.push({ advanceMs, wait: wait === true });
          if (ops.length !== 1)
            return adminProblem(400, 'TD_BAD_REQUEST', `The body is one of ${EXAMPLE}.`);
          return adminJson(200, await admin.clock(call.params['name'] ?? '', ops[0]!));
        }),
    },
  ];
}
