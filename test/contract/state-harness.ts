import type { RuntimeState } from '../../src/core/ports/index.js';
import { defer } from '../helpers/cleanup.js';

/** One implementation of the state ports, as the contract suites open it. */
export interface StateHarness {
  /** A fresh, empty state, closed after the test. */
  open(): Promise<OpenedState>;
  /** Whether state survives close and reopen: the persistence cases run only then. */
  readonly persistent: boolean;
  /**
   * Everything the storage holds for one tenant, read behind the ports' back (SQLite: every row
   * of every table naming the tenant), for the isolation contract; undefined where the ports
   * are the only way in (memory).
   */
  readonly raw?: (state: RuntimeState, tenant: string) => unknown;
}

export interface OpenedState {
  readonly state: RuntimeState;
  /** Opens the same storage again (after `state.close()`), closed after the test. */
  reopen(): Promise<RuntimeState>;
}

/** A harness from a factory of fresh storage: `make` returns an opener of one storage. */
export function stateHarness(
  persistent: boolean,
  make: () => () => RuntimeState | Promise<RuntimeState>,
  raw?: (state: RuntimeState, tenant: string) => unknown,
): StateHarness {
  const opened = async (open: () => RuntimeState | Promise<RuntimeState>) => {
    const state = await open();
    defer(() => state.close());
    return state;
  };
  return {
    persistent,
    ...(raw === undefined ? {} : { raw }),
    async open() {
      const open = make();
      const state = await opened(open);
      return {
        state,
        reopen: () => {
          if (!persistent) throw new Error('this implementation does not persist');
          return opened(open);
        },
      };
    },
  };
}
