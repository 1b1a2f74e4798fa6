/**
 * The webhook admin routes (issue 15, docs/webhooks.md). The server mounts them beside the
 * tenant routes (admin token only):
 *
 *   POST   tenants/:name/webhooks/endpoints            {url, events?, secret?, description?}  201, the secret once
 *   GET    tenants/:name/webhooks/endpoints                                     {tenant, endpoints}
 *   GET    tenants/:name/webhooks/endpoints/:id
 *   POST   tenants/:name/webhooks/endpoints/:id        {enabled?, url?, events?, description?}
 *   DELETE tenants/:name/webhooks/endpoints/:id                                 {deleted: id}
 *   POST   tenants/:name/webhooks/endpoints/:id/rotate {overlap?: "24h"}        the new secret once
 *   GET    tenants/:name/webhooks/deliveries?endpoint=&event=&status=&before=&limit=  newest first
 *   GET    tenants/:name/webhooks/deliveries/:id                                with its attempts
 *   POST   tenants/:name/webhooks/deliveries/:id/redeliver    202; 409 in flight, blocked, endpoint gone
 *   POST   tenants/:name/webhooks/probe                {kind?, endpoint?}       202 the probes; 409 nothing delivered yet
 *   POST   tenants/:name/webhooks/trigger              {event}                  (when given a trigger)
 *
 * An endpoint or delivery id that is not the tenant's (unknown, or another tenant's) is 404
 * TD_WEBHOOK_NOT_FOUND; a URL outside the allowed destinations 400 TD_WEBHOOK_REFUSED; bad input
 * 400 naming the field (an event type the sandbox cannot emit: `unknown` and `nearest` too); a
 * trigger that did not make its event 422 TD_TRIGGER_FAILED.
 */
import { isTapedeckError } from '../../../core/errors.js';
import type { JsonObject } from '../../../core/json.js';
import type { SimpleReply } from '../../../core/ports/index.js';
import {
  PROBE_KINDS,
  probeRefusal,
  redeliverRefusal,
  type ProbeKind,
  type WebhookAdmin,
} from '../../webhooks/admin.js';
import type { TriggerReport } from '../../webhooks/trigger.js';
import { adminJson, adminProblem } from './reply.js';
import type { AdminCall, AdminRoute } from './router.js';
import { answer, durationField, jsonBody, stringField } from './tenants.js';

export interface WebhookRoutesOptions {
  readonly admin: WebhookAdmin;
  /** `runTrigger` bound to the server's trigger pipeline; no trigger route without it. */
  readonly trigger?: (tenant: string, event: string) => Promise<TriggerReport>;
}

const ADD_EXAMPLE = '{"url": "http://localhost:4242/webhooks", "events": ["payment_intent.*"]}';
const UPDATE_EXAMPLE = '{"enabled": false}';

/**
 * The codes this group answers itself; TD_USAGE and TD_TENANT_NOT_FOUND are `answer`'s. Keyed by
 * string: TD_WEBHOOK_REFUSED is the destination check's (wp15-delivery adds it).
 */
const STATUS: Readonly<Record<string, number>> = {
  TD_WEBHOOK_NOT_FOUND: 404,
  TD_WEBHOOK_REFUSED: 400,
  TD_TRIGGER_FAILED: 422,
};

function param(call: AdminCall, name: string): string {
  return call.params[name] ?? '';
}

/** `answer`, plus this group's own codes as problem+json. Details are never secret here. */
function webhookAnswer(work: () => Promise<SimpleReply>): Promise<SimpleReply> {
  return answer(async () => {
    try {
      return await work();
    } catch (error) {
      if (isTapedeckError(error)) {
        // An unknown event type: the entries and the nearest known types, as data.
        const { unknown, nearest } = error.details;
        if (error.code === 'TD_USAGE' && Array.isArray(unknown))
          return adminProblem(400, 'TD_BAD_REQUEST', error.message, {
            field: 'events',
            unknown,
            ...(Array.isArray(nearest) ? { nearest } : {}),
            ...(error.hint === undefined ? {} : { hint: error.hint }),
          });
        const status = STATUS[error.code];
        if (status !== undefined) {
          const { field, steps, events } = error.details;
          return adminProblem(status, error.code, error.message, {
            ...(typeof field === 'string' ? { field } : {}),
            ...(steps === undefined ? {} : { steps }),
            ...(events === undefined ? {} : { events }),
            ...(error.hint === undefined ? {} : { hint: error.hint }),
          });
        }
      }
      throw error;
    }
  });
}

function bad(title: string, field: string): SimpleReply {
  return adminProblem(400, 'TD_BAD_REQUEST', title, { field });
}

/** `events`: absent (undefined), null (every event) or a list of strings; else a 400 reply. */
function eventsField(body: JsonObject): readonly string[] | null | undefined | SimpleReply {
  const value = body['events'];
  if (value === undefined) return undefined;
  if (value === null) return null;
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string'))
    return bad(
      '/events must be a list of event types (["payment_intent.succeeded", "charge.*"]) or null for every event.',
      'events',
    );
  return value;
}

function isReply(value: unknown): value is SimpleReply {
  return typeof value === 'object' && value !== null && 'kind' in value;
}

function limitOf(text: string | null): number | undefined | SimpleReply {
  if (text === null || text === '') return undefined;
  if (!/^\d{1,4}$/.test(text)) return bad('?limit must be a whole number from 1 to 100.', 'limit');
  return Number(text);
}

export function webhookRoutes(options: WebhookRoutesOptions): AdminRoute[] {
  const { admin } = options;
  const routes: AdminRoute[] = [
    {
      method: 'POST',
      path: 'tenants/:name/webhooks/endpoints',
      usage: `POST tenants/NAME/webhooks/endpoints ${ADD_EXAMPLE}   (add; the secret is shown once)`,
      handle: (call) =>
        webhookAnswer(async () => {
          const body = jsonBody(call, ADD_EXAMPLE);
          const url = stringField(body, 'url');
          if (url === undefined) return bad(`/url is required: ${ADD_EXAMPLE}.`, 'url');
          const events = eventsField(body);
          if (isReply(events)) return events;
          const secret = stringField(body, 'secret');
          const description = stringField(body, 'description');
          const added = await admin.add(param(call, 'name'), {
            url,
            ...(events === undefined ? {} : { events }),
            ...(secret === undefined ? {} : { secret }),
            ...(description === undefined ? {} : { description }),
          });
          return adminJson(201, {
            ...added,
            note: 'The secret is shown this once: store it now.',
          });
        }),
    },
    {
      method: 'GET',
      path: 'tenants/:name/webhooks/endpoints',
      usage: 'GET tenants/NAME/webhooks/endpoints   (list)',
      handle: (call) =>
        webhookAnswer(async () => {
          const name = param(call, 'name');
          return adminJson(200, { tenant: name, endpoints: await admin.list(name) });
        }),
    },
    {
      method: 'GET',
      path: 'tenants/:name/webhooks/endpoints/:id',
      usage: 'GET tenants/NAME/webhooks/endpoints/ID',
      handle: (call) =>
        webhookAnswer(async () =>
          adminJson(200, await admin.get(param(call, 'name'), param(call, 'id'))),
        ),
    },
    {
      method: 'POST',
      path: 'tenants/:name/webhooks/endpoints/:id',
      usage: `POST tenants/NAME/webhooks/endpoints/ID ${UPDATE_EXAMPLE}   (enabled, url, events, description)`,
      handle: (call) =>
        webhookAnswer(async () => {
          const body = jsonBody(call, UPDATE_EXAMPLE);
          const enabled = body['enabled'];
          if (enabled !== undefined && typeof enabled !== 'boolean')
            return bad('/enabled must be true or false.', 'enabled');
          const url = stringField(body, 'url');
          const events = eventsField(body);
          if (isReply(events)) return events;
          // null (or "") clears it.
          const description = body['description'] === null ? '' : stringField(body, 'description');
          if (
            enabled === undefined &&
            url === undefined &&
            events === undefined &&
            description === undefined
          )
            return bad(
              `Say what changes: enabled, url, events or description, e.g. ${UPDATE_EXAMPLE}.`,
              'enabled',
            );
          return adminJson(
            200,
            await admin.update(param(call, 'name'), param(call, 'id'), {
              ...(enabled === undefined ? {} : { enabled }),
              ...(url === undefined ? {} : { url }),
              ...(events === undefined ? {} : { events }),
              ...(description === undefined ? {} : { description }),
            }),
          );
        }),
    },
    {
      method: 'DELETE',
      path: 'tenants/:name/webhooks/endpoints/:id',
      usage: 'DELETE tenants/NAME/webhooks/endpoints/ID   (pending deliveries are abandoned)',
      handle: (call) =>
        webhookAnswer(async () => {
          const id = param(call, 'id');
          await admin.delete(param(call, 'name'), id);
          return adminJson(200, { deleted: id });
        }),
    },
    {
      method: 'POST',
      path: 'tenants/:name/webhooks/endpoints/:id/rotate',
      usage:
        'POST tenants/NAME/webhooks/endpoints/ID/rotate {"overlap": "24h"}   (the new secret, once)',
      handle: (call) =>
        webhookAnswer(async () => {
          const body = jsonBody(call, '{"overlap": "24h"}');
          const overlapMs = durationField(body, 'overlap');
          const rotated = await admin.rotate(
            param(call, 'name'),
            param(call, 'id'),
            overlapMs === undefined ? {} : { overlapMs },
          );
          return adminJson(200, {
            ...rotated,
            note: 'The secret is shown this once: store it now.',
          });
        }),
    },
    {
      method: 'GET',
      path: 'tenants/:name/webhooks/deliveries',
      usage:
        'GET tenants/NAME/webhooks/deliveries?endpoint=ID&event=ID&status=failed&before=ID&limit=N   (newest first)',
      handle: (call) =>
        webhookAnswer(async () => {
          const q = call.query;
          const limit = limitOf(q.get('limit'));
          if (isReply(limit)) return limit;
          const pick = (name: string) => {
            const v = q.get(name);
            return v === null || v === '' ? undefined : v;
          };
          const [endpoint, event, status, before] = [
            pick('endpoint'),
            pick('event'),
            pick('status'),
            pick('before'),
          ];
          const name = param(call, 'name');
          const page = await admin.deliveries(name, {
            ...(endpoint === undefined ? {} : { endpoint }),
            ...(event === undefined ? {} : { event }),
            ...(status === undefined ? {} : { status }),
            ...(before === undefined ? {} : { before }),
            ...(limit === undefined ? {} : { limit }),
          });
          return adminJson(200, { tenant: name, ...page });
        }),
    },
    {
      method: 'GET',
      path: 'tenants/:name/webhooks/deliveries/:id',
      usage: 'GET tenants/NAME/webhooks/deliveries/ID   (with its attempts)',
      handle: (call) =>
        webhookAnswer(async () =>
          adminJson(200, await admin.delivery(param(call, 'name'), param(call, 'id'))),
        ),
    },
    {
      method: 'POST',
      path: 'tenants/:name/webhooks/deliveries/:id/redeliver',
      usage: 'POST tenants/NAME/webhooks/deliveries/ID/redeliver   (one attempt, now)',
      handle: (call) =>
        webhookAnswer(async () => {
          const id = param(call, 'id');
          const result = await admin.redeliver(param(call, 'name'), id);
          if (result === 'queued') return adminJson(202, { redelivery: id, status: 'queued' });
          const { message, hint } = redeliverRefusal(id, result);
          return adminProblem(409, 'TD_BAD_REQUEST', message, { field: 'delivery', hint });
        }),
    },
    {
      method: 'POST',
      path: 'tenants/:name/webhooks/probe',
      usage:
        'POST tenants/NAME/webhooks/probe {"kind": "bad-signature"|"duplicate"|"both"}   (the newest delivered event, once, now)',
      handle: (call) =>
        webhookAnswer(async () => {
          const body = jsonBody(call, '{"kind": "bad-signature"}');
          const kind = stringField(body, 'kind') ?? 'both';
          if (!(PROBE_KINDS as readonly string[]).includes(kind))
            return bad(`/kind is one of ${PROBE_KINDS.join(', ')} (default both).`, 'kind');
          const endpoint = stringField(body, 'endpoint');
          const name = param(call, 'name');
          const probes = await admin.probe(
            name,
            kind as ProbeKind,
            endpoint === undefined ? {} : { endpoint },
          );
          if (probes === undefined) {
            const { message, hint } = probeRefusal(name);
            return adminProblem(409, 'TD_BAD_REQUEST', message, { field: 'kind', hint });
          }
          return adminJson(202, { tenant: name, probes });
        }),
    },
  ];
  const { trigger } = options;
  if (trigger !== undefined)
    routes.push({
      method: 'POST',
      path: 'tenants/:name/webhooks/trigger',
      usage: 'POST tenants/NAME/webhooks/trigger {"event": "payment_intent.succeeded"}',
      handle: (call) =>
        webhookAnswer(async () => {
          const body = jsonBody(call, '{"event": "payment_intent.succeeded"}');
          const event = stringField(body, 'event');
          if (event === undefined)
            return bad('/event is required: {"event": "payment_intent.succeeded"}.', 'event');
          return adminJson(200, await trigger(param(call, 'name'), event));
        }),
    });
  return routes;
}
