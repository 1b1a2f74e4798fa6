/**
 * The evidence of a readiness report (issue 16; docs/readiness.md): what a tenant's own sandbox
 * traffic left in the state directory — its journal entries, its webhook deliveries with their
 * attempts, its events — and what it was gathered against: the declared surface (for coverage)
 * and the content hashes of the spec, each cassette and the criteria. Read only; the evaluation
 * is core/readiness/evaluate.ts's.
 */
import { createHash } from 'node:crypto';
import type { StoredJournalEntry } from '../../core/ports/journal.js';
import type { RuntimeState } from '../../core/ports/state.js';
import type { WebhookDelivery } from '../../core/ports/webhooks.js';
import type {
  DeliveryEvidence,
  EventEvidence,
  ReadinessEvidence,
  VersionedInput,
} from '../../core/readiness/types.js';
import type { SpecModel } from '../../core/mock/openapi/operations.js';
import type { ScenarioCatalogue } from '../../core/sandbox/scenarios/types.js';
import type { ResourceModel } from '../../core/sandbox/state/model.js';

/** Rows read per page of the journal, the delivery log and the event log. */
const PAGE = 1_000;

/** `sha256:` and the hex digest of the bytes: the version of one input. */
export function contentHash(bytes: Uint8Array | string): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/**
 * Every operation the sandbox serves, named as the journal names them (the spec's operationId,
 * else `METHOD /template`), and the scenario catalogue's names: sorted, each once.
 */
export function declaredSurface(
  model: Pick<ResourceModel, 'routes'>,
  spec: Pick<SpecModel, 'operations'> | undefined,
  catalogue: ScenarioCatalogue,
): ReadinessEvidence['surface'] {
  const operations = new Set<string>();
  for (const o of spec?.operations ?? []) operations.add(o.id);
  for (const r of model.routes) {
    // A modelled route the spec documents is that operation, already named above.
    const documented = spec?.operations.find(
      (o) => o.method.toUpperCase() === r.method && o.path === r.path,
    );
    operations.add(documented?.id ?? r.operationId ?? `${r.method} ${r.path}`);
  }
  const sorted = (values: Iterable<string>) => [...new Set(values)].sort(byText);
  return {
    operations: sorted(operations),
    scenarios: sorted(catalogue.scenarios.map((s) => s.name)),
  };
}

function byText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export interface EvidenceSource {
  readonly state: Pick<RuntimeState, 'journal' | 'webhooks' | 'events'>;
  readonly tenant: { readonly id: string; readonly name: string };
  /** Real ms: only what happened from then on (`--since`). */
  readonly since?: number;
  /** Real ms: when the evidence is gathered (entries journaled later are left out). */
  readonly until: number;
  readonly surface: ReadinessEvidence['surface'];
  readonly versions: ReadinessEvidence['versions'];
}

/**
 * Reads the tenant's evidence. Requests: every journal entry of the tenant from `since` to
 * `until` (real time), oldest first, paged by seq. Deliveries: each with its attempts, newest
 * first as the log lists them, those with an attempt sent (real time) in the window, or none
 * sent yet. Events: those a request in the window caused, and those a kept delivery carries (a
 * duplicate probe's event may be older than the window; the report needs its object).
 */
export async function gatherEvidence(source: EvidenceSource): Promise<ReadinessEvidence> {
  const { state, tenant, since, until } = source;
  const requests = await journalOf(state, tenant.id, since, until);
  const deliveries = await deliveriesOf(state, tenant.id, since, until);
  const wanted = new Set<string>();
  for (const r of requests) for (const e of r.events ?? []) wanted.add(e);
  for (const d of deliveries) wanted.add(d.delivery.eventId);
  const requestIds = new Set(requests.flatMap((r) => (r.requestId === undefined ? [] : [r.requestId])));
  const events: EventEvidence[] = [];
  for (let after = 0; ; ) {
    const page = await state.events.list(tenant.id, after, PAGE);
    for (const e of page)
      if (
        since === undefined ||
        wanted.has(e.id) ||
        (e.requestId !== undefined && requestIds.has(e.requestId))
      )
        events.push({
          id: e.id,
          type: e.type,
          resourceType: e.resourceType,
          resourceId: e.resourceId,
          at: e.at,
          ...(e.requestId === undefined ? {} : { requestId: e.requestId }),
        });
    if (page.length < PAGE) break;
    after = page[page.length - 1]!.seq;
  }
  return {
    tenant: { id: tenant.id, name: tenant.name },
    ...(since === undefined ? {} : { since }),
    until,
    requests,
    deliveries,
    events,
    surface: source.surface,
    versions: source.versions,
  };
}

async function journalOf(
  state: EvidenceSource['state'],
  tenant: string,
  since: number | undefined,
  until: number,
): Promise<StoredJournalEntry[]> {
  const out: StoredJournalEntry[] = [];
  for (let after = 0; ; ) {
    const page = await state.journal.query({
      tenant,
      after,
      limit: PAGE,
      ...(since === undefined ? {} : { since }),
    });
    for (const entry of page) if (entry.at <= until) out.push(entry);
    if (page.length < PAGE) return out;
    after = page[page.length - 1]!.seq;
  }
}

async function deliveriesOf(
  state: EvidenceSource['state'],
  tenant: string,
  since: number | undefined,
  until: number,
): Promise<DeliveryEvidence[]> {
  const listed: WebhookDelivery[] = [];
  for (let before: string | undefined; ; ) {
    const page = await state.webhooks.listDeliveries(tenant, {
      limit: PAGE,
      ...(before === undefined ? {} : { before }),
    });
    listed.push(...page);
    if (page.length < PAGE) break;
    before = page[page.length - 1]!.id;
  }
  const out: DeliveryEvidence[] = [];
  for (const d of listed) {
    const found = await state.webhooks.getDelivery(tenant, d.id);
    if (found === undefined) continue;
    const attempts = found.attempts.filter((a) => a.sentAt <= until);
    const inWindow =
      attempts.length === 0 || since === undefined || attempts.some((a) => a.sentAt >= since);
    if (!inWindow) continue;
    out.push({
      delivery: found.delivery,
      attempts,
      ...(found.delivery.probe === undefined ? {} : { probe: found.delivery.probe }),
    });
  }
  return out;
}

/** The versions of the inputs: the spec file's bytes, each cassette file's, the criteria's. */
export function inputVersions(inputs: {
  readonly spec?: { readonly name: string; readonly bytes: Uint8Array };
  readonly cassettes: readonly { readonly name: string; readonly bytes: Uint8Array }[];
  readonly criteria: VersionedInput;
}): ReadinessEvidence['versions'] {
  return {
    ...(inputs.spec === undefined
      ? {}
      : { spec: { name: inputs.spec.name, hash: contentHash(inputs.spec.bytes) } }),
    cassettes: [...inputs.cassettes]
      .sort((a, b) => byText(a.name, b.name))
      .map((c) => ({ name: c.name, hash: contentHash(c.bytes) })),
    criteria: inputs.criteria,
  };
}
