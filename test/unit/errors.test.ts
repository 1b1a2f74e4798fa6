import { readFileSync } from 'node:fs';
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
