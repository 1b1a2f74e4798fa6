import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/tmp.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PACKAGE = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string })
  .name;

function run(
  file: string,
  args: readonly string[],
  cwd: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      {
        cwd,
        timeout: 60_000,
        // A private npm cache and home: nothing from this machine's npm setup takes part.
        env: {
          PATH: process.env['PATH'] ?? '',
          HOME: cwd,
          npm_config_cache: join(cwd, '.npm-cache'),
          npm_config_update_notifier: 'false',
          npm_config_offline: 'true',
          NO_COLOR: '1',
        },
      },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/**
 * A provider's repository with tapedeck as a dev dependency, laid out as `npm install --save-dev
 * tapedeck-proxy` leaves it: the package under node_modules/tapedeck-proxy (here a link to this
 * checkout, built) and its bin linked as node_modules/.bin/tapedeck.
 */
function providerProject(): string {
  const dir = tempDir();
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'my-api', private: true, devDependencies: { [PACKAGE]: '^0.1.0' } }),
  );
  mkdirSync(join(dir, 'node_modules', '.bin'), { recursive: true });
  symlinkSync(ROOT, join(dir, 'node_modules', PACKAGE), 'dir');
  symlinkSync(`../${PACKAGE}/bin/tapedeck`, join(dir, 'node_modules', '.bin', 'tapedeck'));
  return dir;
}

describe('tapedeck as a dev dependency of a provider repository (README)', () => {
  it('`npx tapedeck` runs the local bin, offline, and init points at the installed schema', async () => {
    const dir = providerProject();
    // --offline --no: were the local bin not found, npx would fail here instead of fetching
    // the unrelated `tapedeck` package from the registry.
    const init = await run('npx', ['--offline', '--no', 'tapedeck', 'init'], dir);
    expect(init.stderr).toBe('');
    expect(init.code).toBe(0);
    expect(init.stdout).toContain('created tapedeck.config.json');
    expect(init.stdout).toContain('Next: npx tapedeck record');
    const config = readFileSync(join(dir, 'tapedeck.config.json'), 'utf8');
    const schema = /"\$schema": "([^"]+)"/.exec(config)![1]!;
    expect(schema).toBe(`./node_modules/${PACKAGE}/schemas/config.schema.json`);
    // The path the editor follows exists in the installed package.
    expect(JSON.parse(readFileSync(join(dir, schema), 'utf8'))).toHaveProperty('properties');

    const verify = await run('npx', ['--offline', '--no', 'tapedeck', 'verify'], dir);
    expect(verify.code, verify.stderr).toBe(0);
  });

  it('the programmatic API imports by the package name', async () => {
    const dir = providerProject();
    const result = await run(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { startReplay, loadConfig } from '${PACKAGE}'; console.log(typeof startReplay, typeof loadConfig);`,
      ],
      dir,
    );
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe('function function');
  });
});
