import { TapedeckError } from '../../core/errors.js';
import type { JsonValue } from '../../core/json.js';
import { isJsonObject } from '../../core/json.js';
import type { IncomingRequest, RuntimeState, StoredEvent } from '../../core/ports/index.js';
import { encodeFormComponent } from '../../core/redaction/bodies.js';
import type { ApiProfile } from '../../core/sandbox/profile/types.js';
import type { ResourceModel } from '../../core/sandbox/state/model.js';
import type { ResolvedTenant } from '../../core/sandbox/tenant.js';
import { resolveStep, triggerFor } from '../../core/webhooks/triggers.js';
import type { TriggerDecl, TriggerStep } from '../../core/webhooks/types.js';
import { problemReply } from '../../core/http/problem.js';
import type { Layer } from '../pipeline/context.js';
import { findTenant } from './admin.js';

/**
 * Runs one step of a trigger flow for a tenant, through the trigger pipeline `server.ts`
 * assembles (trigger tenant, scenario, state, cassette, spec, miss: no limits, no idempotency,
 * unreachable from the network). `body` is the parsed JSON answer (undefined when not JSON).
 */
export type TriggerRunner = (
  tenantId: string,
  step: TriggerStep,
) => Promise<{ readonly status: number; readonly body: JsonValue | undefined }>;

export interface TriggerDeps {
  readonly state: Pick<RuntimeState, 'tenants' | 'events'>;
  readonly model: ResourceModel;
  readonly profile: ApiProfile;
  /** The declared flows, config's `webhooks.triggers` first, then the profile's: the first wins. */
  readonly declared: readonly TriggerDecl[];
  readonly run: TriggerRunner;
}

export interface TriggerStepReport {
  readonly name?: string;
  readonly method: string;
  /** The path as sent (`{steps.…}` filled). */
  readonly path: string;
  readonly status: number;
}

export interface TriggerReport {
  readonly tenant: string;
  readonly event: string;
  readonly description?: string;
  readonly steps: readonly TriggerStepReport[];
  /** Every event the steps emitted, in order. */
  readonly events: readonly { readonly id: string; readonly type: string }[];
}

/** An event type a message may show. */
const EVENT = /^[A-Za-z0-9_-]{1,64}(?:\.[A-Za-z0-9_-]{1,64}){0,4}$/;
/** How many emitted events a report lists: a flow makes a handful. */
const MAX_EVENTS = 1000;

function emitted(events: readonly StoredEvent[]): { id: string; type: string }[] {
  return events.map((e) => ({ id: e.id, type: e.type }));
}

function typesOf(events: readonly { type: string }[]): string {
  return events.length === 0 ? 'none' : events.map((e) => e.type).join(', ');
}

/**
 * `tapedeck trigger EVENT` and `POST tenants/NAME/webhooks/trigger {event}`: finds the flow
 * (declared, else derived from the model by `triggerFor`), runs its steps in order — each one's
 * `{steps.NAME.…}` filled from the answers before it — and reports each step's status and the
 * events emitted since the tenant's last event before the run. TD_TRIGGER_FAILED when there is no
 * flow, a step answers 4xx/5xx, or the named event was not among those emitted (the emitted ones
 * are listed). The deliveries follow from the events as for any request (the dispatcher's).
 */
export async function runTrigger(
  deps: TriggerDeps,
  tenantName: string,
  event: string,
): Promise<TriggerReport> {
  if (typeof event !== 'string' || !EVENT.test(event))
    throw new TapedeckError(
      'TD_USAGE',
      'Name the event to trigger: a type such as payment_intent.succeeded.',
      {
        details: { field: 'event' },
        hint: 'e.g. `tapedeck trigger payment_intent.succeeded --tenant acme`.',
      },
    );
  const record = await findTenant(deps.state.tenants, tenantName);
  const flow = triggerFor(event, deps.declared, deps.model, deps.profile);
  if (flow === undefined)
    throw new TapedeckError(
      'TD_TRIGGER_FAILED',
      `There is no flow that makes "${event}": it is not declared, and the model has no route that emits it.`,
      {
        details: { event },
        hint: 'Declare one in webhooks.triggers of tapedeck.config.json (docs/webhooks.md, "Trigger"): {"event": "…", "steps": [{"method": "POST", "path": "…", "body": {…}}]}.',
      },
    );
  const since = await deps.state.events.lastSeq(record.id);
  const results = new Map<string, JsonValue>();
  const steps: TriggerStepReport[] = [];
  const soFar = async () => emitted(await deps.state.events.list(record.id, since, MAX_EVENTS));
  for (const [i, declared] of flow.steps.entries()) {
    const step = resolveStep(declared, results);
    const answer = await deps.run(record.id, step);
    steps.push({
      ...(step.name === undefined ? {} : { name: step.name }),
      method: step.method,
      path: step.path,
      status: answer.status,
    });
    if (answer.status >= 400) {
      const events = await soFar();
      throw new TapedeckError(
        'TD_TRIGGER_FAILED',
        `Step ${i + 1} of the "${event}" flow (${step.method} ${step.path}) answered ${answer.status}; events emitted: ${typesOf(events)}.`,
        {
          details: { event, steps, events },
          hint: 'A scenario armed for the tenant, or a quota, may refuse the step: `tapedeck scenarios armed --tenant NAME`, and the journal shows the answer.',
        },
      );
    }
    if (step.name !== undefined && answer.body !== undefined) results.set(step.name, answer.body);
  }
  const events = await soFar();
  if (!events.some((e) => e.type === event))
    throw new TapedeckError(
      'TD_TRIGGER_FAILED',
      `The "${event}" flow ran (${steps.map((s) => s.status).join(', ')}) but emitted ${typesOf(events)}, not "${event}".`,
      {
        details: { event, steps, events },
        hint: 'Declare the flow in webhooks.triggers (docs/webhooks.md, "Trigger"), or check the scenario that decides the outcome.',
      },
    );
  return {
    tenant: record.name,
    event,
    ...(flow.description === undefined ? {} : { description: flow.description }),
    steps,
    events,
  };
}

/** `a[b][0]=c`: a JSON body as Stripe-style form fields (the bodyFormat `form` routes read). */
function formFields(value: JsonValue, name: string, out: string[]): void {
  if (value === null || value === undefined) return;
  if (Array.isArray(value)) {
    value.forEach((v, i) => formFields(v, `${name}[${i}]`, out));
    return;
  }
  if (isJsonObject(value)) {
    for (const [k, v] of Object.entries(value))
      formFields(v, name === '' ? k : `${name}[${k}]`, out);
    return;
  }
  out.push(`${encodeFormComponent(name)}=${encodeFormComponent(String(value))}`);
}

/**
 * The request a trigger step makes, for the trigger pipeline: its body in the API's format
 * (`form` for Stripe), no credential (the trigger tenant layer names the tenant). The signal
 * never aborts: nobody is waiting on a socket.
 */
export function triggerRequest(
  step: TriggerStep,
  options: { readonly bodyFormat: 'form' | 'json' },
): IncomingRequest {
  const q = step.path.indexOf('?');
  const path = q === -1 ? step.path : step.path.slice(0, q);
  const rawQuery = q === -1 ? '' : step.path.slice(q + 1);
  const headers: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(step.headers ?? {})) headers[k.toLowerCase()] = [v];
  let rawBody: Uint8Array | undefined;
  if (step.body !== undefined) {
    let text: string;
    if (options.bodyFormat === 'form') {
      const fields: string[] = [];
      formFields(step.body, '', fields);
      text = fields.join('&');
      headers['content-type'] ??= ['application/x-www-form-urlencoded'];
    } else {
      text = JSON.stringify(step.body);
      headers['content-type'] ??= ['application/json'];
    }
    rawBody = new TextEncoder().encode(text);
    headers['content-length'] = [String(rawBody.byteLength)];
  }
  return {
    method: step.method.toUpperCase(),
    target: step.path,
    path,
    rawQuery,
    headers,
    rawBody,
    signal: new AbortController().signal,
  };
}

/**
 * The tenant layer of the trigger pipeline: the tenant comes from `tenants`, which only the
 * trigger runner fills (by request object), never from a credential. A request it does not know
 * is a wiring bug: 500, nothing else runs.
 */
export function triggerTenantLayer(tenants: WeakMap<IncomingRequest, ResolvedTenant>): Layer {
  return {
    name: 'tenant',
    handle(context) {
      const tenant = tenants.get(context.incoming);
      if (tenant === undefined)
        return {
          reply: problemReply({
            code: 'TD_INTERNAL',
            title: 'A trigger request without its tenant reached the trigger pipeline.',
            status: 500,
            extra: { code: 'TD_INTERNAL' },
          }),
          remember: false,
        };
      context.setTenant(tenant);
      return undefined;
    },
  };
}
