/**
 * The scenario catalogue (issue 14, docs/design/issue-14-plan.md): triggers → one outcome, for
 * the operations a scenario applies to. Declared in the config (`sandbox.scenarios`), in
 * `scenarios/*.json` files (schemas/scenarios.schema.json) and by the profile preset (Stripe's
 * test cards). Data only: load.ts validates, compile.ts builds the lookups, match.ts fires.
 */
import type { JsonValue } from '../../json.js';
import type { SetValue } from '../profile/types.js';

/** Where a magic value is read. `body` is a JSON body or a form body in bracket notation. */
export type ValueSource = 'body' | 'query' | 'header' | 'resource';

/** How a value is compared. Exactly one of these per trigger. */
export type ValueTest =
  | { readonly equals: string | number | boolean }
  | { readonly oneOf: readonly (string | number | boolean)[] }
  | { readonly prefix: string }
  | { readonly regex: string } // ReDoS-checked at load, like redaction rules
  | { readonly range: { readonly min?: number; readonly max?: number } }; // inclusive

/**
 * A value trigger: the value at `path` (dotted or bracket notation, `payment_method_data[card][number]`,
 * or a JSON path `$.a.b`) in `in` passes `test`. `resource` reads the object the request acts
 * on as the state layer sees it (stored, with the request's fields applied): only for state outcomes.
 */
export type ValueTrigger = {
  readonly in: ValueSource;
  readonly path: string;
  /** Further values that must also hold (all of them), e.g. `confirm` = true beside the card. */
  readonly and?: readonly ({ readonly in: ValueSource; readonly path: string } & ValueTest)[];
} & ValueTest;

export type TriggerDecl =
  | { readonly value: ValueTrigger }
  /** Fires while armed for the tenant (admin API / CLI): the next N requests, or until disarmed. */
  | { readonly armed: true }
  /** Every Kth request of the tenant to the scenario's operations (K ≥ 1; the Kth, 2Kth, …). */
  | { readonly every: number }
  /** A seeded chance per request: hash(seed, tenant, scenario, n) < probability. */
  | { readonly chance: { readonly probability: number; readonly seed?: number } };
// Every scenario can also be chosen by header: `Prefer: scenario=NAME` or `x-tapedeck-scenario: NAME`.

/** Where faults happen: before the request runs (nothing downstream), or after (the answer is lost or mangled). */
export type FaultAt = 'before' | 'after';

export type FaultDecl =
  | { readonly fault: 'latency'; readonly ms?: number; readonly fromRecordings?: boolean }
  | { readonly fault: 'timeout'; readonly ms?: number; readonly at?: FaultAt } // hold, bounded
  | { readonly fault: 'reset'; readonly at?: FaultAt } // TCP RST
  | { readonly fault: 'close'; readonly at?: FaultAt } // FIN before any byte
  | { readonly fault: 'slow-body'; readonly bytesPerSecond: number }
  | { readonly fault: 'truncated'; readonly fraction?: number } // Content-Length promises more
  | { readonly fault: 'malformed' } // the body cut in half, framing correct
  | {
      readonly fault: 'gateway';
      readonly status: 502 | 503 | 504;
      readonly server?: 'nginx' | 'envoy' | 'cloudfront';
      readonly retryAfter?: number;
    }
  | { readonly fault: 'server-error'; readonly message?: string } // 500 in the API's error shape
  | {
      readonly fault: 'rate-limited';
      readonly retryAfter?: number;
      /** `secondary`: GitHub's secondary limit, 403 with a message and no rate-limit headers. */
      readonly style?: 'primary' | 'secondary';
    };

/** An error in the API's own shape (the profile's error template), with extra fields. */
export interface ErrorOutcome {
  readonly status: number;
  readonly type?: string;
  readonly code?: string;
  readonly message: string;
  readonly param?: string;
  /** Fields added beside the template's (Stripe's `decline_code`). */
  readonly extra?: Readonly<Record<string, JsonValue>>;
}

export type OutcomeDecl =
  | { readonly recorded: { readonly cassette: string; readonly interaction: number } }
  | { readonly recorded: { readonly status: number } } // the operation's recorded answer with that status
  | { readonly documented: { readonly status: number } } // the spec's example for that status
  | {
      readonly inline: {
        readonly status: number;
        readonly headers?: Readonly<Record<string, string>>;
        readonly body?: JsonValue; // a string is sent as text, anything else as JSON
      };
    }
  | { readonly error: ErrorOutcome }
  | {
      /**
       * A state action: the request runs in the state layer with `action` instead of its own
       * (a create runs, then `action` on the new object, in the same change), then answers
       * with `error` (or the object, when absent), the object embedded under `embed`.
       */
      readonly state: {
        readonly action: string;
        readonly set?: Readonly<Record<string, SetValue>>;
        readonly from?: readonly string[];
        readonly event?: string;
        readonly error?: ErrorOutcome;
        readonly embed?: string;
      };
    }
  | FaultDecl;

export interface ScenarioDecl {
  /** `card_declined`: [a-z0-9][a-z0-9_.-]*, unique across the catalogue. */
  readonly name: string;
  /** For partners: what it simulates and what their code should do. */
  readonly description: string;
  /** `METHOD /path/{param}` templates or spec operation ids; `*` for every operation. */
  readonly operations: readonly string[];
  readonly triggers: readonly TriggerDecl[];
  readonly outcome: OutcomeDecl;
}

/** One scenario with where it was declared, for messages and the rendered catalogue. */
export interface LoadedScenario extends ScenarioDecl {
  /** `config`, `preset:stripe`, or the file's shown path. */
  readonly source: string;
  /** JSON pointer of the scenario in its source. */
  readonly pointer: string;
}

export interface ScenarioCatalogue {
  readonly scenarios: readonly LoadedScenario[];
}

/** What a request carries that triggers look at; built once per request by the scenario layer. */
export interface TriggerInput {
  /** The operation keys of the request: `POST /v1/payment_intents` and, with a spec, the operation id. */
  readonly operations: readonly string[];
  /** The parsed body (JSON, or a form body as nested objects), undefined when none or unreadable. */
  readonly body: JsonValue | undefined;
  readonly query: Readonly<Record<string, string | readonly string[]>>;
  /** Lower-cased names. */
  readonly headers: Readonly<Record<string, string | readonly string[]>>;
}

/** Why a scenario fired: what the journal records. Never the value itself (it may be a card number). */
export type FiredBy =
  | { readonly kind: 'header'; readonly header: 'prefer' | 'x-tapedeck-scenario' }
  | {
      readonly kind: 'value';
      readonly in: ValueSource;
      readonly path: string;
      readonly test: string;
    }
  | { readonly kind: 'armed'; readonly arm: string }
  | { readonly kind: 'every'; readonly every: number; readonly n: number }
  | { readonly kind: 'chance'; readonly probability: number; readonly n: number };

export interface Firing {
  readonly scenario: LoadedScenario;
  readonly by: FiredBy;
}

/** A short text of `FiredBy` for the journal and headers: `value body payment_method oneOf`. */
export function describeFiredBy(by: FiredBy): string {
  switch (by.kind) {
    case 'header':
      return `header ${by.header}`;
    case 'value':
      return `value ${by.in} ${by.path} ${by.test}`;
    case 'armed':
      return `armed ${by.arm}`;
    case 'every':
      return `every ${by.every} (request ${by.n})`;
    case 'chance':
      return `chance ${by.probability} (request ${by.n})`;
  }
}

/** Where scenarios come from, for a message: "scenario file scenarios/mine.json". */
export function describeScenarioSource(source: string, configFile?: string): string {
  if (source === 'config')
    return configFile === undefined
      ? "the config's sandbox.scenarios"
      : `config file ${configFile}`;
  if (source.startsWith('preset:'))
    return `the ${source.slice('preset:'.length)} preset's scenarios`;
  return `scenario file ${source}`;
}

/** "scenario file scenarios/mine.json at /scenarios/3": a source and a pointer, never run together. */
export function describeScenarioPlace(
  source: string,
  pointer: string,
  configFile?: string,
): string {
  const where = describeScenarioSource(source, configFile);
  return pointer === '' ? where : `${where} at ${pointer}`;
}
