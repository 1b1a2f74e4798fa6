/**
 * The work of one cassette: its interactions are re-sent in order (later steps may use values
 * earlier live answers created), each live answer redacted and scanned exactly as a recording
 * is, then compared with the recording. Raw live data stays inside this object.
 */
import type {
  Body,
  Cassette,
  HeaderMap,
  Interaction,
  RecordedRequest,
} from '../../core/cassette/model.js';
import {
  compareResponses,
  DEFAULT_DRIFT_HEADERS,
  volatilePointers,
} from '../../core/drift/compare.js';
import { summarize } from '../../core/drift/report.js';
import type {
  Finding,
  InteractionDrift,
  SpecVerdict,
  UncheckedReason,
} from '../../core/drift/model.js';
import { isTapedeckError } from '../../core/errors.js';
import { combinedHeaderValue, stripHopByHop } from '../../core/http/index.js';
import type { UpstreamRequest } from '../../core/ports/index.js';
import { SecretRegistry } from '../../core/redaction/registry.js';
import type { ScanFinding } from '../../core/redaction/scan.js';
import {
  changedHeaders,
  credentialParts,
  FlowValues,
  headerMapOf,
  isCredentialHeader,
  producedValues,
  requestHolds,
  SAFE_METHODS,
  sendableHeaders,
} from '../../core/drift/flows.js';
import { scanRedacted } from '../redaction/setup.js';
import { isoOf, recordedNoise, shownTarget } from './recorded.js';
import { sendWithRetries, type LiveAnswer, type SendResult } from './send.js';
import type { Checked, CheckedStep, DriftDeps, DriftOptions } from './types.js';

/**
 * A finding without its values: for answers the scanner says still hold something secret. The
 * stable path goes too: it names id-aligned array elements by their identity value
 * (`/items/[key=…]/plan`), and that value may be the secret.
 */
function withoutValues(finding: Finding): Finding {
  const { recorded: _r, live: _l, stablePath: _s, ...rest } = finding;
  return rest;
}

/** A live body that does not decode as its headers say: the step is "unreadable-body". */
class UnreadableBody extends Error {}

function stillSecret(leaks: readonly ScanFinding[]): string {
  return `the live answer still looks secret after redaction at ${leaks.map((l) => l.pointer).join(', ')}`;
}

/** The work of one cassette, in order: its interactions depend on each other through flows. */
export class CassetteRun {
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
      for (const part of credentialParts(real)) this.registry.remember(part, '[REDACTED]');
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
    const { headers, dropped, credentialsSent } = sendableHeaders(
      toSend.headers,
      this.options.credentials,
      carried,
      this.options.forwarded,
    );
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
    const withheld = this.withheldCredential(
      interaction,
      dropped,
      credentialsSent,
      first.answer.status,
    );
    if (withheld !== undefined)
      return { drift: this.unchecked(index, interaction, 'credential-not-mapped', withheld) };

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

  /**
   * A request sent without the credential it was recorded with says nothing about the API when
   * the answer is "unauthorized": that is the missing credential talking, not drift. Only when
   * a credential header (`isCredentialHeader`: the redaction's credential set, `cookie`
   * included) was withheld, no real credential was sent in its place (a mapped or carried one
   * that was sent and refused is the API talking: drift), and the recording had a different
   * status (a recorded 401 answered 401 again is compared as usual). A dropped header that is no
   * credential (`x-trace: tdp_…`) does not explain a 401 either: compared as usual.
   */
  private withheldCredential(
    interaction: Interaction,
    dropped: readonly string[],
    credentialsSent: readonly string[],
    liveStatus: number,
  ): string | undefined {
    if (liveStatus !== 401 && liveStatus !== 403) return undefined;
    if (interaction.response.status === liveStatus || credentialsSent.length > 0) return undefined;
    const withheld = dropped.filter(isCredentialHeader);
    if (withheld.length === 0) return undefined;
    const one = withheld.length === 1;
    return `${withheld.join(', ')} ${one ? 'held a pseudonym and was' : 'held pseudonyms and were'} not sent, and the API answered ${liveStatus}: map ${one ? 'it' : 'them'} in drift.credentials (docs/drift.md)`;
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
    } catch (error) {
      // Decoded past maxBodyBytes: the codec's message names the coding and the limit.
      if (isTapedeckError(error, 'TD_BODY_TOO_LARGE')) throw new UnreadableBody(error.message);
      // A live header value, shown unredacted: only when it is a plain list of coding names.
      const coding = combinedHeaderValue(headers, 'content-encoding') ?? '';
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
