/**
 * Timers, passed in like the clock so that code which waits (the recorder's pause between
 * writes, its deferred work) can be driven by a test that advances time instead of sleeping.
 * The real one (adapters/system/scheduler.ts) is Node's timers; test/helpers/manual-time.ts is
 * a manual one. Durations are read from `Clock.monotonic()`, which the manual one also drives.
 */
export interface Scheduler {
  /** Runs `task` once, after at least `delayMs` milliseconds, unless cancelled first. */
  setTimeout(task: () => void, delayMs: number): ScheduledTask;
  /**
   * Runs `task` on a later turn of the event loop, after the I/O that is already due: the
   * caller returns first, and so does the work that it finished (a response being flushed).
   */
  setImmediate(task: () => void): void;
}

/** A task given to `Scheduler.setTimeout`. */
export interface ScheduledTask {
  /** Drops the task if it has not run yet; does nothing otherwise. */
  cancel(): void;
}
