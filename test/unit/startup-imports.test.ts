import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = join(dirname(fileURLToPath(import.meta.url)), '../../src');

/** Static (not `import type`, not dynamic) import and re-export specifiers of a source file. */
function staticImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found: string[] = [];
  const pattern = /^(?:import|export)\s+(?!type\b)[^;]*?\bfrom\s+'([^']+)';/gms;
  for (const match of text.matchAll(pattern)) found.push(match[1]!);
  for (const match of text.matchAll(/^import\s+'([^']+)';/gm)) found.push(match[1]!);
  return found;
}

/** Every package reachable from a module through static imports alone. */
function packagesReachableFrom(entry: string): Set<string> {
  const packages = new Set<string>();
  const seen = new Set<string>();
  const queue = [join(SRC, entry)];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const specifier of staticImports(file)) {
      if (specifier.startsWith('.')) {
        queue.push(join(dirname(file), specifier.replace(/\.js$/, '.ts')));
      } else if (!specifier.startsWith('node:')) {
        const parts = specifier.split('/');
        packages.add(specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!);
      }
    }
  }
  return packages;
}

describe('start-up cost', () => {
  // Every command starts through cli/main.ts. What only one command needs loads inside that
  // command (a dynamic import), so `tapedeck replay` does not pay for swagger-parser, graphql,
  // json-diff-ts or undici: measured, eager loading cost ~250 ms and ~19 MB of RSS at start-up.
  it('the CLI entry reaches only the packages every command needs', () => {
    const reachable = packagesReachableFrom('cli/main.ts');
    for (const heavy of [
      '@apidevtools/swagger-parser',
      'graphql',
      'json-diff-ts',
      'undici',
      'ajv-formats',
    ]) {
      expect(reachable, heavy).not.toContain(heavy);
    }
  });

  it('the walk sees real imports (it would find swagger-parser from compose/spec)', () => {
    expect(packagesReachableFrom('app/compose/spec.ts')).toContain('@apidevtools/swagger-parser');
    expect(packagesReachableFrom('app/compose/drift.ts')).toContain('json-diff-ts');
  });
});
