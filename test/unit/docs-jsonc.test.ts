/**
 * Every `jsonc` example in the docs is a file a user copies: it must load as tapedeck reads JSON
 * with comments (core/jsonc.ts), which refuses trailing commas. Prettier's `trailingComma: "all"`
 * writes them into jsonc blocks, so those blocks carry `<!-- prettier-ignore -->`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseJsonc } from '../../src/core/jsonc.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FILES = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];

function blocks(file: string): { line: number; text: string }[] {
  const doc = readFileSync(join(ROOT, file), 'utf8');
  return [...doc.matchAll(/```jsonc\n([\s\S]*?)```/g)].map((m) => ({
    line: doc.slice(0, m.index).split('\n').length,
    text: m[1]!,
  }));
}

describe('the jsonc examples in the docs', () => {
  it('finds the examples (the readiness criteria file among them)', () => {
    expect(blocks('docs/readiness.md').length).toBeGreaterThan(0);
  });

  it.each(FILES)('%s: every jsonc example loads', (file) => {
    const broken = blocks(file).flatMap((b) => {
      const parsed = parseJsonc(b.text);
      return parsed.ok ? [] : [`${file}:${b.line}: ${parsed.message}`];
    });
    expect(broken).toEqual([]);
  });
});
