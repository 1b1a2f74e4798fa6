import { relative } from 'node:path';
import fc from 'fast-check';
import { expect } from 'vitest';

/**
 * Every property test runs from a known seed, so a failure can be replayed exactly and a run
 * never passes or fails by the luck of the draw. The seed is `TAPEDECK_SEED` when set (an
 * integer, or `random` to explore with a fresh one), else this fixed default.
 */
export const DEFAULT_SEED = 20261201;

let chosen: number | undefined;

/** The seed of this test run (the same for every property of the run). */
export function propertySeed(): number {
  if (chosen !== undefined) return chosen;
  const raw = process.env['TAPEDECK_SEED']?.trim();
  if (raw === undefined || raw === '') chosen = DEFAULT_SEED;
  else if (raw === 'random') chosen = (Math.random() * 2 ** 31) | 0;
  else if (/^-?\d+$/.test(raw)) chosen = Number(raw) | 0;
  else throw new Error(`TAPEDECK_SEED must be an integer or "random", not ${JSON.stringify(raw)}`);
  return chosen;
}

/** How to run this test file again with this run's seed, for failure messages. */
export function rerunHint(): string {
  const path = expect.getState().testPath;
  const file = path === undefined ? '<test file>' : relative(process.cwd(), path);
  return `seed ${propertySeed()}; re-run with TAPEDECK_SEED=${propertySeed()} npx vitest run ${file}`;
}

export interface PropertyOptions {
  /** How many cases: always explicit, so the cost of a property is visible where it runs. */
  readonly numRuns: number;
}

/**
 * `fc.assert` with this run's seed and an explicit number of runs. On failure the error names
 * the seed and the command that replays it, above fast-check's own report (counterexample,
 * shrunk path).
 */
export function assertProperty<Ts>(
  property: fc.IAsyncProperty<Ts>,
  options: PropertyOptions,
): Promise<void>;
export function assertProperty<Ts>(property: fc.IProperty<Ts>, options: PropertyOptions): void;
export function assertProperty<Ts>(
  property: fc.IProperty<Ts> | fc.IAsyncProperty<Ts>,
  options: PropertyOptions,
): void | Promise<void> {
  const seed = propertySeed();
  const numRuns = options.numRuns;
  const fail = (error: unknown): never => {
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`Property failed (${rerunHint()})\n${message}`, { cause: error });
  };
  if (property.isAsync()) {
    return fc.assert(property as fc.IAsyncProperty<Ts>, { numRuns, seed }).catch(fail);
  }
  try {
    fc.assert(property as fc.IProperty<Ts>, { numRuns, seed });
  } catch (error) {
    fail(error);
  }
}

/**
 * A small seeded generator (mulberry32) for a test's own choices outside fast-check: a kill
 * moment, a random query. The same seed gives the same sequence, so a failure can be replayed.
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
