/**
 * The evidence of a readiness report (issue 16; docs/readiness.md): what a tenant's own sandbox
 * traffic left in the state directory — its journal entries, its webhook deliveries with their
 * attempts, its events — and what it was gathered against: the declared surface (for coverage)
 * and the content hashes of the spec, each cassette and the criteria. Read only; the evaluation
 * is core/readiness/evaluate.ts's.
 */
import { createHash } from 'node:crypto';
import { basename, dirname, relative, resolve, sep } from 'node:path';
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
  const operations = declaredRoutes(model, spec).map((r) => r.operation);
  const sorted = (values: Iterable<string>) => [...new Set(values)].sort(byText);
  return {
    operations: sorted(operations),
    scenarios: sorted(catalogue.scenarios.map((s) => s.name)),
  };
}

/** An operation the sandbox serves: its method, its path template and the journal's name of it. */
export interface DeclaredRoute {
  readonly method: string;
  readonly template: string;
  readonly operation: string;
}

/** Every route of the model and the spec, named as the journal names operations. */
export function declaredRoutes(
  model: Pick<ResourceModel, 'routes'>,
  spec: Pick<SpecModel, 'operations'> | undefined,
): DeclaredRoute[] {
  const routes: DeclaredRoute[] = [];
  for (const o of spec?.operations ?? [])
    routes.push({ method: o.method.toUpperCase(), template: o.path, operation: o.id });
  for (const r of model.routes)
    if (!routes.some((d) => d.method === r.method && d.template === r.path))
      routes.push({
        method: r.method,
        template: r.path,
        operation: r.operationId ?? `${r.method} ${r.path}`,
      });
  return routes;
}

/**
 * The declared route a journaled request was for, by its method and path: a literal segment
 * must be equal, a `{param}` takes any one segment; the route with the most literal segments
 * wins (`/widgets/search` before `/widgets/{id}`).
 */
export function routeOf(
  routes: readonly DeclaredRoute[],
  method: string,
  path: string,
): DeclaredRoute | undefined {
  const segments = path.split('?')[0]!.split('/');
  let best: { route: DeclaredRoute; literal: number } | undefined;
  for (const route of routes) {
    if (route.method !== method.toUpperCase()) continue;
    const parts = route.template.split('/');
    if (parts.length !== segments.length) continue;
    let literal = 0;
    const fits = parts.every((part, i) => {
      if (/^\{[^}]+\}$/.test(part)) return segments[i] !== '';
      literal++;
      return part === segments[i];
    });
    if (fits && (best === undefined || literal > best.literal)) best = { route, literal };
  }
  return best?.route;
}

/**
 * The entry with its operation named when the layer that answered could not (issue 16 gap: a
 * 429 of the limits layer and a replay of the idempotency layer answer before the state layer
 * routes the request, so their entries name no operation; a retry of `getWidget` would not
 * count as the retry of a 429 on `GET /widgets/w_1`). Entries that name one are kept as they are.
 */
function named(entry: StoredJournalEntry, routes: readonly DeclaredRoute[]): StoredJournalEntry {
  if (entry.operation !== undefined || entry.layer === 'admin') return entry;
  const route = routeOf(routes, entry.method, entry.path);
  return route === undefined
    ? entry
    : { ...entry, operation: route.operation, route: entry.route ?? route.template };
}

function byText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export interface EvidenceSource {
  readonly state: Pick<RuntimeState, 'journal' | 'webhooks' | 'events'>;
  readonly tenant: { readonly id: string; readonly name: string };
  /** Real ms: only what happened from then on (`--since`). */
  readonly since?: number;
  /**
   * Real ms: when the evidence is gathered. Nothing stored is left out for being later: the
   * sandbox's clock (another process, another host, a test's manual clock) may run ahead of this
   * one, and what it wrote is still evidence.
   */
  readonly until: number;
  readonly surface: ReadinessEvidence['surface'];
  /** The routes entries without an operation are named by (`declaredRoutes`); none: as stored. */
  readonly routes?: readonly DeclaredRoute[];
  readonly versions: ReadinessEvidence['versions'];
}

/**
 * Reads the tenant's evidence. Requests: every journal entry of the tenant from `since` (real
 * time) on, oldest first, paged by seq. Deliveries: each with its attempts, newest
 * first as the log lists them, those with an attempt sent (real time) in the window, or none
 * sent yet. Events: those a request in the window caused, and those a kept delivery carries (a
 * duplicate probe's event may be older than the window; the report needs its object).
 */
export async function gatherEvidence(source: EvidenceSource): Promise<ReadinessEvidence> {
  const { state, tenant, since, until } = source;
  const routes = source.routes ?? [];
  const requests = (await journalOf(state, tenant.id, since)).map((r) => named(r, routes));
  const deliveries = await deliveriesOf(state, tenant.id, since);
  const wanted = new Set<string>();
  for (const r of requests) for (const e of r.events ?? []) wanted.add(e);
  for (const d of deliveries) wanted.add(d.delivery.eventId);
  const requestIds = new Set(
    requests.flatMap((r) => (r.requestId === undefined ? [] : [r.requestId])),
  );
  const events: EventEvidence[] = [];
  for (let after = 0; ;) {
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
): Promise<StoredJournalEntry[]> {
  const out: StoredJournalEntry[] = [];
  for (let after = 0; ;) {
    const page = await state.journal.query({
      tenant,
      after,
      limit: PAGE,
      ...(since === undefined ? {} : { since }),
    });
    out.push(...page);
    if (page.length < PAGE) return out;
    after = page[page.length - 1]!.seq;
  }
}

async function deliveriesOf(
  state: EvidenceSource['state'],
  tenant: string,
  since: number | undefined,
): Promise<DeliveryEvidence[]> {
  const listed: WebhookDelivery[] = [];
  for (let before: string | undefined; ;) {
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
    const { attempts } = found;
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

/**
 * What the spec's version hashes: the root file's bytes when the spec is one file; for a spec
 * whose `$ref`s read other files, every file it read, each as its path relative to the root's
 * folder and its bytes, in path order. Editing a referenced schema changes the version, so a
 * sign-off no longer holds for it.
 */
export function specInput(
  root: string,
  files: readonly string[],
  read: (file: string) => Uint8Array,
): { readonly name: string; readonly bytes: Uint8Array } {
  const name = basename(root);
  const others = files.filter((f) => resolve(f) !== resolve(root));
  if (others.length === 0) return { name, bytes: read(root) };
  const folder = dirname(resolve(root));
  const parts: Uint8Array[] = [];
  for (const file of [root, ...others]
    .map((f) => ({ file: f, shown: relative(folder, resolve(f)).split(sep).join('/') }))
    .sort((a, b) => byText(a.shown, b.shown))) {
    const bytes = read(file.file);
    parts.push(Buffer.from(`${file.shown}\0${bytes.length}\0`, 'utf8'), bytes);
  }
  return { name, bytes: Buffer.concat(parts) };
}

/** The versions of the inputs: the spec's files (`specInput`), each cassette file's bytes, the criteria's. */
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
