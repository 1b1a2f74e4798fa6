import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRedactionKey } from '../../../src/adapters/redaction/redaction-io.js';
import { isTapedeckError } from '../../../src/core/errors.js';
import { tempDir } from '../../helpers/tmp.js';

const KEY = '0123456789abcdef0123456789abcdef';

function stateWith(content: string | undefined): string {
  const dir = tempDir();
  if (content !== undefined) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'redaction.key'), content);
  }
  return dir;
}

describe('the pseudonymization key of a process that writes nothing keyed (replay)', () => {
  it('uses a throwaway key and leaves nothing on disk when no key file exists', () => {
    const dir = stateWith(undefined);
    const source = loadRedactionKey({}, 'TAPEDECK_REDACTION_KEY', dir, false);
    expect(source.key).toMatch(/^[0-9a-f]{64}$/);
    expect(source.warning).toBeUndefined();
    expect(existsSync(join(dir, 'redaction.key'))).toBe(false);
  });

  it("reads the key file record left, so learned values match under the recording's key", () => {
    const source = loadRedactionKey({}, 'TAPEDECK_REDACTION_KEY', stateWith(`${KEY}\n`), false);
    expect(source.key).toBe(KEY);
    expect(source.warning).toBeUndefined();
  });

  it('starts with a throwaway key and a warning (never the key) when the file is too short', () => {
    const source = loadRedactionKey({}, 'TAPEDECK_REDACTION_KEY', stateWith('short'), false);
    expect(source.key).toMatch(/^[0-9a-f]{64}$/);
    expect(source.warning).toMatch(/fewer than 16 characters/);
    expect(source.warning).not.toContain('short');
  });

  it('still refuses a short key file where pseudonyms reach disk (record)', () => {
    let caught: unknown;
    try {
      loadRedactionKey({}, 'TAPEDECK_REDACTION_KEY', stateWith('short'), true);
    } catch (error) {
      caught = error;
    }
    expect(isTapedeckError(caught, 'TD_REDACTION_KEY_INVALID')).toBe(true);
  });
});
