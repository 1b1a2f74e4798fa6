import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { keptSecret } from '../../src/adapters/system/secret-file.js';
import { tempDir } from '../helpers/tmp.js';

/** Children run the built module (`npm run build` first, as for the e2e tests): real processes racing on one file. */
const MODULE = fileURLToPath(new URL('../../dist/adapters/system/secret-file.js', import.meta.url));

/** Waits for "go", then makes or reads the secret and prints what it got. */
const RACER = `
import { keptSecret } from ${JSON.stringify(MODULE)};
import { randomBytes } from 'node:crypto';
process.stdin.once('data', () => {
  const got = keptSecret(process.argv[1], () => 'whsec_' + randomBytes(24).toString('base64'));
  process.stdout.write(JSON.stringify(got));
  process.exit(0);
});
`;

describe('a secret kept in the state directory', () => {
  it('is made once, readable by its owner only, and the same on every later call', () => {
    const file = join(tempDir(), 'nested', 'webhook-forward.secret');
    const first = keptSecret(file, () => 'whsec_first');
    expect(first).toEqual({ secret: 'whsec_first', created: true });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toBe('whsec_first\n');
    expect(keptSecret(file, () => 'whsec_second')).toEqual({
      secret: 'whsec_first',
      created: false,
    });
    // No temporary file is left beside it.
    expect(readdirSync(join(file, '..'))).toEqual(['webhook-forward.secret']);
  });

  it('keeps a secret another tapedeck wrote', () => {
    const file = join(tempDir(), 'webhook-forward.secret');
    writeFileSync(file, 'whsec_theirs\n', { mode: 0o600 });
    expect(keptSecret(file, () => 'whsec_mine')).toEqual({
      secret: 'whsec_theirs',
      created: false,
    });
  });

  it('gives processes that start at once one secret, never an empty one', async () => {
    for (let round = 0; round < 3; round++) {
      const dir = tempDir();
      const file = join(dir, 'webhook-forward.secret');
      const children = Array.from({ length: 6 }, () =>
        spawn(process.execPath, ['--input-type=module', '-e', RACER, file], {
          stdio: ['pipe', 'pipe', 'inherit'],
        }),
      );
      const outputs = children.map(async (child) => {
        let out = '';
        child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
        await once(child, 'exit');
        return JSON.parse(out) as { secret: string; created: boolean };
      });
      // Every child is running before any is told to go.
      await Promise.all(children.map((child) => once(child, 'spawn')));
      for (const child of children) child.stdin.end('go');
      const results = await Promise.all(outputs);
      expect(results.filter((r) => r.created)).toHaveLength(1);
      const secrets = new Set(results.map((r) => r.secret));
      expect(secrets.size).toBe(1);
      expect([...secrets][0]).toMatch(/^whsec_.{32}$/);
      expect(readdirSync(dir)).toEqual(['webhook-forward.secret']);
    }
  });
});
