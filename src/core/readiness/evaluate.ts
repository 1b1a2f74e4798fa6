/**
 * The readiness evaluation (issue 16; docs/readiness.md): declared criteria over the evidence of
 * a tenant's own sandbox traffic, to a report. Pure and deterministic: the same criteria,
 * evidence and `now` give the same report, byte for byte. Each kind is judged as its doc comment
 * in types.ts says; where that is silent, docs/readiness.md says what was decided and why.
 *
 * Three verdicts: `pass`; `fail` (the traffic shows the partner doing it wrong); `not-exercised`
 * (the traffic never gave the partner the chance: no 429 to honour, no probe to refuse). The
 * last is not a pass: a required criterion not exercised makes the partner "not ready".
 */
import type { StoredJournalEntry } from '../ports/journal.js';
import type { WebhookAttempt } from '../ports/webhooks.js';
import { canonicalJson, type JsonValue } from '../json.js';
import { CRITERION_DEFAULTS, defaultNext, defaultTitle, operationName } from './defaults.js';
import { sha256Hex } from './sha256.js';
import type {
  Criterion,
  CriterionResult,
  CriterionVerdict,
  DeliveryEvidence,
  EvidenceItem,
  ReadinessCriteria,
  ReadinessEvidence,
  ReadinessReport,
} from './types.js';

/** At most this many evidence items per criterion, the failing ones first. */
export const MAX_EVIDENCE = 20;

/**
 * How much earlier than Retry-After a retry may arrive and still count as waiting: the journal
 * takes the answer's time from the wall clock and the retry's arrival from its duration on the
 * monotonic clock, so a client that waited exactly the time asked may look a few ms early.
 */
export const RETRY_AFTER_TOLERANCE_MS = 50;

/** The faults that cut an answer: the client cannot know whether the call took effect. */
const CUTTING_FAULTS: ReadonlySet<string> = new Set(['timeout', 'reset', 'close']);
/** Gateway answers a scenario gives: the call may or may not have reached the API. */
const GATEWAY_STATUSES: ReadonlySet<number> = new Set([502, 503, 504]);
/** Methods whose retry needs the same Idempotency-Key; the others are idempotent by HTTP. */
const KEYED_METHODS: ReadonlySet<string> = new Set(['POST', 'PATCH']);
const CHANGING_METHODS: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

type Entry = StoredJournalEntry;

interface Judged {
  readonly verdict: CriterionVerdict;
  readonly summary: string;
  readonly failing?: readonly EvidenceItem[];
  readonly passing?: readonly EvidenceItem[];
  /** The next step when what was observed says more than the kind's default can. */
  readonly next?: string;
}

interface Context {
  /** The partner's requests, oldest first (admin calls left out). */
  readonly requests: readonly Entry[];
  readonly evidence: ReadinessEvidence;
}

export function evaluate(
  criteria: ReadinessCriteria,
  evidence: ReadinessEvidence,
  now: number,
): ReadinessReport {
  const context: Context = {
    requests: evidence.requests.filter((r) => r.layer !== 'admin'),
    evidence,
  };
  const results = criteria.criteria.map((c) => result(c, judge(c, context), evidence));
  const count = (v: CriterionVerdict) => results.filter((r) => r.verdict === v).length;
  const required = results.filter((r) => r.required);
  const versions = evidence.versions;
  return {
    schemaVersion: 1,
    criteriaName: criteria.name,
    tenant: { id: evidence.tenant.id, name: evidence.tenant.name },
    generatedAt: now,
    ...(evidence.since === undefined ? {} : { since: evidence.since }),
    verdict: required.every((r) => r.verdict === 'pass') ? 'ready' : 'not-ready',
    counts: {
      pass: count('pass'),
      fail: count('fail'),
      notExercised: count('not-exercised'),
      required: required.length,
    },
    score: { passed: count('pass'), of: results.length },
    coverage: coverage(context),
    criteria: results,
    versions,
    hash: reportHash(results, versions),
  };
}

/**
 * `sha256:` over the canonical JSON of `{verdicts: {criterion id → verdict}, versions}`: the
 * same verdicts against the same inputs hash the same, whatever the evidence items or the time.
 */
export function reportHash(
  results: readonly Pick<CriterionResult, 'id' | 'verdict'>[],
  versions: ReadinessEvidence['versions'],
): string {
  const verdicts: Record<string, JsonValue> = {};
  for (const r of results) verdicts[r.id] = r.verdict;
  const input = (v: { name: string; hash: string }): JsonValue => ({ name: v.name, hash: v.hash });
  const pinned: Record<string, JsonValue> = {
    cassettes: versions.cassettes.map(input),
    criteria: input(versions.criteria),
  };
  if (versions.spec !== undefined) pinned['spec'] = input(versions.spec);
  return `sha256:${sha256Hex(canonicalJson({ verdicts, versions: pinned }))}`;
}

function result(
  criterion: Criterion,
  judged: Judged,
  evidence: ReadinessEvidence,
): CriterionResult {
  const items = [...(judged.failing ?? []), ...(judged.passing ?? [])].slice(0, MAX_EVIDENCE);
  return {
    id: criterion.id,
    kind: criterion.kind,
    title: criterion.title ?? defaultTitle(criterion),
    required: criterion.required ?? true,
    verdict: judged.verdict,
    summary: judged.summary,
    evidence: items,
    ...(judged.verdict === 'pass'
      ? {}
      : {
          next:
            criterion.next ??
            judged.next ??
            defaultNext(criterion, judged.verdict, evidence.tenant.name),
        }),
  };
}

function judge(criterion: Criterion, context: Context): Judged {
  switch (criterion.kind) {
    case 'operations':
      return operations(criterion.operations, context);
    case 'scenario':
      return scenario(criterion.scenario, criterion.then, criterion.within, context);
    case 'retry-after':
      return retryAfter(context);
    case 'idempotent-retry':
      return idempotentRetry(context);
    case 'webhooks-acknowledged':
      return webhooksAcknowledged(
        criterion.withinMs ?? CRITERION_DEFAULTS.webhookWithinMs,
        criterion.minShare ?? CRITERION_DEFAULTS.webhookMinShare,
        context,
      );
    case 'webhook-duplicate':
      return webhookDuplicate(criterion.windowMs ?? CRITERION_DEFAULTS.duplicateWindowMs, context);
    case 'webhook-signature':
      return webhookSignature(context);
    case 'pagination':
      return pagination(context);
    case 'error-rate':
      return errorRate(criterion.max ?? CRITERION_DEFAULTS.errorRateMax, context);
    case 'latency-p95':
      return latency(criterion.maxMs ?? CRITERION_DEFAULTS.latencyMaxMs, context);
    case 'spec-conformance':
      return conformance(criterion.last ?? CRITERION_DEFAULTS.conformanceLast, context);
  }
}

// --- helpers -------------------------------------------------------------------------------

const is2xx = (status: number | undefined) => status !== undefined && status >= 200 && status < 300;

const isCut = (r: Entry) => r.outcome !== undefined && CUTTING_FAULTS.has(r.outcome);

/** When the request arrived: the entry's time is its answer's. */
const arrival = (r: Entry) => r.at - r.durationMs;

/** The operation a request is a call of, for "a retry of its operation": the path without a query when nothing routed it. */
const operationOf = (r: Entry) => r.operation ?? `${r.method} ${r.path.split('?')[0]!}`;

/** How a request is named in a note: `POST createCharge` or `GET /v1/things`. */
const called = (r: Entry) =>
  r.operation === undefined || r.operation.startsWith(`${r.method} `)
    ? operationOf(r)
    : `${r.method} ${r.operation}`;

function requestItem(r: Entry, note: string): EvidenceItem {
  return { ...(r.requestId === undefined ? {} : { requestId: r.requestId }), at: r.at, note };
}

function seconds(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  return `${Number.isInteger(s) ? s : s.toFixed(1)} s`;
}

function percent(share: number): string {
  const p = share * 100;
  return `${Number.isInteger(p) ? p : p.toFixed(1)}%`;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** The first later request of the same operation: its retry. */
function retryOf(requests: readonly Entry[], i: number): Entry | undefined {
  const op = operationOf(requests[i]!);
  for (let j = i + 1; j < requests.length; j++)
    if (operationOf(requests[j]!) === op) return requests[j];
  return undefined;
}

// --- the kinds -----------------------------------------------------------------------------

function operations(
  declared: readonly (string | { readonly operation: string; readonly min?: number })[],
  { requests, evidence }: Context,
): Judged {
  const failing: EvidenceItem[] = [];
  const passing: EvidenceItem[] = [];
  let met = 0;
  let failed = false;
  const never: string[] = [];
  for (const op of declared) {
    const name = operationName(op);
    const min = typeof op === 'string' ? CRITERION_DEFAULTS.operationMin : (op.min ?? 1);
    const calls = requests.filter((r) => r.operation === name);
    // A cut answer never reached the client, whatever its status.
    const ok = calls.filter((r) => is2xx(r.status) && !isCut(r));
    if (ok.length >= min) {
      met++;
      passing.push(requestItem(ok.at(-1)!, `${name}: ${plural(ok.length, 'answer')} 2xx`));
    } else if (calls.length > ok.length) {
      failed = true;
      const last = calls.filter((r) => !is2xx(r.status)).at(-1)!;
      failing.push(
        requestItem(
          last,
          `${name}: ${ok.length} of ${min} 2xx answers needed; ${plural(calls.length - ok.length, 'call')} answered otherwise, the last ${last.status}`,
        ),
      );
    } else {
      never.push(name);
      failing.push({
        at: evidence.until,
        note:
          calls.length === 0
            ? `${name}: never called`
            : `${name}: ${ok.length} of ${min} 2xx answers needed`,
      });
    }
  }
  const summary =
    `${met} of ${plural(declared.length, 'operation')} answered 2xx as often as required` +
    (never.length === 0 ? '' : `; not called enough: ${never.join(', ')}`);
  const verdict = met === declared.length ? 'pass' : failed ? 'fail' : 'not-exercised';
  return { verdict, summary, failing, passing };
}

function scenario(
  name: string,
  then: readonly string[] | undefined,
  within: number | undefined,
  { requests }: Context,
): Judged {
  const firings = requests.flatMap((r, i) => (r.scenario === name ? [i] : []));
  if (firings.length === 0)
    return { verdict: 'not-exercised', summary: `The scenario ${name} never fired` };
  if (then === undefined)
    return {
      verdict: 'pass',
      summary: `The scenario ${name} fired ${plural(firings.length, 'time')}`,
      passing: firings.map((i) =>
        requestItem(requests[i]!, `${name} fired on ${called(requests[i]!)}`),
      ),
    };
  const window = within ?? CRITERION_DEFAULTS.scenarioWithin;
  const expected = new Set(then);
  const failing: EvidenceItem[] = [];
  const passing: EvidenceItem[] = [];
  for (const i of firings) {
    const fired = requests[i]!;
    const next = requests.slice(i + 1, i + 1 + window);
    const k = next.findIndex((r) => r.operation !== undefined && expected.has(r.operation));
    if (k === -1)
      failing.push(
        requestItem(
          fired,
          `${name} fired on ${called(fired)} (${fired.status}); none of ${then.join(', ')} in the ${next.length === window ? `next ${plural(window, 'request')}` : `${plural(next.length, 'request')} after it`}`,
        ),
      );
    else
      passing.push(
        requestItem(
          fired,
          `${name} fired on ${called(fired)} (${fired.status}); followed by ${next[k]!.operation!} ${plural(k + 1, 'request')} later`,
        ),
      );
  }
  return {
    verdict: failing.length === 0 ? 'pass' : 'fail',
    summary: `${passing.length} of ${plural(firings.length, 'firing')} of ${name} followed by ${then.join(' or ')} within ${plural(window, 'request')}`,
    failing,
    passing,
  };
}

function retryAfter({ requests }: Context): Judged {
  const failing: EvidenceItem[] = [];
  const passing: EvidenceItem[] = [];
  let total = 0;
  requests.forEach((r, i) => {
    if (r.retryAfter === undefined) return;
    total++;
    const asked = r.retryAfter * 1000;
    const head = `${called(r)} ${r.status} with Retry-After ${r.retryAfter}`;
    const retry = retryOf(requests, i);
    if (retry === undefined) {
      failing.push(requestItem(r, `${head}; never retried`));
      return;
    }
    const waited = arrival(retry) - r.at;
    const note = `${head}; retried after ${seconds(Math.max(0, waited))}`;
    if (waited + RETRY_AFTER_TOLERANCE_MS >= asked) passing.push(requestItem(r, note));
    else failing.push(requestItem(r, `${note} (${retry.requestId ?? 'no request id'}), too soon`));
  });
  if (total === 0)
    return { verdict: 'not-exercised', summary: 'No answer carried Retry-After (no 429 or 503)' };
  return {
    verdict: failing.length === 0 ? 'pass' : 'fail',
    summary: `${passing.length} of ${plural(total, 'answer')} with Retry-After retried no sooner than asked`,
    failing,
    passing,
  };
}

function idempotentRetry({ requests }: Context): Judged {
  const failing: EvidenceItem[] = [];
  const passing: EvidenceItem[] = [];
  let total = 0;
  requests.forEach((r, i) => {
    const cut = isCut(r);
    const gateway = r.scenario !== undefined && GATEWAY_STATUSES.has(r.status);
    if (!cut && !gateway) return;
    total++;
    const head = `${called(r)} ${cut ? `cut (${r.outcome!})` : `answered ${r.status}`}`;
    const retry = retryOf(requests, i);
    if (retry === undefined) {
      failing.push(requestItem(r, `${head}; never retried`));
      return;
    }
    const rid = retry.requestId ?? 'no request id';
    if (!KEYED_METHODS.has(r.method.toUpperCase())) {
      passing.push(requestItem(r, `${head}; retried (${rid})`));
      return;
    }
    if (r.idempotencyKeyHash === undefined)
      failing.push(
        requestItem(
          r,
          `${head}; sent without an Idempotency-Key, so its retry (${rid}) may apply it twice`,
        ),
      );
    else if (retry.idempotencyKeyHash === undefined)
      failing.push(requestItem(r, `${head}; retried without an Idempotency-Key (${rid})`));
    else if (retry.idempotencyKeyHash !== r.idempotencyKeyHash)
      failing.push(requestItem(r, `${head}; retried with another Idempotency-Key (${rid})`));
    else
      passing.push(
        requestItem(
          r,
          `${head}; retried with the same Idempotency-Key (${rid}${retry.idempotency === undefined ? '' : `, ${retry.idempotency}`})`,
        ),
      );
  });
  if (total === 0)
    return {
      verdict: 'not-exercised',
      summary: 'No call was cut (timeout, reset, close) or answered 502/503/504 by a scenario',
    };
  return {
    verdict: failing.length === 0 ? 'pass' : 'fail',
    summary: `${passing.length} of ${plural(total, 'cut call')} retried safely`,
    failing,
    passing,
  };
}

/** The attempts that reached the partner (the secret scanner's blocked ones never left). */
const sentAttempts = (d: DeliveryEvidence) => d.attempts.filter((a) => a.outcome !== 'blocked');
const probeOf = (d: DeliveryEvidence) => d.probe ?? d.delivery.probe;

function answered(a: WebhookAttempt): string {
  if (a.status !== undefined) return `${a.status} in ${seconds(a.latencyMs)}`;
  return a.error === 'timeout'
    ? `no answer in ${seconds(a.latencyMs)} (timeout)`
    : `no answer (${a.error ?? 'network'})`;
}

function deliveryItem(d: DeliveryEvidence, a: WebhookAttempt, note: string): EvidenceItem {
  return { deliveryId: d.delivery.id, eventId: d.delivery.eventId, at: a.sentAt, note };
}

function webhooksAcknowledged(withinMs: number, minShare: number, { evidence }: Context): Judged {
  const failing: EvidenceItem[] = [];
  const passing: EvidenceItem[] = [];
  let total = 0;
  for (const d of evidence.deliveries) {
    if (probeOf(d) !== undefined) continue;
    const sent = sentAttempts(d);
    if (sent.length === 0) continue;
    total++;
    const ok = sent.find((a) => is2xx(a.status) && a.latencyMs <= withinMs);
    const type = d.delivery.eventType;
    if (ok !== undefined)
      passing.push(
        deliveryItem(
          d,
          ok,
          `${type}: answered ${answered(ok)}${ok.n > 1 ? ` (attempt ${ok.n})` : ''}`,
        ),
      );
    else {
      const last = sent.at(-1)!;
      failing.push(
        deliveryItem(
          d,
          last,
          `${type}: ${plural(sent.length, 'attempt')}, none answered 2xx within ${seconds(withinMs)}; the last ${answered(last)}`,
        ),
      );
    }
  }
  if (total === 0)
    return { verdict: 'not-exercised', summary: 'No webhook was sent to the partner’s endpoints' };
  const share = passing.length / total;
  return {
    verdict: share >= minShare ? 'pass' : 'fail',
    summary:
      `${passing.length} of ${plural(total, 'delivery', 'deliveries')} answered 2xx within ${seconds(withinMs)}` +
      (minShare < 1 ? ` (${percent(share)}; at least ${percent(minShare)} needed)` : ''),
    failing,
    passing,
  };
}

/** Whether a request changed the object: a 2xx write whose path names it, or that caused an event on it. */
function changes(
  r: Entry,
  object: { readonly type: string; readonly id: string },
  eventObjects: ReadonlyMap<string, string>,
): boolean {
  if (!CHANGING_METHODS.has(r.method.toUpperCase()) || !is2xx(r.status)) return false;
  const segments = r.path.split('?')[0]!.split('/');
  if (segments.includes(object.id)) return true;
  return (r.events ?? []).some((e) => eventObjects.get(e) === `${object.type}\u0000${object.id}`);
}

function webhookDuplicate(windowMs: number, { requests, evidence }: Context): Judged {
  const failing: EvidenceItem[] = [];
  const passing: EvidenceItem[] = [];
  const open: EvidenceItem[] = [];
  /** When the first still-open window closes. */
  let closes = Infinity;
  const events = new Map(evidence.events.map((e) => [e.id, e]));
  const eventObjects = new Map(
    evidence.events.map((e) => [e.id, `${e.resourceType}\u0000${e.resourceId}`]),
  );
  for (const d of evidence.deliveries) {
    if (probeOf(d) !== 'duplicate') continue;
    const attempt = sentAttempts(d)[0];
    if (attempt === undefined) continue;
    const head = `duplicate of ${d.delivery.eventId} (${d.delivery.eventType})`;
    if (!is2xx(attempt.status)) {
      failing.push(
        deliveryItem(
          d,
          attempt,
          `${head} answered ${answered(attempt)}: a repeated event should be acknowledged 2xx`,
        ),
      );
      continue;
    }
    const event = events.get(d.delivery.eventId);
    if (event === undefined) {
      passing.push(
        deliveryItem(
          d,
          attempt,
          `${head} answered ${answered(attempt)}; its object is not in the evidence`,
        ),
      );
      continue;
    }
    const object = { type: event.resourceType, id: event.resourceId };
    const end = attempt.sentAt + windowMs;
    const change = requests.find(
      (r) => arrival(r) >= attempt.sentAt && arrival(r) <= end && changes(r, object, eventObjects),
    );
    if (change !== undefined) {
      failing.push({
        ...requestItem(
          change,
          `${head} answered ${answered(attempt)}, then ${called(change)} changed ${object.type} ${object.id} ${seconds(arrival(change) - attempt.sentAt)} later: reprocessed`,
        ),
        deliveryId: d.delivery.id,
        eventId: d.delivery.eventId,
      });
    } else if (end > evidence.until) {
      closes = Math.min(closes, end);
      open.push(
        deliveryItem(
          d,
          attempt,
          `${head} answered ${answered(attempt)}; no change to ${object.type} ${object.id} yet, the ${seconds(windowMs)} window is still open`,
        ),
      );
    } else {
      passing.push(
        deliveryItem(
          d,
          attempt,
          `${head} answered ${answered(attempt)}; no change to ${object.type} ${object.id} in the ${seconds(windowMs)} after it`,
        ),
      );
    }
  }
  const total = failing.length + passing.length + open.length;
  if (total === 0) return { verdict: 'not-exercised', summary: 'No duplicate probe was delivered' };
  if (failing.length > 0)
    return {
      verdict: 'fail',
      summary: `${failing.length} of ${plural(total, 'duplicate probe')} answered wrongly or reprocessed`,
      failing,
      passing: [...passing, ...open],
    };
  if (passing.length === 0)
    return {
      verdict: 'not-exercised',
      summary: `The duplicate probe was acknowledged; its ${seconds(windowMs)} window had not closed when the evidence was gathered`,
      passing: open,
      // The probe was sent: sending another would not help, waiting for its window does.
      next: `Gather the report again after ${new Date(closes).toISOString()}, when the duplicate probe's ${seconds(windowMs)} window has closed.`,
    };
  return {
    verdict: 'pass',
    summary: `${plural(passing.length, 'duplicate probe')} acknowledged without a second state change`,
    passing: [...passing, ...open],
  };
}

function webhookSignature({ evidence }: Context): Judged {
  const failing: EvidenceItem[] = [];
  const passing: EvidenceItem[] = [];
  for (const d of evidence.deliveries) {
    if (probeOf(d) !== 'bad-signature') continue;
    const attempt = sentAttempts(d)[0];
    if (attempt === undefined) continue;
    const status = attempt.status;
    const head = `bad-signature copy of ${d.delivery.eventId} (${d.delivery.eventType})`;
    if (status !== undefined && status >= 400 && status < 500)
      passing.push(deliveryItem(d, attempt, `${head} refused: ${answered(attempt)}`));
    else
      failing.push(
        deliveryItem(
          d,
          attempt,
          is2xx(status)
            ? `${head} accepted (${answered(attempt)}): the signature was not checked`
            : status !== undefined && status >= 500
              ? `${head} answered ${answered(attempt)}: refuse it with a 4xx (a 5xx asks for a retry)`
              : `${head} got ${answered(attempt)}: refuse it with a 4xx`,
        ),
      );
  }
  const total = failing.length + passing.length;
  if (total === 0)
    return { verdict: 'not-exercised', summary: 'No bad-signature probe was delivered' };
  return {
    verdict: failing.length === 0 ? 'pass' : 'fail',
    summary: `${passing.length} of ${plural(total, 'bad-signature probe')} refused with a 4xx`,
    failing,
    passing,
  };
}

function pagination({ requests }: Context): Judged {
  const walks: Entry[][] = [];
  const current = new Map<string, Entry[]>();
  for (const r of requests) {
    if (r.page === undefined) continue;
    const op = operationOf(r);
    const walk = current.get(op);
    if (!r.page.cursor || walk === undefined) {
      const fresh = [r];
      walks.push(fresh);
      current.set(op, fresh);
    } else walk.push(r);
  }
  const multi = walks.filter((w) => w.length > 1 || w.some((r) => r.page!.more));
  if (multi.length === 0)
    return {
      verdict: 'not-exercised',
      summary:
        walks.length === 0
          ? 'No list was requested'
          : `${plural(walks.length, 'list')} fitted on one page; none had more pages to follow`,
    };
  const failing: EvidenceItem[] = [];
  const passing: EvidenceItem[] = [];
  for (const walk of multi) {
    const last = walk.at(-1)!;
    if (last.page!.more)
      failing.push(
        requestItem(
          last,
          `${called(last)}: stopped after ${plural(walk.length, 'page')}; the last said more follow`,
        ),
      );
    else
      passing.push(
        requestItem(last, `${called(last)}: followed ${plural(walk.length, 'page')} to the end`),
      );
  }
  return {
    verdict: failing.length === 0 ? 'pass' : 'fail',
    summary: `${passing.length} of ${plural(multi.length, 'list')} with more pages followed to the end`,
    failing,
    passing,
  };
}

function errorRate(max: number, { requests }: Context): Judged {
  const onPurpose = (r: Entry) =>
    r.scenario !== undefined || (r.layer === 'limits' && r.status === 429);
  const counted = requests.filter((r) => !onPurpose(r));
  const left = requests.length - counted.length;
  if (counted.length === 0)
    return {
      verdict: 'not-exercised',
      summary:
        left === 0
          ? 'No requests'
          : `Every request was answered by a scenario or a rate limit (${left})`,
    };
  const errors = counted.filter((r) => r.status >= 400);
  const share = errors.length / counted.length;
  const pass = share <= max;
  const items = errors.map((r) => requestItem(r, `${called(r)} answered ${r.status}`));
  return {
    verdict: pass ? 'pass' : 'fail',
    summary:
      `${errors.length} of ${plural(counted.length, 'request')} answered ≥ 400 (${percent(share)}; at most ${percent(max)})` +
      (left === 0 ? '' : `; ${left} scenario or rate-limit answers left out`),
    ...(pass ? { passing: items } : { failing: items }),
  };
}

function latency(maxMs: number, { requests }: Context): Judged {
  const counted = requests.filter((r) => r.scenario === undefined);
  if (counted.length === 0)
    return { verdict: 'not-exercised', summary: 'No requests outside scenarios' };
  const sorted = counted.map((r) => r.durationMs).sort((a, b) => a - b);
  const p95 = sorted[Math.ceil(0.95 * sorted.length) - 1]!;
  const slowest = [...counted].sort((a, b) => b.durationMs - a.durationMs || a.seq - b.seq);
  const slow = slowest.filter((r) => r.durationMs > maxMs);
  const item = (r: Entry) => requestItem(r, `${called(r)} took ${seconds(r.durationMs)}`);
  const pass = p95 <= maxMs;
  return {
    verdict: pass ? 'pass' : 'fail',
    summary: `p95 ${seconds(p95)} over ${plural(counted.length, 'request')} (at most ${seconds(maxMs)}); ${slow.length} slower than that`,
    ...(pass
      ? { passing: slowest.slice(0, Math.max(1, slow.length)).map(item) }
      : { failing: slow.map(item) }),
  };
}

function conformance(last: number, { requests }: Context): Judged {
  const checked = requests.filter((r) => r.conforms !== undefined).slice(-last);
  if (checked.length === 0)
    return { verdict: 'not-exercised', summary: 'No request was checked against the spec' };
  const broke = checked.filter((r) => r.conforms === false);
  return {
    verdict: broke.length === 0 ? 'pass' : 'fail',
    summary: `${broke.length} of the last ${plural(checked.length, 'request')} checked broke the spec`,
    failing: broke.map((r) => {
      const v = r.violations ?? [];
      const shown = v.slice(0, 3).join('; ');
      return requestItem(
        r,
        `${called(r)}: ${shown === '' ? 'does not conform' : shown}${v.length > 3 ? ` (and ${v.length - 3} more)` : ''}`,
      );
    }),
  };
}

// --- coverage --------------------------------------------------------------------------------

function coverage({ requests, evidence }: Context): ReadinessReport['coverage'] {
  const ops = new Set(requests.flatMap((r) => (r.operation === undefined ? [] : [r.operation])));
  const fired = new Set(requests.flatMap((r) => (r.scenario === undefined ? [] : [r.scenario])));
  const split = (surface: readonly string[], seen: ReadonlySet<string>) => ({
    exercised: surface.filter((s) => seen.has(s)),
    notExercised: surface.filter((s) => !seen.has(s)),
  });
  return {
    operations: split(evidence.surface.operations, ops),
    scenarios: split(evidence.surface.scenarios, fired),
  };
}
