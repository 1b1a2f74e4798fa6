/**
 * The readiness criteria a provider gets without a file (from the partner-onboarding playbook:
 * retries that honour Retry-After and reuse their Idempotency-Key, webhooks acknowledged,
 * deduplicated and verified, lists followed to the end, error-rate, latency and conformance
 * thresholds), and each kind's default title and next steps. `operations` and `scenario`
 * criteria name the provider's own surface, so they exist only when a file declares them.
 */
import type { Criterion, CriterionKind, ReadinessCriteria } from './types.js';

export const CRITERION_KINDS = [
  'operations',
  'scenario',
  'retry-after',
  'idempotent-retry',
  'webhooks-acknowledged',
  'webhook-duplicate',
  'webhook-signature',
  'pagination',
  'error-rate',
  'latency-p95',
  'spec-conformance',
] as const satisfies readonly CriterionKind[];

/** The numbers a criterion uses when its file leaves them out. */
export const CRITERION_DEFAULTS = {
  scenarioWithin: 5,
  operationMin: 1,
  webhookWithinMs: 10_000,
  webhookMinShare: 1,
  duplicateWindowMs: 30_000,
  errorRateMax: 0.05,
  latencyMaxMs: 1000,
  conformanceLast: 100,
} as const;

export const DEFAULT_CRITERIA: ReadinessCriteria = Object.freeze({
  name: 'tapedeck default readiness criteria',
  criteria: Object.freeze(
    (
      [
        'retry-after',
        'idempotent-retry',
        'webhooks-acknowledged',
        'webhook-duplicate',
        'webhook-signature',
        'pagination',
        'error-rate',
        'latency-p95',
        'spec-conformance',
      ] as const
    ).map((kind) => Object.freeze({ id: kind, kind }) as Criterion),
  ),
});

/** The title a criterion shows when its file gives none. */
export function defaultTitle(criterion: Criterion): string {
  switch (criterion.kind) {
    case 'operations':
      return criterion.operations.length === 1
        ? `Operation ${operationName(criterion.operations[0]!)} exercised`
        : `${criterion.operations.length} operations exercised`;
    case 'scenario':
      return criterion.then === undefined
        ? `Scenario ${criterion.scenario} exercised`
        : `Scenario ${criterion.scenario} handled`;
    case 'retry-after':
      return 'Rate-limited calls retried after Retry-After';
    case 'idempotent-retry':
      return 'Cut calls retried with the same Idempotency-Key';
    case 'webhooks-acknowledged':
      return 'Webhooks acknowledged in time';
    case 'webhook-duplicate':
      return 'Duplicate webhook not reprocessed';
    case 'webhook-signature':
      return 'Webhook signatures verified';
    case 'pagination':
      return 'Lists followed to the last page';
    case 'error-rate':
      return 'Error rate under the threshold';
    case 'latency-p95':
      return 'p95 latency under the threshold';
    case 'spec-conformance':
      return 'Requests conform to the spec';
  }
}

export function operationName(op: string | { readonly operation: string }): string {
  return typeof op === 'string' ? op : op.operation;
}

/**
 * The next step a criterion shows when it fails or was not exercised and its file gives none:
 * what to change, or what to run so the sandbox sees it. `tenant` is the tenant's name.
 */
export function defaultNext(
  criterion: Criterion,
  verdict: 'fail' | 'not-exercised',
  tenant: string,
): string {
  const t = tenant;
  const exercised = verdict === 'not-exercised';
  switch (criterion.kind) {
    case 'operations':
      return exercised
        ? 'Call each operation listed until it succeeds as often as required.'
        : 'Fix the calls that failed (their request ids are below; `tapedeck journal --tenant ' +
            `${t} --status 4xx\` lists them) and call each operation until it succeeds.`;
    case 'scenario':
      return exercised
        ? `Trigger the scenario ${criterion.scenario} (\`tapedeck scenarios arm --tenant ${t} ${criterion.scenario}\`, or \`Prefer: scenario=${criterion.scenario}\` on a request) and handle its answer.`
        : criterion.then === undefined
          ? `Trigger the scenario ${criterion.scenario}.`
          : `After ${criterion.scenario}, your code must go on with ${criterion.then.join(' or ')} within ${criterion.within ?? CRITERION_DEFAULTS.scenarioWithin} requests.`;
    case 'retry-after':
      return exercised
        ? `Trigger a rate limit — arm a \`rate-limited\` scenario (\`tapedeck scenarios arm --tenant ${t} NAME\`; \`tapedeck scenarios\` lists the catalogue, docs/scenarios.md says how to declare one) or set \`sandbox.rateLimits\` to \`profile\` — and retry the call after the Retry-After it gives.`
        : 'Wait at least the Retry-After seconds of a 429 or 503 before retrying the same call.';
    case 'idempotent-retry':
      return exercised
        ? `Cut a POST — arm a \`timeout\`, \`reset\` or \`close\` fault scenario (\`tapedeck scenarios arm --tenant ${t} NAME\`; \`tapedeck scenarios\` lists the catalogue, docs/scenarios.md says how to declare one) — and retry it with the same Idempotency-Key.`
        : 'Send an Idempotency-Key with every POST, and retry a call that timed out or was cut with the same key.';
    case 'webhooks-acknowledged':
      return exercised
        ? `Register a webhook endpoint (\`tapedeck webhooks add --tenant ${t}\`) and cause an event.`
        : 'Answer each webhook with a 2xx quickly; do the work after answering (queue it).';
    case 'webhook-duplicate':
      return exercised
        ? `Send a duplicate: \`tapedeck webhooks probe --tenant ${t} --kind duplicate\`.`
        : 'Deduplicate webhooks by event id: answer a repeated event 2xx without acting on it again.';
    case 'webhook-signature':
      return exercised
        ? `Send a badly signed webhook: \`tapedeck webhooks probe --tenant ${t} --kind bad-signature\`.`
        : 'Verify the signature of every webhook with the endpoint secret and answer 400 when it does not match.';
    case 'pagination':
      return exercised
        ? 'List a collection with more than one page (a small `limit`) and follow it to the end.'
        : 'Keep requesting the next page (the cursor of the last item) until the answer says there are no more.';
    case 'error-rate':
      return exercised
        ? 'Run your integration against the sandbox.'
        : `Fix the failing calls (\`tapedeck journal --tenant ${t} --status 4xx\` and \`--status 5xx\` list them).`;
    case 'latency-p95':
      return exercised
        ? 'Run your integration against the sandbox.'
        : 'Send request bodies promptly: the slow requests below took long to arrive (a slow upload, a stalled stream, a request held open).';
    case 'spec-conformance':
      return exercised
        ? 'Call operations the spec describes.'
        : 'Fix the requests below so they match the spec (each violation names the place and the rule).';
  }
}
