/**
 * Cleanup registered while a test runs, undone in reverse order after it. Each test file calls
 * `afterEach(runCleanups)` once; helpers call `defer` for everything they open.
 */
const pending: (() => unknown)[] = [];

export function defer(fn: () => unknown): void {
  pending.push(fn);
}

export async function runCleanups(): Promise<void> {
  const errors: unknown[] = [];
  while (pending.length > 0) {
    const fn = pending.pop()!;
    try {
      await fn();
    } catch (error) {
      errors.push(error);
    }
  }
  if (errors.length > 0) throw new AggregateError(errors, 'cleanup failed');
}
