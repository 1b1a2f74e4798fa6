import type { Scheduler } from '../../core/ports/scheduler.js';

/** Node's timers behind the scheduler port. Timers keep the process alive, as Node's do. */
export const systemScheduler: Scheduler = {
  setTimeout(task, delayMs) {
    const timer = setTimeout(task, delayMs);
    return { cancel: () => clearTimeout(timer) };
  },
  setImmediate(task) {
    setImmediate(task);
  },
};
