import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = join(dirname(fileURLToPath(import.meta.url)), '../../src');

/** Relative imports of a file that load code: static (not `import type`) and dynamic. */
function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const pattern = /(?:^(?:import|export)\s+(?!type\b)[^;]*?\bfrom\s+|import\()\s*'(\.[^']+)'/gms;
  return [...text.matchAll(pattern)].map((m) => join(dirname(file), m[1]!.replace(/\.js$/, '.ts')));
}

/** Every import cycle reachable from the given files, as `a.ts -> b.ts` (paths below src/). */
function cyclesFrom(entries: readonly string[]): string[] {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const cycles: string[] = [];
  const visit = (file: string) => {
    state.set(file, 'open');
    stack.push(file);
    for (const next of imports(file)) {
      if (state.get(next) === 'open')
        cycles.push(
          [...stack.slice(stack.indexOf(next)), next].map((f) => relative(SRC, f)).join(' -> '),
        );
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const entry of entries) if (!state.has(entry)) visit(entry);
  return cycles;
}

describe('app/compose', () => {
  it('has no import cycles (compose.ts and spec.ts used to import each other)', () => {
    const compose = join(SRC, 'app/compose');
    const files = readdirSync(compose)
      .filter((f) => f.endsWith('.ts'))
      .map((f) => join(compose, f));
    expect(files.length).toBeGreaterThan(3);
    expect(cyclesFrom(files)).toEqual([]);
  });

  it('the walk sees real imports, so the check above is not vacuous', () => {
    // With the old compose.ts and spec.ts put back, the check above reports
    // compose.ts -> spec.ts -> compose.ts.
    expect(imports(join(SRC, 'app/compose/drift.ts'))).toContain(join(SRC, 'app/compose/spec.ts'));
  });
});
