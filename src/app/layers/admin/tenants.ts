import { isTapedeckError, type TapedeckError } from '../../../core/errors.js';
import { firstHeaderValue } from '../../../core/http/index.js';
import { isJsonObject, type JsonObject } from '../../../core/json.js';
import type { SimpleReply } from '../../../core/ports/index.js';
import { parseDuration } from '../../../core/sandbox/duration.js';
import type { TenantAdmin, TenantView } from '../../sandbox/tenants.js';
import { adminJson, adminProblem } from './reply.js';
import type { AdminCall, AdminRoute } from './router.js';

/** Admin bodies are small JSON objects; anything longer is not one of ours. */
const MAX_BODY_BYTES = 64 * 1024;

/** A refusal of the call, carried to `answer` as a problem reply. */
class BadCall extends Error {
  constructor(readonly reply: SimpleReply) {
    super('bad admin call');
  }
}

function bad(title: string, field?: string): BadCall {
  return new BadCall(
    adminProblem(400, 'TD_BAD_REQUEST', title, field === undefined ? {} : { field }),
  );
}

/** The call's JSON object body; `{}` when there is none. Never echoes what was sent. */
export function jsonBody(call: AdminCall, example: string): JsonObject {
  const { rawBody, headers } = call.context.incoming;
  if (rawBody === undefined || rawBody.byteLength === 0) return {};
  const encoding = firstHeaderValue(headers, 'content-encoding');
  if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity')
    throw bad('Send admin bodies uncompressed (no Content-Encoding).');
  if (rawBody.byteLength > MAX_BODY_BYTES) throw bad('The body is too long for an admin call.');
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(rawBody));
  } catch {
    throw bad(`The body must be a JSON object, e.g. ${example}.`);
  }
  if (!isJsonObject(value)) throw bad(`The body must be a JSON object, e.g. ${example}.`);
  return value;
}

/** A string member of the body, or undefined; anything else there is a 400 naming the field. */
export function stringField(body: JsonObject, field: string): string | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw bad(`/${field} must be a string.`, field);
  return value;
}

/** A duration member (`"24h"`), in ms, or undefined. */
export function durationField(body: JsonObject, field: string): number | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
  if (typeof value !== 'string') throw bad(`/${field} must be a duration such as "24h".`, field);
  try {
    return parseDuration(value, field);
  } catch (error) {
    throw bad(`/${field}: ${(error as Error).message}`, field);
  }
}

const STATUS: Partial<Record<TapedeckError['code'], number>> = {
  TD_TENANT_NOT_FOUND: 404,
  TD_USAGE: 400,
};

/**
 * Runs a use case and answers as the admin API does (problem+json): an unknown tenant is 404,
 * bad input 400 (the use case's own one line, naming the field); anything else propagates.
 */
export async function answer(work: () => Promise<SimpleReply>): Promise<SimpleReply> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof BadCall) return error.reply;
    if (isTapedeckError(error)) {
      const status = STATUS[error.code];
      if (status !== undefined) {
        const field = error.details['field'];
        return adminProblem(
          status,
          error.code === 'TD_USAGE' ? 'TD_BAD_REQUEST' : error.code,
          error.message,
          {
            ...(typeof field === 'string' ? { field } : {}),
            ...(error.hint === undefined ? {} : { hint: error.hint }),
          },
        );
      }
    }
    throw error;
  }
}

/** `GET tenants/:name` splits the view: the tenant, then its keys, usage, clock and snapshots. */
function shownTenant(view: TenantView): object {
  const { keys, usage, clock, snapshots, ...tenant } = view;
  return { tenant, keys, usage, clock, snapshots };
}

function param(call: AdminCall, name: string): string {
  return call.params[name] ?? '';
}

/**
 *   POST   tenants                    {name, seed?}   create (the key, once)
 *   GET    tenants                                    list
 *   GET    tenants/:name                              show
 *   POST   tenants/:name/keys         {overlap?}      rotate
 *   DELETE tenants/:name/keys/:hint | tenants/:name/keys?all=1   revoke
 *   POST   tenants/:name/reset | tenants/:name/snapshots {name} | tenants/:name/snapshots/:snap/restore
 *   DELETE tenants/:name
 */
export function tenantRoutes(admin: TenantAdmin): AdminRoute[] {
  return [
    {
      method: 'POST',
      path: 'tenants',
      usage: 'POST tenants {"name": "acme", "seed": "recordings"}',
      handle: (call) =>
        answer(async () => {
          const body = jsonBody(call, '{"name": "acme"}');
          const name = stringField(body, 'name');
          if (name === undefined) throw bad('/name is required: {"name": "acme"}.', 'name');
          const seed = stringField(body, 'seed');
          const created = await admin.create(name, seed === undefined ? {} : { seed });
          return adminJson(201, {
            tenant: created.tenant,
            key: created.key,
            note: 'Store the key now; it cannot be shown again.',
          });
        }),
    },
    {
      method: 'GET',
      path: 'tenants',
      usage: 'GET tenants',
      handle: () => answer(async () => adminJson(200, { tenants: await admin.list() })),
    },
    {
      method: 'GET',
      path: 'tenants/:name',
      usage: 'GET tenants/NAME',
      handle: (call) =>
        answer(async () => adminJson(200, shownTenant(await admin.show(param(call, 'name'))))),
    },
    {
      method: 'DELETE',
      path: 'tenants/:name',
      usage: 'DELETE tenants/NAME',
      handle: (call) =>
        answer(async () => {
          const name = param(call, 'name');
          await admin.delete(name);
          return adminJson(200, { deleted: name });
        }),
    },
    {
      method: 'POST',
      path: 'tenants/:name/keys',
      usage: 'POST tenants/NAME/keys {"overlap": "24h"}   (rotate)',
      handle: (call) =>
        answer(async () => {
          const overlapMs = durationField(jsonBody(call, '{"overlap": "24h"}'), 'overlap');
          const rotated = await admin.rotate(
            param(call, 'name'),
            overlapMs === undefined ? {} : { overlapMs },
          );
          return adminJson(201, {
            key: rotated.key,
            previous: rotated.previous,
            note: 'Store the key now; it cannot be shown again.',
          });
        }),
    },
    {
      method: 'DELETE',
      path: 'tenants/:name/keys',
      usage: 'DELETE tenants/NAME/keys?all=1   (revoke every key)',
      handle: (call) =>
        answer(async () => {
          if (call.query.get('all') !== '1')
            throw bad('Revoke one key with DELETE tenants/NAME/keys/HINT, or all with ?all=1.');
          return adminJson(200, {
            revoked: await admin.revoke(param(call, 'name'), { all: true }),
          });
        }),
    },
    {
      method: 'DELETE',
      path: 'tenants/:name/keys/:hint',
      usage: 'DELETE tenants/NAME/keys/HINT   (revoke one key, by its last four characters)',
      handle: (call) =>
        answer(async () =>
          adminJson(200, {
            revoked: await admin.revoke(param(call, 'name'), { hint: param(call, 'hint') }),
          }),
        ),
    },
    {
      method: 'POST',
      path: 'tenants/:name/reset',
      usage: 'POST tenants/NAME/reset',
      handle: (call) =>
        answer(async () => {
          const name = param(call, 'name');
          await admin.reset(name);
          return adminJson(200, { reset: name });
        }),
    },
    {
      method: 'POST',
      path: 'tenants/:name/snapshots',
      usage: 'POST tenants/NAME/snapshots {"name": "before-refunds"}',
      handle: (call) =>
        answer(async () => {
          const snap = stringField(jsonBody(call, '{"name": "before-refunds"}'), 'name');
          if (snap === undefined)
            throw bad('/name is required: {"name": "before-refunds"}.', 'name');
          try {
            return adminJson(201, { snapshot: await admin.snapshot(param(call, 'name'), snap) });
          } catch (error) {
            // The body member is /name; the use case calls it the snapshot.
            if (isTapedeckError(error, 'TD_USAGE') && error.details['field'] === 'snapshot')
              throw bad(error.message, 'name');
            throw error;
          }
        }),
    },
    {
      method: 'POST',
      path: 'tenants/:name/snapshots/:snap/restore',
      usage: 'POST tenants/NAME/snapshots/SNAPSHOT/restore',
      handle: (call) =>
        answer(async () => {
          const snap = param(call, 'snap');
          await admin.restore(param(call, 'name'), snap);
          return adminJson(200, { restored: snap });
        }),
    },
  ];
}
