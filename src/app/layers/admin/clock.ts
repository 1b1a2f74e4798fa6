import type { ClockOp, TenantAdmin } from '../../sandbox/tenants.js';
import { adminJson, adminProblem } from './reply.js';
import type { AdminRoute } from './router.js';
import { answer, durationField, jsonBody } from './tenants.js';

const EXAMPLE = '{"freeze": true}, {"advance": "2h"} or {"now": true}';

/**
 *   GET  tenants/:name/clock                                     show
 *   POST tenants/:name/clock  {freeze:true}|{advance:"2h"}|{now:true}
 *
 * Both answer the clock itself: `{"now": ISO, "frozen": bool, "offsetMs": n}`.
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
          if (advanceMs !== undefined) ops.push({ advanceMs });
          if (ops.length !== 1)
            return adminProblem(400, 'TD_BAD_REQUEST', `The body is one of ${EXAMPLE}.`);
          return adminJson(200, await admin.clock(call.params['name'] ?? '', ops[0]!));
        }),
    },
  ];
}
