import type {
  Body,
  Cassette,
  CassetteMeta,
  HeaderMap,
  Interaction,
  WebhookSample,
} from '../../core/cassette/model.js';
import { CASSETTE_VERSION } from '../../core/cassette/model.js';
import { isTapedeckError, TapedeckError } from '../../core/errors.js';
import type { CassetteStore, Clock, Logger } from '../../core/ports/index.js';
import type { Scheduler } from '../../core/ports/scheduler.js';
import { PreviousInteractions } from '../../core/cassette/unchanged.js';
import { SecretRegistry } from '../../core/redaction/registry.js';
import { scanRedacted, type RedactionSetup } from '../redaction/setup.js';
import type { RecordMode } from '../config/config.js';
import type { ServerStats } from '../pipeline/stats.js';
import { asInteraction } from '../verify/verify.js';

export interface RecorderOptions {
  readonly store: CassetteStore;
  readonly mode: RecordMode;
  readonly meta: CassetteMeta;
  readonly logger: Logger;
  readonly stats: ServerStats;
  readonly redaction: RedactionSetup;
  /** Reads how long writes take and how long ago the last one ended (`monotonic()`). */
  readonly clock: Clock;
  /** Runs the deferred work and the writes that wait for their turn. */
  readonly scheduler: Scheduler;
  /**
   * The shortest time between the end of one write of a cassette and the start of the next
   * (milliseconds); `WRITE_INTERVAL_MS` unless given. `drain()` never waits for it.
   */
  readonly writeIntervalMs?: number;
}

/**
 * Default pause between two writes of one cassette. Every write rewrites the whole file (temp
 * file, fsync, rename), so a busy recording session writes a few times a second instead of once
 * per request, each write carrying everything that finished meanwhile.
 */
export const WRITE_INTERVAL_MS = 100;

/**
 * The pause after a write is also at least this many times as long as that write took. A write
 * rewrites the whole file, so its cost grows with the cassette: with a fixed pause, a session
 * that has recorded 10,000 interactions (tens of MB) would spend most of its time rewriting
 * them. With this factor writing takes at most 1/(1 + factor) of the time whatever the size.
 * What a crash can lose stays bounded: the interactions that finished during the last pause,
 * max(writeIntervalMs, factor × the last write's duration), plus those of the write in flight.
 */
export const WRITE_COST_FACTOR = 4;

/**
 * While a cassette cannot be written (ENOSPC, a read-only folder, EACCES), its interactions stay
 * in memory and the write is tried again this often (milliseconds); requests that would be
 * recorded into it are refused meanwhile (`refusal`), so what is held stays bounded.
 */
export const RETRY_WRITE_MS = 1_000;

/** A webhook as it arrived (`record --webhooks`), before redaction: held in memory only. */
export interface RawWebhook {
  /** The path it was posted to (redacted with the rest; never stored). */
  readonly path: string;
  /** Lower-cased names, without the scheme's signature headers. */
  readonly headers: HeaderMap;
  readonly body: Body | undefined;
  /** ISO-8601 UTC time it arrived. */
  readonly receivedAt: string;
}

/**
 * What became of a webhook handed to `recordWebhook`: queued for the next write, held back
 * because it still looked secret after redaction, or not kept because it names no event type
 * (or has no body), which a sample needs.
 */
export type WebhookOutcome =
  | { readonly kind: 'queued'; readonly type: string }
  | { readonly kind: 'blocked' }
  | { readonly kind: 'untyped' };

/** What waits for a cassette's next write. */
interface Batch {
  readonly interactions: Interaction[];
  readonly webhooks: WebhookSample[];
}

/** Where a scan of the synthetic interaction around a webhook points, seen from the sample. */
function samplePointer(pointer: string): string {
  return pointer.startsWith('/request/') ? pointer.slice('/request'.length) : pointer;
}

/** A sample's event type: 1 to 200 characters, as the cassette format allows. */
function usableType(type: string | undefined): type is string {
  return type !== undefined && type !== '' && [...type].length <= 200;
}

/**
 * Appends redacted interactions, and the webhooks staging sent meanwhile (`recordWebhook`), to
 * cassettes. What finishes close together is written in one atomic update per cassette: while a
 * write is in flight, and for `writeIntervalMs` after it ends, new ones queue for the next write.
 * In `all` mode the first write of a run with interactions replaces the cassette's old
 * interactions, and the first with webhooks its old webhooks; later ones append. A run that
 * records no webhooks leaves the recorded ones alone.
 */
export class CassetteRecorder {
  private readonly pending = new Map<string, Batch>();
  /** Per cassette, the next write: waiting for its turn, or in flight. */
  private readonly writing = new Map<string, Promise<void>>();
  /** Per cassette whose next write waits for its turn: starts it at once. */
  private readonly hurry = new Map<string, () => void>();
  /** When the last write of each cassette ended (clock.monotonic()), and how long it took. */
  private readonly lastWrite = new Map<string, { end: number; took: number }>();
  /** Finished responses whose interactions are still to be redacted and queued (`recordLater`). */
  private deferred: {
    cassette: string;
    build: () => Interaction;
    failed: (error: unknown) => void;
  }[] = [];
  private deferredScheduled = false;
  private readonly rewritten = new Set<string>();
  /** Mode all: the cassettes whose old webhooks this run has replaced. */
  private readonly rewrittenWebhooks = new Set<string>();
  /**
   * Mode all: per cassette, what it held before this run replaced it. An exchange recorded again
   * unchanged (but for timing and volatile headers) keeps its stored interaction, byte for byte.
   */
  private readonly previous = new Map<string, PreviousInteractions>();
  private readonly writeIntervalMs: number;
  /** Calls of drain() under way: while any is, writes start without waiting. */
  private draining = 0;
  /** Per cassette whose last write failed: the error, until a write succeeds. */
  private readonly failing = new Map<string, TapedeckError>();

  /** Secrets seen per cassette during this run, so later interactions get the same pseudonyms. */
  private readonly registries = new Map<string, SecretRegistry>();

  constructor(private readonly options: RecorderOptions) {
    this.writeIntervalMs = options.writeIntervalMs ?? WRITE_INTERVAL_MS;
  }

  /**
   * `record(cassette, build())`, on a later turn of the event loop: the caller (the upstream
   * layer, when a response body has ended) returns at once, so the response is finished and
   * flushed to the client before the recording work (decoding, redaction, the scan) starts, and
   * that work never adds to the client's latency. `build` returns the raw interaction; when it
   * or the recording throws, `failed` gets the error (and should log it without the raw
   * interaction, which may hold secrets). `drain()` runs what is still deferred first.
   */
  recordLater(cassette: string, build: () => Interaction, failed: (error: unknown) => void): void {
    this.deferred.push({ cassette, build, failed });
    if (this.deferredScheduled) return;
    this.deferredScheduled = true;
    this.options.scheduler.setImmediate(() => this.runDeferred());
  }

  private runDeferred(): void {
    this.deferredScheduled = false;
    const work = this.deferred;
    this.deferred = [];
    for (const { cassette, build, failed } of work) {
      try {
        this.record(cassette, build());
      } catch (error) {
        failed(error);
      }
    }
  }

  /**
   * The one door to disk: redacts an interaction (rules, built-in detectors, value tracking
   * with this cassette's registry), scans the result, and queues it only if the scanner finds
   * nothing. The raw interaction never leaves memory. The client already has its response.
   */
  record(cassette: string, raw: Interaction): void {
    const { redaction, logger, stats } = this.options;
    const registry = this.registryOf(cassette);
    const { value, findings } = redaction.redactor.redactInteraction(raw, registry);
    const line = `${value.request.method} ${value.request.path}`;
    if (findings.length > 0 && logger.enabled('debug')) {
      logger.log(
        'debug',
        'record.redacted',
        `redacted ${findings.length} value(s) in ${line}: ${[...new Set(findings.map((f) => `${f.location} (${f.rule})`))].join(', ')}`,
      );
    }
    const leaks = scanRedacted(redaction, value, registry);
    if (leaks.length > 0) {
      stats.blocked += 1;
      logger.log(
        'warn',
        'record.blocked',
        `not recorded: ${line} still looks secret after redaction at ${leaks.map((l) => `${l.pointer} (${l.rule})`).join(', ')}. Add a rule for it (docs/redaction.md); the client got its response.`,
        { code: 'TD_SECRET_DETECTED', findings: leaks },
      );
      return;
    }
    this.add(cassette, (batch) => batch.interactions.push(value));
  }

  /**
   * The door to disk for a webhook staging sent (`record --webhooks`): redacted as a POST to
   * its path would be, with this cassette's registry (so a value gets the pseudonym it has in
   * the interactions), scanned, and queued for the cassette's next write only if the scanner
   * finds nothing. `typeOf` reads the event type from the redacted headers and body. The raw
   * webhook never leaves memory; findings are logged as pointers only.
   */
  recordWebhook(
    cassette: string,
    raw: RawWebhook,
    typeOf: (redacted: { headers: HeaderMap; body: Body }) => string | undefined,
  ): WebhookOutcome {
    const { redaction, logger } = this.options;
    if (raw.body === undefined) return this.untyped(cassette, 'it has no body');
    const registry = this.registryOf(cassette);
    const { value, findings } = redaction.redactor.redactRequest(
      { method: 'POST', path: raw.path, query: {}, headers: raw.headers, body: raw.body },
      registry,
    );
    if (findings.length > 0 && logger.enabled('debug')) {
      logger.log(
        'debug',
        'record.redacted',
        `redacted ${findings.length} value(s) in a webhook: ${[...new Set(findings.map((f) => `${f.location} (${f.rule})`))].join(', ')}`,
      );
    }
    const body = value.body ?? raw.body;
    const type = typeOf({ headers: value.headers, body });
    // The scan sees what is stored: the headers and body. The type is read from them.
    const leaks = scanRedacted(
      redaction,
      asInteraction({ type: '', receivedAt: raw.receivedAt, headers: value.headers, body }),
      registry,
    );
    const named = usableType(type) ? `webhook ${type}` : 'a webhook';
    // The server's counts are of interactions; a webhook's fate is in the log only.
    if (leaks.length > 0) {
      const pointers = leaks.map((l) => ({ ...l, pointer: samplePointer(l.pointer) }));
      logger.log(
        'warn',
        'record.blocked',
        `not recorded: ${named} still looks secret after redaction at ${pointers.map((l) => `${l.pointer} (${l.rule})`).join(', ')}. Add a rule for it (docs/redaction.md); staging got its answer as usual.`,
        { code: 'TD_SECRET_DETECTED', findings: pointers },
      );
      return { kind: 'blocked' };
    }
    if (!usableType(type))
      return this.untyped(cassette, 'it names no event type (1 to 200 characters)');
    const sample: WebhookSample = {
      type,
      receivedAt: raw.receivedAt,
      headers: value.headers,
      body,
    };
    this.add(cassette, (batch) => batch.webhooks.push(sample));
    return { kind: 'queued', type };
  }

  private untyped(cassette: string, why: string): WebhookOutcome {
    this.options.logger.log(
      'warn',
      'record.webhook_skipped',
      `not recorded: a webhook for cassette ${cassette}, because ${why}; staging got its answer as usual.`,
      { cassette },
    );
    return { kind: 'untyped' };
  }

  private registryOf(cassette: string): SecretRegistry {
    let registry = this.registries.get(cassette);
    if (registry === undefined) {
      registry = new SecretRegistry();
      this.registries.set(cassette, registry);
    }
    return registry;
  }

  private add(cassette: string, put: (batch: Batch) => void): void {
    const queue = this.pending.get(cassette);
    if (queue) {
      put(queue);
      return;
    }
    const batch: Batch = { interactions: [], webhooks: [] };
    put(batch);
    this.pending.set(cassette, batch);
    if (!this.writing.has(cassette)) this.schedule(cassette);
  }

  /**
   * Plans the next write of a cassette: on the next turn of the event loop, or, when its last
   * write ended less than `writeIntervalMs` ago, when that much time has passed (or when
   * drain() asks for it). Everything queued by then goes in that one write.
   */
  private schedule(cassette: string): void {
    const { clock, scheduler } = this.options;
    const last = this.lastWrite.get(cassette);
    const pause = this.failing.has(cassette)
      ? RETRY_WRITE_MS
      : Math.max(this.writeIntervalMs, WRITE_COST_FACTOR * (last?.took ?? 0));
    const wait =
      this.draining > 0 || last === undefined ? 0 : Math.ceil(last.end + pause - clock.monotonic());
    const turn = new Promise<void>((resolve) => {
      if (wait <= 0) {
        scheduler.setImmediate(resolve);
        return;
      }
      const timer = scheduler.setTimeout(go, wait);
      function go(): void {
        timer.cancel();
        resolve();
      }
      this.hurry.set(cassette, go);
    });
    let started = 0;
    const run = turn.then(() => {
      this.hurry.delete(cassette);
      started = clock.monotonic();
      return this.write(cassette);
    });
    this.writing.set(cassette, run);
    void run.finally(() => {
      const end = clock.monotonic();
      this.lastWrite.set(cassette, { end, took: end - started });
      this.writing.delete(cassette);
      if (this.pending.has(cassette)) this.schedule(cassette);
    });
  }

  private async write(cassette: string): Promise<void> {
    const batch = this.pending.get(cassette);
    this.pending.delete(cassette);
    if (batch === undefined) return;
    const count = batch.interactions.length + batch.webhooks.length;
    if (count === 0) return;
    const all = this.options.mode === 'all';
    const replace = all && batch.interactions.length > 0 && !this.rewritten.has(cassette);
    const replaceWebhooks =
      all && batch.webhooks.length > 0 && !this.rewrittenWebhooks.has(cassette);
    try {
      await this.options.store.update(cassette, (current): Cassette => {
        const base = replace || current === undefined ? [] : current.interactions;
        const baseWebhooks = replaceWebhooks ? [] : (current?.webhooks ?? []);
        if (base.length > 0 || baseWebhooks.length > 0)
          this.checkKey(cassette, current?.meta?.keyId);
        let previous = this.previous.get(cassette);
        if (replace) {
          previous = new PreviousInteractions(current?.interactions ?? []);
          this.previous.set(cassette, previous);
        }
        const webhooks = [...baseWebhooks, ...batch.webhooks];
        return {
          version: CASSETTE_VERSION,
          meta: { ...current?.meta, ...this.options.meta },
          interactions: [
            ...base,
            ...(previous === undefined
              ? batch.interactions
              : batch.interactions.map((i) => previous.keep(i))),
          ],
          // A cassette that never had webhooks stays as it was: no empty list is added.
          ...(webhooks.length === 0 ? {} : { webhooks }),
        };
      });
      if (replace) this.rewritten.add(cassette);
      if (replaceWebhooks) this.rewrittenWebhooks.add(cassette);
      if (this.failing.delete(cassette))
        this.options.logger.log(
          'info',
          'record.recovered',
          `cassette ${cassette} is writable again: ${describe(batch)} held in memory are written, and requests are recorded again`,
          { cassette },
        );
      for (let i = 0; i < batch.interactions.length; i++) this.options.stats.wasRecorded(cassette);
      this.options.logger.log(
        'debug',
        'record.written',
        `recorded ${describe(batch)} to ${cassette}`,
        {
          cassette,
          count: batch.interactions.length,
          ...(batch.webhooks.length === 0 ? {} : { webhooks: batch.webhooks.length }),
        },
      );
    } catch (error) {
      const code = isTapedeckError(error) ? error.code : 'TD_CASSETTE_WRITE_FAILED';
      const message = (error as Error).message;
      // A cassette that no longer parses (TD_CASSETTE_INVALID) is never overwritten: nothing
      // to wait for. Nor at stop: what cannot be written then is lost, and said so.
      if (this.draining > 0 || code !== 'TD_CASSETTE_WRITE_FAILED') {
        this.options.stats.recordFailures += batch.interactions.length;
        this.options.logger.log(
          'error',
          'record.failed',
          `could not record ${describe(batch)} to cassette ${cassette}: ${message}`,
          { code, cassette },
        );
        return;
      }
      // Kept for the next try, before anything queued since; the file on disk is untouched.
      const since = this.pending.get(cassette);
      this.pending.set(cassette, {
        interactions: [...batch.interactions, ...(since?.interactions ?? [])],
        webhooks: [...batch.webhooks, ...(since?.webhooks ?? [])],
      });
      if (!this.failing.has(cassette))
        this.options.logger.log(
          'error',
          'record.failed',
          `could not write cassette ${cassette}: ${message} ${describe(batch)} are held in memory and written when it works again (tried every ${RETRY_WRITE_MS / 1000} s); until then requests to record into it get 503.`,
          { code, cassette },
        );
      this.failing.set(
        cassette,
        new TapedeckError(
          'TD_CASSETTE_WRITE_FAILED',
          `tapedeck cannot write the cassette this request would be recorded into (${errnoOf(error)}), so it does not forward it.`,
          {
            hint: 'Free disk space or make the cassettes folder writable; the recorder retries by itself. The recorder log names the file.',
          },
        ),
      );
    }
  }

  /**
   * The error a request to be recorded into `cassette` gets while that cassette cannot be
   * written (503, TD_CASSETTE_WRITE_FAILED), or undefined. Forwarding it would give the client
   * an answer the recording then loses.
   */
  refusal(cassette: string): TapedeckError | undefined {
    return this.failing.get(cassette);
  }

  private readonly keyWarned = new Set<string>();

  /**
   * Appending to a cassette another key wrote mixes two keys' pseudonyms: the same secret gets
   * two, and replay recognizes learned values of one key only. Said once per cassette.
   */
  private checkKey(cassette: string, stored: string | undefined): void {
    const ours = this.options.meta.keyId;
    if (stored === undefined || ours === undefined || stored === ours) return;
    if (this.keyWarned.has(cassette)) return;
    this.keyWarned.add(cassette);
    this.options.logger.log(
      'warn',
      'record.key',
      `cassette ${cassette} was recorded under another redaction key (meta.keyId): the interactions added now use this key's pseudonyms. Record with the key the cassette was made with, or re-record it whole with --mode all.`,
      { cassette },
    );
  }

  /** Resolves when every interaction added so far is on disk (or has failed and been logged). */
  async drain(): Promise<void> {
    this.draining++;
    try {
      while (this.deferred.length > 0 || this.writing.size > 0 || this.pending.size > 0) {
        // Responses that have ended but are not redacted yet go into this drain's writes.
        if (this.deferred.length > 0) this.runDeferred();
        for (const cassette of this.pending.keys())
          if (!this.writing.has(cassette)) this.schedule(cassette);
        // Writes waiting for their turn start now.
        for (const go of [...this.hurry.values()]) go();
        await Promise.all(this.writing.values());
      }
    } finally {
      this.draining--;
    }
  }
}

/** `3 interaction(s)`, `1 webhook(s)`, or both: what a batch holds. */
function describe(batch: Batch): string {
  const parts: string[] = [];
  if (batch.interactions.length > 0 || batch.webhooks.length === 0)
    parts.push(`${batch.interactions.length} interaction(s)`);
  if (batch.webhooks.length > 0) parts.push(`${batch.webhooks.length} webhook(s)`);
  return parts.join(' and ');
}

/** The errno code under a write failure (ENOSPC, EROFS, EACCES…), or a plain word. */
function errnoOf(error: unknown): string {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return code;
  }
  return 'write failed';
}
