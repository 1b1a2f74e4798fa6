/**
 * docs/limits.md is the one list of limits (issue 12). This keeps it true: every config key it
 * names exists in the config schema with the default it shows, and every test it names exists.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../src/app/config/config.js';
import { configSchema } from '../../src/app/config/schema.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const page = readFileSync(`${root}docs/limits.md`, 'utf8');

interface Row {
  readonly limit: string;
  readonly defaults: string;
  readonly keys: string;
  readonly test: string;
}

function rows(): Row[] {
  const out: Row[] = [];
  for (const line of page.split('\n')) {
    if (!line.startsWith('| ') || line.startsWith('| Limit') || line.startsWith('| ---')) continue;
    const cells = line
      .slice(2, -2)
      .split(' | ')
      .map((c) => c.trim());
    expect(cells, line).toHaveLength(5);
    out.push({ limit: cells[0]!, defaults: cells[1]!, keys: cells[2]!, test: cells[4]! });
  }
  return out;
}

const backticked = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);

function schemaAt(path: string): unknown {
  let node: unknown = configSchema;
  for (const part of path.split('.')) {
    node = (node as { properties?: Record<string, unknown> }).properties?.[part];
    if (node === undefined) return undefined;
  }
  return node;
}

function defaultAt(path: string): unknown {
  let node: unknown = DEFAULTS;
  for (const part of path.split('.')) node = (node as Record<string, unknown>)[part];
  return node;
}

describe('docs/limits.md', () => {
  const all = rows();

  it('lists the limits of every area issue 12 names', () => {
    expect(all.length).toBeGreaterThanOrEqual(25);
    for (const key of [
      'server.maxHeaderCount',
      'server.maxHeaderBytes',
      'server.maxUrlBytes',
      'server.headersTimeoutMs',
      'server.requestTimeoutMs',
      'server.keepAliveTimeoutMs',
      'maxBodyBytes',
      'upstream.timeoutMs',
    ])
      expect(all.some((r) => backticked(r.keys).includes(key))).toBe(true);
    expect(all.some((r) => r.limit.includes('JSON nesting'))).toBe(true);
  });

  for (const row of rows()) {
    it(`${row.limit}: the key and default are the config's, and its test exists`, () => {
      const keys = backticked(row.keys).filter((k) => !k.includes('…'));
      const values = backticked(row.defaults);
      keys.forEach((key, i) => {
        expect(schemaAt(key), `${key} in the config schema`).toBeDefined();
        // "`4` / `2`" pairs with "`drift.concurrency` / `drift.retries`".
        const shown = values[i] ?? values[0];
        expect(String(defaultAt(key)), `${key}'s default`).toBe(shown);
      });
      const test = /`(test\/[^`]+)` › "([^"]+)"/.exec(row.test);
      expect(test, `a test for ${row.limit}`).not.toBeNull();
      const [, file, fragment] = test!;
      expect(existsSync(`${root}${file!}`), file).toBe(true);
      expect(readFileSync(`${root}${file!}`, 'utf8')).toContain(fragment);
    });
  }
});
