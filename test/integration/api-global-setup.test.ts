import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { runCleanups } from '../helpers/cleanup.js';
import { tempDir } from '../helpers/tmp.js';

afterEach(runCleanups);

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const FIXTURE = join(ROOT, 'test/fixtures/global-setup');
const VITEST = join(ROOT, 'node_modules/vitest/vitest.mjs');

/** The package's npm name, as a user imports it (`tapedeck` on npm is an unrelated package). */
const PACKAGE = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string })
  .name;

/** The fixture imports the source; the documentation imports the package. Nothing else differs. */
const asDocumented = (code: string) =>
  code.replaceAll("from '../../../src/index.js'", `from '${PACKAGE}'`);

/** Runs the fixture project's own vitest, as a user's `npx vitest run` would. */
function runFixture(...args: string[]): Promise<{ code: number; output: string }> {
  const env: NodeJS.ProcessEnv = {};
  // The outer run's VITEST_* variables would make the inner vitest think it is a worker.
  for (const [name, value] of Object.entries(process.env))
    if (!name.startsWith('VITEST') && name !== 'NODE_OPTIONS') env[name] = value;
  // The replay's state database goes to a temp dir, not into the repository.
  env['TAPEDECK_STATE_DIR'] = tempDir();
  env['NO_COLOR'] = '1';
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [VITEST, 'run', '--config', join(FIXTURE, 'vitest.config.ts'), ...args],
      { cwd: FIXTURE, env, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        resolve({ code, output: `${stdout}\n${stderr}` });
      },
    );
  });
}

describe('docs/api.md: replay in a vitest global setup', () => {
  it('imports the package by its npm name, never the unrelated `tapedeck`', () => {
    expect(PACKAGE).toBe('tapedeck-proxy');
    const doc = readFileSync(join(ROOT, 'docs/api.md'), 'utf8');
    expect(doc).toContain(`from '${PACKAGE}'`);
    expect(doc).not.toMatch(/from 'tapedeck'/);
  });

  it('shows the fixture project as it is', () => {
    const doc = readFileSync(join(ROOT, 'docs/api.md'), 'utf8');
    const blocks = [...doc.matchAll(/<!-- file: (\S+) -->\s*```ts\n([\s\S]*?)```/g)];
    expect(blocks.map((b) => b[1])).toEqual([
      'test/fixtures/global-setup/vitest.config.ts',
      'test/fixtures/global-setup/global-setup.ts',
      'test/fixtures/global-setup/greetings.spec.ts',
    ]);
    for (const [, file, code] of blocks)
      expect(code, file).toBe(asDocumented(readFileSync(join(ROOT, file!), 'utf8')));
  });

  it('passes: setup starts replay, the test gets the recorded answer, teardown stops it', async () => {
    const run = await runFixture('--exclude', '**/misses.spec.ts');
    expect(run.output).toMatch(/1 passed/);
    expect(run.output).not.toMatch(/error during close|TD_/);
    expect(run.code, run.output).toBe(0);
  });

  it('fails the run at teardown when a request missed (strict replay)', async () => {
    const run = await runFixture();
    expect(run.output).toMatch(/2 passed/);
    expect(run.output).toContain('TD_STRICT_MISSES');
    expect(run.code, run.output).toBe(1);
  });
});
