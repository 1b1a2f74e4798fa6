import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, TapedeckError, isTapedeckError } from '../../src/core/errors.js';
import { exitCodeFor } from '../../src/cli/common.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
/** Codes in the first column of README tables, however the formatter pads them. */
const documented = [...readme.matchAll(/^\|\s*`(TD_[A-Z_]+)`\s*\|/gm)].map((m) => m[1]!);

describe('error codes', () => {
  it('are all documented in the README error table', () => {
    for (const code of Object.keys(ERROR_CODES)) expect(documented, code).toContain(code);
  });

  it('are the only codes the README documents', () => {
    expect([...documented].sort()).toEqual(Object.keys(ERROR_CODES).sort());
  });

  it('each map to a documented exit code', () => {
    for (const code of Object.keys(ERROR_CODES) as (keyof typeof ERROR_CODES)[]) {
      expect([1, 2, 3, 4, 70]).toContain(exitCodeFor(new TapedeckError(code, 'x')));
    }
    expect(exitCodeFor(new Error('plain'))).toBe(70);
  });

  it('carry code, hint and cause', () => {
    const cause = new Error('disk full');
    const error = new TapedeckError('TD_CASSETTE_WRITE_FAILED', 'Could not write.', {
      cause,
      hint: 'Free some space.',
    });
    expect(isTapedeckError(error, 'TD_CASSETTE_WRITE_FAILED')).toBe(true);
    expect(isTapedeckError(error, 'TD_INTERNAL')).toBe(false);
    expect(error.cause).toBe(cause);
    expect(error.describe()).toBe('Could not write.\nFree some space.');
  });
});

/** Every .ts file below a folder, with its text. */
function sources(dir: string): { file: string; text: string }[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => ({ file: join(dir, f), text: readFileSync(join(dir, f), 'utf8') }));
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SELF = fileURLToPath(import.meta.url);

/**
 * Codes that are never thrown, because they are data in an answer or a report rather than a
 * failure of the call: each names where it is emitted, and must appear there as `code: 'TD_…'`.
 */
const EMITTED_AS_DATA: Partial<Record<keyof typeof ERROR_CODES, string>> = {
  TD_NO_MATCH: 'the body of a replay miss (core/render/near-miss.ts, app/layers/miss.ts)',
  TD_SECRET_DETECTED:
    'a log line of record and drift, and a verify problem: the write is refused, the run goes on',
};

describe('the closed set of codes', () => {
  const src = sources(join(ROOT, 'src'));
  const tests = sources(join(ROOT, 'test')).filter((t) => t.file !== SELF);

  it('each code is thrown (or, for data codes, emitted) somewhere in src/', () => {
    for (const code of Object.keys(ERROR_CODES) as (keyof typeof ERROR_CODES)[]) {
      const thrown = new RegExp(`new TapedeckError\\(\\s*'${code}'`);
      const asData = new RegExp(`code: '${code}'`);
      const found = src.some(
        (s) => thrown.test(s.text) || (EMITTED_AS_DATA[code] !== undefined && asData.test(s.text)),
      );
      expect(found, `${code} is never constructed in src/`).toBe(true);
    }
  });

  it('each code is asserted by at least one test besides this one', () => {
    // Naming a code is not enough: a comment or a `.not.toBe('TD_X')` would pass. The code must
    // stand on a line that asserts it (expect/toBe/toMatchObject/… or a `code: 'TD_X'` member of
    // an expected object), outside comments and negations.
    const asserts = /\bexpect\b|\.to[A-Z]\w*\(|\brejects\b|\bcode:\s*'/;
    for (const code of Object.keys(ERROR_CODES)) {
      const found = tests.some((t) =>
        t.text.split('\n').some((line) => {
          const trimmed = line.trim();
          if (trimmed.startsWith('//') || trimmed.startsWith('*') || line.includes('.not.'))
            return false;
          const named = line.includes(`'${code}'`) || line.includes(`[${code}]`);
          return named && asserts.test(line);
        }),
      );
      expect(found, `no test asserts ${code}`).toBe(true);
    }
  });
});

describe('the README exit-code table', () => {
  /** Rows `| N | … (`TD_A`, `TD_B_*`) |`: the exit code and the code patterns it names. */
  const rows = [...readme.matchAll(/^\|\s*(\d+)\s*\|(.*)\|\s*$/gm)].map((m) => ({
    exit: Number(m[1]),
    patterns: [...m[2]!.matchAll(/`(TD_[A-Z_]+\*?)`/g)].map((p) => p[1]!),
  }));
  const matches = (pattern: string, code: string) =>
    pattern.endsWith('*') ? code.startsWith(pattern.slice(0, -1)) : code === pattern;

  it('puts every code in exactly one row, the one exitCodeFor gives', () => {
    expect(rows.length).toBeGreaterThan(5);
    for (const code of Object.keys(ERROR_CODES) as (keyof typeof ERROR_CODES)[]) {
      const found = rows.filter((r) => r.patterns.some((p) => matches(p, code)));
      expect(
        found.map((r) => r.exit),
        code,
      ).toEqual([exitCodeFor(new TapedeckError(code, 'x'))]);
    }
  });

  it('names no pattern that matches no code', () => {
    for (const pattern of rows.flatMap((r) => r.patterns))
      expect(
        Object.keys(ERROR_CODES).some((c) => matches(pattern, c)),
        pattern,
      ).toBe(true);
  });
});
