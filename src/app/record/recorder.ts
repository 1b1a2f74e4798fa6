import type { Cassette, CassetteMeta, Interaction } from '../../core/cassette/model.js';
import { CASSETTE_VERSION } from '../../core/cassette/model.js';
import { isTapedeckError, TapedeckError } from '../../core/errors.js';
import type { CassetteStore, Clock, Logger } from '../../core/ports/index.js';
import type { Scheduler } from '../../core/ports/scheduler.js';
import { PreviousInteractions } from '../../core/cassette/unchanged.js';
import { SecretRegistry } from '../../core/redaction/registry.js';
import { scanRedacted, type RedactionSetup } from '../redaction/setup.js';
import type { RecordMode } from '../config/config.js';
import type { ServerStats } from '../pipeline/stats.js';

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

/**
 * Appends redacted interactions to cassettes. Interactions that finish close together are
 * written in one atomic update per cassette: while a write is in flight, and for
 * `writeIntervalMs` after it ends, new ones queue for the next write. In `all` mode the first
 * write of a run replaces the cassette's old interactions, later ones append.
 */
export class CassetteRecorder {
  private readonly pending = new Map<string, Interaction[]>();
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
    let registry = this.registries.get(cassette);
    if (registry === undefined) {
      registry = new SecretRegistry();
      this.registries.set(cassette, registry);
    }
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
    this.add(cassette, value);
  }

  private add(cassette: string, interaction: Interaction): void {
    const queue = this.pending.get(cassette);
    if (queue) {
      queue.push(interaction);
      return;
    }
    this.pending.set(cassette, [interaction]);
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
    const batch = this.pending.get(cassette) ?? [];
    this.pending.delete(cassette);
    if (batch.length === 0) return;
    const replace = this.options.mode === 'all' && !this.rewritten.has(cassette);
    try {
      await this.options.store.update(cassette, (current): Cassette => {
        const base = replace || current === undefined ? [] : current.interactions;
        if (base.length > 0) this.checkKey(cassette, current?.meta?.keyId);
        let previous = this.previous.get(cassette);
        if (replace && this.options.mode === 'all') {
          previous = new PreviousInteractions(current?.interactions ?? []);
          this.previous.set(cassette, previous);
        }
        return {
          version: CASSETTE_VERSION,
          meta: { ...current?.meta, ...this.options.meta },
          interactions: [
            ...base,
            ...(previous === undefined ? batch : batch.map((i) => previous.keep(i))),
          ],
        };
      });
      if (replace) this.rewritten.add(cassette);
      if (this.failing.delete(cassette))
        this.options.logger.log(
          'info',
          'record.recovered',
          `cassette ${cassette} is writable again: ${batch.length} interaction(s) held in memory are written, and requests are recorded again`,
          { cassette },
        );
      for (let i = 0; i < batch.length; i++) this.options.stats.wasRecorded(cassette);
      this.options.logger.log(
        'debug',
        'record.written',
        `recorded ${batch.length} interaction(s) to ${cassette}`,
        {
          cassette,
          count: batch.length,
        },
      );
    } catch (error) {
      const code = isTapedeckError(error) ? error.code : 'TD_CASSETTE_WRITE_FAILED';
      const message = (error as Error).message;
      // A cassette that no longer parses (TD_CASSETTE_INVALID) is never overwritten: nothing
      // to wait for. Nor at stop: what cannot be written then is lost, and said so.
      if (this.draining > 0 || code !== 'TD_CASSETTE_WRITE_FAILED') {
        this.options.stats.recordFailures += batch.length;
        this.options.logger.log(
          'error',
          'record.failed',
          `could not record ${batch.length} interaction(s) to cassette ${cassette}: ${message}`,
          { code, cassette },
        );
        return;
      }
      // Kept for the next try, before anything queued since; the file on disk is untouched.
      this.pending.set(cassette, [...batch, ...(this.pending.get(cassette) ?? [])]);
      if (!this.failing.has(cassette))
        this.options.logger.log(
          'error',
          'record.failed',
          `could not write cassette ${cassette}: ${message} ${batch.length} interaction(s) are held in memory and written when it works again (tried every ${RETRY_WRITE_MS / 1000} s); until then requests to record into it get 503.`,
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

/** The errno code under a write failure (ENOSPC, EROFS, EACCES…), or a plain word. */
function errnoOf(error: unknown): string {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return code;
  }
  return 'write failed';
}
