/**
 * The drift job: re-send recorded requests to the live API, redact the answers exactly as a
 * recording is redacted, compare them with the recordings, date each finding from history, and
 * optionally re-record what drifted. The comparison and the report's shape are core/drift; the
 * renderers are core/render; this file sends, redacts and orchestrates.
 *
 * Raw live data (answers, carried ids and tokens, real credentials) stays in memory, inside one
 * cassette's run. Everything that leaves this module — findings, the report, log lines, updated
 * cassettes — was built from redacted data.
 */
import type {
  Body,
  Cassette,
  HeaderMap,
  Interaction,
  RecordedRequest,
  RecordedResponse,
} from '../../core/cassette/model.js';
import { CASSETTE_VERSION } from '../../core/cassette/model.js';
import {
  buildReport,
  compareResponses,
  DEFAULT_DRIFT_HEADERS,
  fingerprint,
  summarize,
  volatilePointers,
} from '../../core/drift/compare.js';
import type {
  DriftReport,
  Finding,
  InteractionDrift,
  SpecVerdict,
  UncheckedReason,
} from '../../core/drift/model.js';
import { isTapedeckError, TapedeckError } from '../../core/errors.js';
import { formatQuery, headerValue, stripHopByHop } from '../../core/http/index.js';
import { canonicalJson } from '../../core/json.js';
import type {
  BodyCodec,
  CassetteStore,
  Clock,
  Logger,
  StateStore,
  Upstream,
  UpstreamRequest,
} from '../../core/ports/index.js';
import { SecretRegistry } from '../../core/redaction/registry.js';
import type { ScanFinding } from '../../core/redaction/scan.js';
import {
  changedHeaders,
  FlowValues,
  headerMapOf,
  producedValues,
  requestHolds,
  SAFE_METHODS,
  sendableHeaders,
  type LiveCredentials,
} from '../../core/drift/flows.js';
import { sendWithRetries, type LiveAnswer, type SendResult } from './send.js';
import { scanRedacted, type RedactionSetup } from '../redaction/setup.js';

export interface DriftDeps {
  readonly store: CassetteStore;
  /** Bound to the target origin; never follows redirects. */
  readonly upstream: Upstream;
  readonly codec: BodyCodec;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly redaction: RedactionSetup;
  /** Drift history; without it every finding counts as new. */
  readonly history?: Pick<StateStore, 'recordDriftFindings'>;
  /** Checks a response against the OpenAPI spec (`--spec`); absent without one. */
  readonly spec?: SpecCheck;
  /** Waits between retries (tests pass a fast one). */
  readonly sleep?: (ms: number) => Promise<unknown>;
}

/** Violations of the spec by one response to one request: JSON pointer and message. */
export type SpecCheck = (
  request: RecordedRequest,
  response: RecordedResponse,
) => { readonly pointer: string; readonly message: string }[];

export interface DriftOptions {
  /** The origin (and base path) checked, as shown in the report. */
  readonly target: string;
  readonly concurrency: number;
  readonly retries: number;
  readonly timeoutMs: number;
  readonly maxBodyBytes: number;
  /** Send safe requests twice and learn what differs as noise. */
  readonly learn: boolean;
  /** JSON paths pinned as noise everywhere, and per cassette. */
  readonly ignore: readonly string[];
  readonly ignorePerCassette: readonly {
    readonly cassette: string;
    readonly paths: readonly string[];
  }[];
  /** Response headers compared besides the built-in list. */
  readonly headers: readonly string[];
  /** Real credentials by request header name; registered as secrets before anything is sent. */
  readonly credentials: LiveCredentials;
  /** Re-record drifted interactions. */
  readonly update: boolean;
  /** Only these cassettes (all when absent). */
  readonly only?: readonly string[];
  readonly onProgress?: (progress: DriftProgress) => void;
}

export interface DriftProgress {
  readonly done: number;
  readonly total: number;
  readonly cassette: string;
}

export interface UpdatedInteraction {
  readonly cassette: string;
  readonly index: number;
  readonly method: string;
  readonly target: string;
}

export interface DriftRun {
  readonly report: DriftReport;
  /** Interactions re-recorded by `update`. */
  readonly updated: readonly UpdatedInteraction[];
  /** Drifted interactions `update` did not write, and why (secret-free). */
  readonly notUpdated: readonly (UpdatedInteraction & { readonly why: string })[];
}

/** The recorded path and query, as reports show it. */
export function shownTarget(request: RecordedRequest): string {
  const query = formatQuery(request.query);
  return query === '' ? request.path : `${request.path}?${query}`;
}

/** Identity of a request inside one cassette, for learning noise from repeated recordings. */
function requestKey(request: RecordedRequest): string {
  const body = request.body;
  const bodyKey =
    body === undefined
      ? ''
      : body.encoding === 'json'
        ? canonicalJson(body.json)
        : body.encoding === 'text'
          ? body.text
          : body.base64;
  return `${request.method} ${shownTarget(request)} ${bodyKey}`;
}

/**
 * Noise learned from the recording itself: where two recorded answers to the same request in
 * one cassette differ, the API changes that field on every call. Only answers with no unsafe
 * request between them are compared: `GET /orders/1` before and after `POST /orders/1/pay`
 * differ because the state changed, and learning `/status` as noise would hide its drift.
 */
function recordedNoise(cassette: Cassette): Map<number, Set<string>> {
  const groups = new Map<string, number[]>();
  let epoch = 0;
  cassette.interactions.forEach((it, i) => {
    if (!SAFE_METHODS.has(it.request.method)) epoch++;
    const key = `${epoch} ${requestKey(it.request)}`;
    const list = groups.get(key);
    if (list === undefined) groups.set(key, [i]);
    else list.push(i);
  });
  const out = new Map<number, Set<string>>();
  for (const indexes of groups.values()) {
    if (indexes.length < 2) continue;
    const pointers = new Set<string>();
    for (let k = 1; k < indexes.length; k++) {
      const a = cassette.interactions[indexes[k - 1]!]!.response;
      const b = cassette.interactions[indexes[k]!]!.response;
      for (const p of volatilePointers(a, b)) pointers.add(p);
    }
    for (const i of indexes) out.set(i, pointers);
  }
  return out;
}

/**
 * A finding without its values: for answers the scanner says still hold something secret. The
 * stable path goes too: it names id-aligned array elements by their identity value
 * (`/items/[key=…]/plan`), and that value may be the secret.
 */
function withoutValues(finding: Finding): Finding {
  const { recorded: _r, live: _l, stablePath: _s, ...rest } = finding;
  return rest;
}

function isoOf(ms: number): string {
  return new Date(ms).toISOString();
}

/** A live body that does not decode as its headers say: the step is "unreadable-body". */
class UnreadableBody extends Error {}

interface Checked {
  readonly drift: InteractionDrift;
  /** The redacted live interaction, for --update (only when it passed the scanner). */
  readonly replacement?: Interaction;
  /** Why a drifted interaction has no replacement (secret-free). */
  readonly notReplaced?: string;
}

function stillSecret(leaks: readonly ScanFinding[]): string {
  return `the live answer still looks secret after redaction at ${leaks.map((l) => l.pointer).join(', ')}`;
}

interface CheckedStep extends Checked {
  /** The interaction as it was recorded, to find it again when writing updates. */
  readonly original: Interaction;
}

/** The work of one cassette, in order: its interactions depend on each other through flows. */
class CassetteRun {
  private readonly registry = new SecretRegistry();
  private readonly flow = new FlowValues();
  /** Values produced by steps that could not be checked: later steps using them are broken. */
  private readonly brokenValues = new Map<string, string>();
  private readonly noise: Map<number, Set<string>>;
  private readonly ignore: readonly string[];
  private readonly headers: readonly string[];
  private readonly warnedDropped = new Set<string>();

  constructor(
    private readonly name: string,
    private readonly cassette: Cassette,
    private readonly deps: DriftDeps,
    private readonly options: DriftOptions,
  ) {
    this.noise = recordedNoise(cassette);
    this.ignore = [
      ...options.ignore,
      ...options.ignorePerCassette.filter((e) => e.cassette === name).flatMap((e) => e.paths),
    ];
    this.headers = [...new Set([...DEFAULT_DRIFT_HEADERS, ...options.headers])];
    // The real credentials are secrets before anything is sent: value tracking replaces them
    // wherever an answer echoes them, in any encoding.
    for (const [header, real] of options.credentials) {
      deps.redaction.redactor.redactRequest(
        { method: 'GET', path: '/', query: {}, headers: { [header]: real } },
        this.registry,
      );
      this.registry.remember(real, '[REDACTED]');
      const bare = /^\S+\s+(\S+)$/.exec(real.trim())?.[1];
      if (bare !== undefined) this.registry.remember(bare, '[REDACTED]');
    }
  }

  async run(onDone: () => void): Promise<CheckedStep[]> {
    const out: CheckedStep[] = [];
    for (let i = 0; i < this.cassette.interactions.length; i++) {
      const interaction = this.cassette.interactions[i]!;
      let checked: Checked;
      try {
        checked = await this.check(i, interaction);
      } catch (error) {
        // A bug or a malformed recording must not stop the job: this step is reported unchecked.
        const detail = isTapedeckError(error)
          ? `${error.code}: ${error.message}`
          : 'internal error';
        this.deps.logger.log(
          'error',
          'drift.failed',
          `drift: ${this.name} #${i} could not be checked: ${detail}`,
          {
            code: isTapedeckError(error) ? error.code : 'TD_INTERNAL',
            cassette: this.name,
            index: i,
          },
        );
        checked = { drift: this.unchecked(i, interaction, 'internal-error', detail) };
      }
      if (checked.drift.outcome === 'unchecked') {
        const step = `#${i} ${interaction.request.method} ${shownTarget(interaction.request)}`;
        const earlier = this.cassette.interactions.slice(0, i);
        for (const v of producedValues(interaction.request, interaction.response.body, earlier))
          if (!this.brokenValues.has(v)) this.brokenValues.set(v, step);
      }
      out.push({ ...checked, original: interaction });
      onDone();
    }
    return out;
  }

  /** The earlier unchecked step whose value this request uses, if any. */
  private brokenStep(request: RecordedRequest): string | undefined {
    if (this.brokenValues.size === 0) return undefined;
    for (const [value, step] of this.brokenValues)
      if (requestHolds(request, new Set([value]))) return step;
    return undefined;
  }

  private base(index: number, interaction: Interaction) {
    return {
      cassette: this.name,
      index,
      method: interaction.request.method,
      target: shownTarget(interaction.request),
      recordedStatus: interaction.response.status,
    };
  }

  private unchecked(
    index: number,
    interaction: Interaction,
    reason: UncheckedReason,
    detail: string,
  ): InteractionDrift {
    return {
      ...this.base(index, interaction),
      outcome: 'unchecked',
      findings: [],
      unchecked: { reason, detail },
    };
  }

  private async check(index: number, interaction: Interaction): Promise<Checked> {
    const { request } = interaction;
    const replayable = interaction.replayable === true || this.cassette.meta?.replayable === true;
    if (!SAFE_METHODS.has(request.method) && !replayable) {
      return {
        drift: this.unchecked(
          index,
          interaction,
          'unsafe-method',
          'mark the interaction or its cassette "replayable": true to check it',
        ),
      };
    }
    const brokenBy = this.brokenStep(request);
    if (brokenBy !== undefined) {
      return {
        drift: this.unchecked(
          index,
          interaction,
          'flow-broken',
          `it uses a value from ${brokenBy}`,
        ),
      };
    }

    const toSend = this.flow.apply(request, 'send');
    const carried = changedHeaders(request.headers, toSend.headers);
    const { headers, dropped } = sendableHeaders(toSend.headers, this.options.credentials, carried);
    for (const name of dropped) {
      if (this.warnedDropped.has(name)) continue;
      this.warnedDropped.add(name);
      this.deps.logger.log(
        'warn',
        'drift.placeholder',
        `drift: ${this.name}: header ${name} holds a pseudonym and no real value is configured, so it is not sent. Map it to an environment variable in drift.credentials (docs/drift.md).`,
        { cassette: this.name, header: name },
      );
    }
    const outgoing: UpstreamRequest = {
      method: toSend.method,
      target: shownTarget(toSend),
      headers,
      body: toSend.body === undefined ? undefined : this.deps.codec.encode(toSend.body),
    };
    const policy = {
      timeoutMs: this.options.timeoutMs,
      retries: this.options.retries,
      maxBodyBytes: this.options.maxBodyBytes,
      clock: this.deps.clock,
      ...(this.deps.sleep === undefined ? {} : { sleep: this.deps.sleep }),
    };
    const first = await sendWithRetries(this.deps.upstream, outgoing, policy);
    if (!first.ok) return { drift: this.unchecked(index, interaction, first.reason, first.detail) };

    let live: ReturnType<CassetteRun['redactLive']>;
    try {
      live = this.redactLive(toSend, headers, first.answer);
    } catch (error) {
      if (!(error instanceof UnreadableBody)) throw error;
      return { drift: this.unchecked(index, interaction, 'unreadable-body', error.message) };
    }
    const volatile = new Set(this.noise.get(index) ?? []);
    // Values a flow carried from an earlier live answer differ from the recording by design.
    for (const p of this.flow.carriedPointers(interaction.response.body)) volatile.add(p);
    this.flow.learn(interaction.response.body, live.rawBody, live.interaction.response.body);
    // Ids and tokens a replayed unsafe request created are new on every call.
    if (!SAFE_METHODS.has(request.method))
      for (const p of this.flow.carriedPointers(interaction.response.body)) volatile.add(p);

    if (this.options.learn && SAFE_METHODS.has(request.method)) {
      const second: SendResult = await sendWithRetries(this.deps.upstream, outgoing, policy);
      const again = second.ok ? this.redactLiveOrSkip(toSend, headers, second.answer) : undefined;
      if (again !== undefined) {
        for (const p of volatilePointers(live.interaction.response, again.interaction.response))
          volatile.add(p);
      }
    }

    let findings = compareResponses(interaction.response, live.interaction.response, {
      ignore: this.ignore,
      volatile,
      headers: this.headers,
    });
    if (live.leaks.length > 0) {
      findings = findings.map(withoutValues);
      this.deps.logger.log(
        'warn',
        'drift.secret',
        `drift: the live answer to ${request.method} ${shownTarget(request)} (${this.name} #${index}) still looks secret after redaction at ${live.leaks.map((l) => `${l.pointer} (${l.rule})`).join(', ')}; its values are left out of the report. Add a redaction rule for it (docs/redaction.md).`,
        { code: 'TD_SECRET_DETECTED', cassette: this.name, index, findings: live.leaks },
      );
    }
    const summary = summarize(findings);
    const spec = this.specVerdict(interaction, live.interaction);
    const drift: InteractionDrift = {
      ...this.base(index, interaction),
      outcome: summary.outcome,
      ...(summary.severity === undefined ? {} : { severity: summary.severity }),
      liveStatus: first.answer.status,
      findings,
      ...(spec === undefined ? {} : { spec }),
    };
    if (summary.outcome !== 'drift') return { drift };
    if (live.leaks.length > 0) return { drift, notReplaced: stillSecret(live.leaks) };
    // A server fault is what staging did tonight, not what the API is now.
    if (first.answer.status >= 500 && interaction.response.status < 500) {
      return {
        drift,
        notReplaced: `the live answer is a server error (${first.answer.status}), not a new baseline`,
      };
    }
    const replacement: Interaction = {
      ...interaction,
      request: this.flow.apply(request, 'record'),
      response: live.interaction.response,
      latencyMs: first.answer.latencyMs,
      recordedAt: isoOf(this.deps.clock.now()),
    };
    // The same guard as every write of `tapedeck record`: the whole interaction, scanned.
    const leaks = this.scan(replacement);
    return leaks.length > 0 ? { drift, notReplaced: stillSecret(leaks) } : { drift, replacement };
  }

  private specVerdict(recorded: Interaction, live: Interaction): SpecVerdict | undefined {
    const check = this.deps.spec;
    if (check === undefined) return undefined;
    return {
      recording: check(recorded.request, recorded.response),
      live: check(recorded.request, live.response),
    };
  }

  /**
   * The live answer in the cassette model, redacted and scanned exactly as `tapedeck record`
   * redacts and scans an interaction before writing it (same redactor, a registry per cassette
   * that already knows the real credentials). `rawBody` is for carrying values only.
   */
  private redactLive(
    sent: RecordedRequest,
    sentHeaders: readonly (readonly [string, string])[],
    answer: LiveAnswer,
  ): { interaction: Interaction; rawBody: Body | undefined; leaks: ScanFinding[] } {
    const headers: HeaderMap = stripHopByHop(answer.headers);
    let rawBody: Body | undefined;
    try {
      rawBody = this.deps.codec.decode(answer.body, headers);
    } catch {
      // A live header value, shown unredacted: only when it is a plain list of coding names.
      const coding = headerValue(headers, 'content-encoding') ?? '';
      const shown = /^[\w.-]+(?:\s*,\s*[\w.-]+)*$/.test(coding) && coding.length <= 40;
      throw new UnreadableBody(
        `the body does not decode as its content-encoding (${shown ? coding : 'unnamed'}) says`,
      );
    }
    const stored: HeaderMap = { ...headers };
    if (rawBody !== undefined) delete stored['content-length'];
    const raw: Interaction = {
      request: { ...sent, headers: headerMapOf(sentHeaders) },
      response: {
        status: answer.status,
        headers: stored,
        ...(rawBody === undefined ? {} : { body: rawBody }),
      },
      latencyMs: answer.latencyMs,
      recordedAt: isoOf(this.deps.clock.now()),
    };
    const { value } = this.deps.redaction.redactor.redactInteraction(raw, this.registry);
    // The response is what reports show; the request sent is never shown or written.
    const leaks = this.scan(value).filter((f) => f.pointer.startsWith('/response'));
    return { interaction: value, rawBody, leaks };
  }

  /** A second answer only teaches noise: one that does not decode teaches nothing. */
  private redactLiveOrSkip(...args: Parameters<CassetteRun['redactLive']>) {
    try {
      return this.redactLive(...args);
    } catch (error) {
      if (error instanceof UnreadableBody) return undefined;
      throw error;
    }
  }

  private scan(interaction: Interaction): ScanFinding[] {
    return scanRedacted(this.deps.redaction, interaction, this.registry);
  }
}

/** Runs `work` over `items` with at most `limit` at a time, keeping results in input order. */
async function pooled<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>) {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

/**
 * The drift job. Cassettes run in parallel up to `concurrency`; the interactions of one cassette
 * run in order. Always finishes: what could not be checked is reported as such, never as drift.
 * Malformed cassettes stop it before anything is sent (they are reported with file and pointer).
 */
export async function runDrift(deps: DriftDeps, options: DriftOptions): Promise<DriftRun> {
  const { store, clock, logger } = deps;
  const started = clock.now();
  const startedMono = clock.monotonic();
  const { cassettes, problems } = await store.loadAll();
  if (problems.length > 0) throw problems[0]!.error;
  const selected =
    options.only === undefined
      ? cassettes
      : cassettes.filter((c) => options.only!.includes(c.name));
  if (options.only !== undefined) {
    const missing = options.only.filter((n) => !cassettes.some((c) => c.name === n));
    if (missing.length > 0) {
      throw new TapedeckError('TD_USAGE', `No cassette named ${missing.join(', ')}.`, {
        hint: 'Cassette names are file paths below the cassettes directory, without .json.',
      });
    }
  }
  const total = selected.reduce((n, c) => n + c.cassette.interactions.length, 0);
  let done = 0;
  logger.log(
    'info',
    'drift.start',
    `drift: checking ${total} interaction(s) in ${selected.length} cassette(s) against ${options.target}`,
  );

  const perCassette = await pooled(selected, options.concurrency, ({ name, cassette }) =>
    new CassetteRun(name, cassette, deps, options).run(() => {
      done++;
      options.onProgress?.({ done, total, cassette: name });
    }),
  );

  // History: when each finding (not noise) was first seen.
  let interactions: InteractionDrift[] = perCassette.flat().map((c) => c.drift);
  if (deps.history !== undefined) {
    const prints = interactions.map((it) =>
      it.findings
        .filter((f) => f.severity !== 'noise')
        .map((f) => fingerprint(it.cassette, it.method, it.target, f)),
    );
    const firstSeen = deps.history.recordDriftFindings(prints.flat(), started);
    interactions = interactions.map((it, i) => {
      const known: Record<string, string> = {};
      for (const fp of prints[i]!) {
        const first = firstSeen.get(fp);
        if (first !== undefined && first < started) known[fp] = isoOf(first);
      }
      return Object.keys(known).length === 0 ? it : { ...it, firstSeen: known };
    });
  }

  const updated: UpdatedInteraction[] = [];
  const notUpdated: (UpdatedInteraction & { why: string })[] = [];
  if (options.update) {
    const indexes = selected.map((_, i) => i);
    const results = await pooled(indexes, options.concurrency, (i) =>
      writeUpdates(store, selected[i]!.name, perCassette[i]!),
    );
    for (const r of results) {
      updated.push(...r.updated);
      notUpdated.push(...r.notUpdated);
    }
    for (const u of updated) {
      logger.log(
        'info',
        'drift.updated',
        `drift: re-recorded ${u.cassette} #${u.index} ${u.method} ${u.target}`,
        {
          cassette: u.cassette,
          index: u.index,
        },
      );
    }
  }

  const finished = clock.now();
  const report = buildReport({
    target: options.target,
    startedAt: isoOf(started),
    finishedAt: isoOf(finished),
    durationMs: Math.round(clock.monotonic() - startedMono),
    interactions,
  });
  return { report, updated, notUpdated };
}

/** Writes the re-recorded interactions of one cassette in one atomic update. */
async function writeUpdates(store: CassetteStore, name: string, checked: readonly CheckedStep[]) {
  const updated: UpdatedInteraction[] = [];
  const notUpdated: (UpdatedInteraction & { why: string })[] = [];
  const replace = new Map<number, Interaction>();
  for (const c of checked) {
    if (c.drift.outcome !== 'drift') continue;
    const id = {
      cassette: name,
      index: c.drift.index,
      method: c.drift.method,
      target: c.drift.target,
    };
    if (c.replacement !== undefined) replace.set(c.drift.index, c.replacement);
    else notUpdated.push({ ...id, why: c.notReplaced ?? 'no live answer to record' });
  }
  if (replace.size === 0) return { updated, notUpdated };
  await store.update(name, (current): Cassette => {
    if (current === undefined) return { version: CASSETTE_VERSION, interactions: [] };
    const interactions = current.interactions.map((it, i) => {
      const next = replace.get(i);
      // Only when the cassette still holds the request that was checked at this position.
      if (next === undefined || requestKey(it.request) !== requestKey(checked[i]!.original.request))
        return it;
      updated.push({
        cassette: name,
        index: i,
        method: it.request.method,
        target: shownTarget(it.request),
      });
      return next;
    });
    return { ...current, interactions };
  });
  for (const [i] of replace) {
    if (!updated.some((u) => u.index === i)) {
      const c = checked[i]!;
      notUpdated.push({
        cassette: name,
        index: i,
        method: c.drift.method,
        target: c.drift.target,
        why: 'the cassette changed on disk while drift ran',
      });
    }
  }
  return { updated, notUpdated };
}
