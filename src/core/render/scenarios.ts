/**
 * The scenario catalogue as partner documentation (`tapedeck scenarios --markdown|--json`,
 * `GET /__tapedeck/scenarios`): which magic values to send where, what each one does, how to
 * choose a scenario by header, which ones fire when armed or every Nth request, and (given) what
 * a tenant has armed. Deterministic: the same catalogue renders the same bytes (catalogue order,
 * no clock), so a developer portal can commit the output and diff it.
 *
 * Safety of the Markdown: every catalogue text is HTML-escaped and Markdown-escaped (as the
 * drift report does), values sit in `<code>`, so a description holding `|`, backticks or
 * `<script>` cannot change the document's structure.
 */
import type { JsonValue } from '../json.js';
import type {
  FaultDecl,
  LoadedScenario,
  OutcomeDecl,
  ScenarioCatalogue,
  TriggerDecl,
  ValueSource,
  ValueTest,
  ErrorOutcome,
} from '../sandbox/scenarios/types.js';
import { escapeText } from './drift-markdown.js';

/** An arm as the renderer shows it (app/sandbox/scenario-admin.ts's ArmView). */
export interface RenderedArm {
  readonly id: string;
  readonly scenario: string;
  readonly operation?: string;
  readonly remaining?: number;
  readonly armedAt: string;
}

export interface ScenarioRenderOptions {
  /**
   * How the API's request bodies are sent, for "where to put it": `form` (Stripe) says
   * "form field", `json` "JSON field"; absent, "body field". A `$.`-path is always JSON.
   */
  readonly bodyFormat?: 'form' | 'json';
  /** A tenant's arms, shown in their own section (Markdown) or member (JSON). */
  readonly armed?: { readonly tenant: string; readonly arms: readonly RenderedArm[] };
  /** The document's title (Markdown). */
  readonly title?: string;
}

/** The version of the JSON shape: bumped only when a member changes meaning or goes away. */
export const SCENARIOS_JSON_FORMAT = 1;

/** One magic value, flattened: what `magicValues` of the JSON holds, one table row in Markdown. */
export interface MagicValueView {
  readonly scenario: string;
  readonly in: ValueSource;
  readonly path: string;
  /** `equals`, `oneOf`, `prefix`, `regex` or `range`. */
  readonly test: keyof UnionKeys<ValueTest>;
  /** The values (equals, oneOf), the prefix, the regex source, or `{min, max}`. */
  readonly values: readonly (string | number | boolean)[];
  readonly range?: { readonly min?: number; readonly max?: number };
  /** Further conditions that must also hold. */
  readonly and: readonly {
    readonly in: ValueSource;
    readonly path: string;
    readonly test: string;
    readonly text: string;
  }[];
  /** "form field `payment_method`", as plain text. */
  readonly where: string;
  readonly operations: readonly string[];
  /** What happens, one line: "402 card_error card_declined (decline_code generic_decline)". */
  readonly outcome: string;
}

type UnionKeys<T> = { [K in T extends unknown ? keyof T : never]: true };

/**
 * The JSON documentation (format 1):
 * `{format, scenarios: [{name, description, operations, triggers, outcome, summary, header,
 * source, pointer}], magicValues: [MagicValueView], armed?: {tenant, arms}}`. `triggers` and
 * `outcome` are as declared (the catalogue file format, schemas/scenarios.schema.json);
 * `summary` is the outcome in one line; `header` how to choose it for one request.
 */
export interface ScenariosJson {
  readonly format: number;
  readonly scenarios: readonly {
    readonly name: string;
    readonly description: string;
    readonly operations: readonly string[];
    readonly triggers: readonly TriggerDecl[];
    readonly outcome: OutcomeDecl;
    readonly summary: string;
    readonly header: string;
    readonly source: string;
    readonly pointer: string;
  }[];
  readonly magicValues: readonly MagicValueView[];
  readonly armed?: { readonly tenant: string; readonly arms: readonly RenderedArm[] };
}

export function renderScenariosJson(
  catalogue: ScenarioCatalogue,
  options: ScenarioRenderOptions = {},
): ScenariosJson {
  return {
    format: SCENARIOS_JSON_FORMAT,
    scenarios: catalogue.scenarios.map((s) => ({
      name: s.name,
      description: s.description,
      operations: s.operations,
      triggers: s.triggers,
      outcome: s.outcome,
      summary: describeOutcome(s.outcome),
      header: `Prefer: scenario=${s.name}`,
      source: s.source,
      pointer: s.pointer,
    })),
    magicValues: magicValues(catalogue, options),
    ...(options.armed === undefined ? {} : { armed: options.armed }),
  };
}

/** Every value trigger of the catalogue, catalogue order (the order they are tried in). */
export function magicValues(
  catalogue: ScenarioCatalogue,
  options: ScenarioRenderOptions = {},
): MagicValueView[] {
  const out: MagicValueView[] = [];
  for (const s of catalogue.scenarios)
    for (const t of s.triggers) {
      if (!('value' in t)) continue;
      const v = t.value;
      const [test, values, range] = testParts(v);
      out.push({
        scenario: s.name,
        in: v.in,
        path: v.path,
        test,
        values,
        ...(range === undefined ? {} : { range }),
        and: (v.and ?? []).map((a) => ({
          in: a.in,
          path: a.path,
          test: testParts(a)[0],
          text: `${where(a.in, a.path, options)} ${testText(a)}`,
        })),
        where: where(v.in, v.path, options),
        operations: s.operations,
        outcome: describeOutcome(s.outcome),
      });
    }
  return out;
}

function testParts(
  t: ValueTest,
): [MagicValueView['test'], (string | number | boolean)[], MagicValueView['range']] {
  if ('equals' in t) return ['equals', [t.equals], undefined];
  if ('oneOf' in t) return ['oneOf', [...t.oneOf], undefined];
  if ('prefix' in t) return ['prefix', [t.prefix], undefined];
  if ('regex' in t) return ['regex', [t.regex], undefined];
  return ['range', [], t.range];
}

/** A test as plain text: `= 4000000000000002`, `one of a, b`, `starting with tok_`. */
function testText(t: ValueTest): string {
  if ('equals' in t) return `= ${String(t.equals)}`;
  if ('oneOf' in t) return `one of ${t.oneOf.map(String).join(', ')}`;
  if ('prefix' in t) return `starting with ${t.prefix}`;
  if ('regex' in t) return `matching /${t.regex}/`;
  return rangeText(t.range);
}

function rangeText(r: { readonly min?: number; readonly max?: number }): string {
  if (r.min !== undefined && r.max !== undefined) return `from ${r.min} to ${r.max}`;
  if (r.min !== undefined) return `${r.min} or more`;
  if (r.max !== undefined) return `${r.max} or less`;
  return 'any number';
}

function where(source: ValueSource, path: string, options: ScenarioRenderOptions): string {
  switch (source) {
    case 'body':
      if (path.startsWith('$')) return `JSON ${path}`;
      return `${options.bodyFormat === 'form' ? 'form' : options.bodyFormat === 'json' ? 'JSON' : 'body'} field ${path}`;
    case 'query':
      return `query parameter ${path}`;
    case 'header':
      return `header ${path}`;
    case 'resource':
      return `the stored object's ${path}`;
  }
}

function errorText(e: ErrorOutcome): string {
  const parts = [String(e.status), e.type, e.code].filter((p) => p !== undefined);
  const extra = Object.entries(e.extra ?? {})
    .map(([k, v]) => `${k} ${scalar(v)}`)
    .join(', ');
  return `${parts.join(' ')}${extra === '' ? '' : ` (${extra})`}${e.param === undefined ? '' : `, param ${e.param}`}`;
}

function scalar(v: JsonValue | undefined): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function faultText(f: FaultDecl): string {
  const at = (a: 'before' | 'after' | undefined) =>
    a === 'after' ? 'after the request ran (its change is kept)' : 'before the request runs';
  switch (f.fault) {
    case 'latency':
      return f.fromRecordings === true
        ? 'the answer comes after a recorded latency of the operation'
        : `the answer comes after ${f.ms ?? 1000} ms`;
    case 'timeout':
      return `no answer for ${(f.ms ?? 30_000) / 1000} s, then the connection closes, ${at(f.at)}`;
    case 'reset':
      return `the connection is reset (TCP RST) ${at(f.at)}`;
    case 'close':
      return `the connection closes with no answer ${at(f.at)}`;
    case 'slow-body':
      return `the body arrives at ${f.bytesPerSecond} bytes/s`;
    case 'truncated':
      return 'the body stops short of its Content-Length';
    case 'malformed':
      return 'the body is cut in half (framing intact): it does not parse';
    case 'gateway':
      return `${f.status} from the gateway (${f.server ?? 'nginx'}, its HTML error page)${f.retryAfter === undefined ? '' : `, Retry-After ${f.retryAfter}`}`;
    case 'server-error':
      return `500 in the API's error shape${f.message === undefined ? '' : `: ${f.message}`}`;
    case 'rate-limited':
      return f.style === 'secondary'
        ? '403 secondary rate limit (no rate-limit headers)'
        : `429 rate limited, Retry-After ${f.retryAfter ?? 1}`;
  }
}

/** An outcome in one line of plain text. */
export function describeOutcome(o: OutcomeDecl): string {
  if ('error' in o) return errorText(o.error);
  if ('inline' in o) return `${o.inline.status} (a fixed answer)`;
  if ('documented' in o) return `${o.documented.status}, the spec's documented example`;
  if ('recorded' in o)
    return 'cassette' in o.recorded
      ? `the recorded answer ${o.recorded.cassette} #${o.recorded.interaction}`
      : `${o.recorded.status}, a recorded answer of the operation`;
  if ('state' in o) {
    const s = o.state;
    const set = Object.entries(s.set ?? {})
      .filter(([, v]) => v === null || typeof v !== 'object')
      .map(([k, v]) => `${k} ${scalar(v)}`)
      .join(', ');
    const left = `${s.action}${set === '' ? '' : `: ${set}`}`;
    return s.error === undefined
      ? `the object after ${left}`
      : `${errorText(s.error)}; the object is left after ${left}${s.embed === undefined ? '' : ` (in the error's ${s.embed})`}`;
  }
  return faultText(o);
}

function triggerText(t: TriggerDecl): string {
  if ('value' in t) return `value: ${t.value.in} ${t.value.path} ${testText(t.value)}`;
  if ('armed' in t) return 'while armed for the tenant';
  if ('every' in t) return t.every === 1 ? 'every request' : `every ${t.every} requests`;
  return `by chance, ${t.chance.probability * 100}% of requests${t.chance.seed === undefined ? '' : ` (seed ${t.chance.seed})`}`;
}

// --- Markdown ---

function md(s: string): string {
  return escapeText(s);
}

function code(s: string): string {
  return `<code>${escapeText(s)}</code>`;
}

function codes(values: readonly string[]): string {
  return values.map(code).join(', ');
}

function valueCell(m: MagicValueView): string {
  switch (m.test) {
    case 'equals':
    case 'oneOf':
      return m.values.map((v) => code(String(v))).join('<br>');
    case 'prefix':
      return `starting with ${code(String(m.values[0]))}`;
    case 'regex':
      return `matching ${code(String(m.values[0]))}`;
    case 'range':
      return md(rangeText(m.range ?? {}));
  }
}

function whereCell(m: MagicValueView): string {
  // The words as text, the field name in code: "form field <code>payment_method</code>".
  const words = m.where.slice(0, m.where.length - m.path.length).trimEnd();
  return [`${md(words)} ${code(m.path)}`, ...m.and.map((a) => `and ${md(a.text)}`)].join('<br>');
}

/**
 * The catalogue as a Markdown page for a developer portal: magic values, headers, armed and
 * counted scenarios, every scenario, and a tenant's arms when given.
 */
export function renderScenariosMarkdown(
  catalogue: ScenarioCatalogue,
  options: ScenarioRenderOptions = {},
): string {
  const out: string[] = [];
  const scenarios = catalogue.scenarios;
  out.push(`# ${md(options.title ?? 'Test scenarios')}`, '');
  out.push(
    scenarios.length === 0
      ? 'This sandbox declares no scenarios.'
      : `This sandbox simulates ${scenarios.length === 1 ? 'one scenario' : `${scenarios.length} scenarios`}: declines, errors and network failures your integration should handle. Each one answers as the real API would, in its own error shape.`,
    '',
  );

  const values = magicValues(catalogue, options);
  out.push('## Magic values', '');
  if (values.length === 0) out.push('No scenario is triggered by a value in the request.', '');
  else {
    out.push(
      'Send one of these values in a request to one of the operations listed, and the sandbox answers with the scenario. Values are compared as text (`666` in a form body and `666` in JSON are the same value).',
      '',
      '| Value | Where to put it | Operations | What happens | Scenario |',
      '| --- | --- | --- | --- | --- |',
    );
    for (const m of values)
      out.push(
        `| ${valueCell(m)} | ${whereCell(m)} | ${codes(m.operations)} | ${md(m.outcome)} | ${code(m.scenario)} |`,
      );
    out.push('');
  }

  out.push(
    '## Choosing a scenario by header',
    '',
    'Any scenario can be chosen for one request, whatever the request carries, with either header:',
    '',
    '```http',
    'Prefer: scenario=card_declined',
    'x-tapedeck-scenario: card_declined',
    '```',
    '',
    '`Prefer` follows RFC 7240: other preferences in the same header are ignored. A header wins over every other trigger. An unknown name is answered with a 400 in the API’s error shape listing the known names, and a scenario that does not apply to the request’s operation with a 400 saying so: a typo never passes silently. Answers a scenario gave carry `x-tapedeck-scenario: NAME`.',
    '',
  );

  const special = scenarios.filter((s) => s.triggers.some((t) => !('value' in t)));
  out.push('## Armed and counted scenarios', '');
  out.push(
    'An armed scenario fires on the tenant’s next requests to its operations (all of them, or the count given) until disarmed: `tapedeck scenarios arm NAME --tenant T [--count N] [--operation OP]`, or `POST /__tapedeck/tenants/T/scenarios` with `{"scenario": "NAME", "count": N}`; the scenarios that fire while armed are listed here. Counted scenarios fire on every Nth request of the tenant, or by a seeded chance; the count survives a restart, and a tenant reset starts it again.',
    '',
  );
  if (special.length === 0) out.push('No scenario fires by arming or counting alone.', '');
  else {
    out.push('| Scenario | Fires | Operations | What happens |', '| --- | --- | --- | --- |');
    for (const s of special)
      out.push(
        `| ${code(s.name)} | ${md(
          s.triggers
            .filter((t) => !('value' in t))
            .map(triggerText)
            .join('; '),
        )} | ${codes(s.operations)} | ${md(describeOutcome(s.outcome))} |`,
      );
    out.push('');
  }

  if (options.armed !== undefined) {
    const { tenant, arms } = options.armed;
    out.push(`## Armed for tenant ${code(tenant)}`, '');
    if (arms.length === 0) out.push('Nothing is armed.', '');
    else {
      out.push(
        '| Arm | Scenario | Operation | Firings left | Armed at (tenant clock) |',
        '| --- | --- | --- | --- | --- |',
      );
      for (const a of arms)
        out.push(
          `| ${code(a.id)} | ${code(a.scenario)} | ${a.operation === undefined ? 'all of its operations' : code(a.operation)} | ${a.remaining === undefined ? 'until disarmed' : String(a.remaining)} | ${md(a.armedAt)} |`,
        );
      out.push('');
    }
  }

  if (scenarios.length > 0) {
    out.push('## Every scenario', '');
    for (const s of scenarios) out.push(...scenarioSection(s));
  }
  return `${out.join('\n').trimEnd()}\n`;
}

function scenarioSection(s: LoadedScenario): string[] {
  return [
    `### ${code(s.name)}`,
    '',
    md(s.description),
    '',
    `- Operations: ${codes(s.operations)}`,
    `- Fires: ${['by header', ...s.triggers.map(triggerText)].map(md).join('; ')}`,
    `- What happens: ${md(describeOutcome(s.outcome))}`,
    `- Declared in: ${code(s.source)}${s.pointer === '' ? '' : ` at ${code(s.pointer)}`}`,
    '',
  ];
}
