import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Clock } from '../../src/core/ports/index.js';
import type { ScheduledTask, Scheduler } from '../../src/core/ports/scheduler.js';

interface Task {
  readonly due: number;
  /** Order of scheduling: tasks due at the same time run in the order they were scheduled. */
  readonly seq: number;
  readonly run: () => void;
}

/**
 * A clock and a scheduler that move only when the test says so. Time starts at 0 (monotonic)
 * and at `epochMs` (wall clock); `advance(ms)` runs every task that falls due on the way, in
 * order of due time then of scheduling, and lets the promise continuations they start settle
 * before the next one, so work chained on a timer (a write that awaits its store) has scheduled
 * what it schedules before time moves on. Nothing here reads the real clock.
 *
 * `setImmediate` tasks are tasks due now: they run on the next `advance` (even `advance(0)`).
 */
export class ManualTime implements Clock, Scheduler {
  private nowMs = 0;
  private seq = 0;
  private tasks: Task[] = [];

  constructor(private readonly epochMs = Date.UTC(2026, 0, 1)) {}

  now(): number {
    return this.epochMs + this.nowMs;
  }

  monotonic(): number {
    return this.nowMs;
  }

  setTimeout(task: () => void, delayMs: number): ScheduledTask {
    const entry: Task = { due: this.nowMs + Math.max(0, delayMs), seq: this.seq++, run: task };
    this.tasks.push(entry);
    return {
      cancel: () => {
        this.tasks = this.tasks.filter((t) => t !== entry);
      },
    };
  }

  setImmediate(task: () => void): void {
    this.setTimeout(task, 0);
  }

  /** A promise that resolves once `ms` of this clock's time has passed (for fakes that take time). */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.setTimeout(resolve, ms));
  }

  /** How many tasks are waiting. */
  get pending(): number {
    return this.tasks.length;
  }

  /** Moves time forward by `ms`, running what falls due on the way, then settles. */
  async advance(ms: number): Promise<void> {
    const target = this.nowMs + ms;
    await settle();
    for (let next = this.next(target); next !== undefined; next = this.next(target)) {
      this.runTask(next);
      await settle();
    }
    this.nowMs = target;
  }

  /**
   * Runs tasks in order, moving time to each one's due time, until `promise` settles; returns
   * its value. Throws when the promise is still pending and nothing is scheduled (it would
   * never settle), instead of hanging the test.
   */
  async runUntil<T>(promise: Promise<T>): Promise<T> {
    let done = false;
    const watched = promise.finally(() => {
      done = true;
    });
    await settle();
    while (!done) {
      const next = this.next(Number.POSITIVE_INFINITY);
      if (next === undefined)
        throw new Error(`ManualTime: still waiting at ${this.nowMs} ms with nothing scheduled`);
      this.runTask(next);
      await settle();
    }
    return watched;
  }

  private next(until: number): Task | undefined {
    let best: Task | undefined;
    for (const t of this.tasks) {
      if (t.due > until) continue;
      if (best === undefined || t.due < best.due || (t.due === best.due && t.seq < best.seq))
        best = t;
    }
    return best;
  }

  private runTask(task: Task): void {
    this.tasks = this.tasks.filter((t) => t !== task);
    this.nowMs = Math.max(this.nowMs, task.due);
    task.run();
  }
}

/**
 * Lets pending promise continuations run: every microtask queued so far (and those they
 * queue) runs before a macrotask of the real event loop. A few turns, for code that awaits
 * something resolved on a later turn (an in-memory store's queue of writes).
 */
async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await nextTurn();
}
