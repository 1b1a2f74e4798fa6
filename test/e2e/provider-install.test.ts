import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { serializeCassette } from '../../src/core/cassette/codec.js';
import { interaction } from '../helpers/redaction.js';
import { tempDir } from '../helpers/tmp.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PACKAGE = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string })
  .name;

function run(
  file: string,
  args: readonly string[],
  cwd: string,
  extraEnv: Record<string, string> = {},
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
          ...extraEnv,
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

/** How GitHub Actions runs a `run:` script with `shell: bash` (its default on Linux). */
const GITHUB_BASH = ['--noprofile', '--norc', '-eo', 'pipefail', '-c'];

/** The `run:` script of the named step of a workflow, dedented (a `run: |` block or one line). */
function stepScript(workflow: string, name: string): string {
  const lines = workflow.split('\n');
  const start = lines.findIndex((l) => l.trim() === `- name: ${name}`);
  expect(start, `step "${name}"`).toBeGreaterThan(-1);
  const runAt = lines.findIndex((l, i) => i > start && /^\s+run: /.test(l));
  const line = lines[runAt]!;
  const indent = line.indexOf('run:');
  if (!line.trimEnd().endsWith('|')) return line.slice(indent + 'run: '.length);
  const body: string[] = [];
  for (const l of lines.slice(runAt + 1)) {
    if (l.trim() !== '' && l.search(/\S/) <= indent) break;
    body.push(l.slice(indent + 2));
  }
  return body.join('\n');
}

/** The env a step sets (one `KEY: value` per line, as the example writes them). */
function stepEnv(workflow: string, name: string): Record<string, string> {
  const lines = workflow.split('\n');
  const start = lines.findIndex((l) => l.trim() === `- name: ${name}`);
  const env: Record<string, string> = {};
  for (const l of lines.slice(start + 1)) {
    if (/^\s+(run|- )/.test(l)) break;
    const m = /^\s+([A-Z_]+): (\S+)/.exec(l);
    if (m) env[m[1]!] = m[2]!;
  }
  return env;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe('docs/examples/replay-ci.yml', () => {
  const workflow = readFileSync(join(ROOT, 'docs/examples/replay-ci.yml'), 'utf8');

  /** The sandbox step with `npm test` replaced by `test`, on a free port instead of 8080. */
  async function sandboxStep(dir: string, test: string) {
    const port = String(await freePort());
    const script = stepScript(workflow, 'Tests against the sandbox').replaceAll('8080', port);
    expect(script).toContain('npm test');
    const env = stepEnv(workflow, 'Tests against the sandbox');
    expect(env['API_BASE_URL']).toBe('http://127.0.0.1:8080');
    return run('bash', [...GITHUB_BASH, script.replace('npm test', test)], dir, {
      API_BASE_URL: env['API_BASE_URL']!.replace('8080', port),
      TAPEDECK_STATE_DIR: join(dir, '.state'),
    });
  }

  function projectWithCassette(): string {
    const dir = providerProject();
    mkdirSync(join(dir, 'cassettes'));
    writeFileSync(
      join(dir, 'cassettes', 'ping.json'),
      serializeCassette({
        version: 1,
        interactions: [
          interaction(
            { path: '/v1/ping' },
            {
              headers: { 'content-type': 'application/json' },
              body: { encoding: 'json', json: { ok: true } },
            },
          ),
        ],
      }),
    );
    return dir;
  }

  it('verifies the cassettes with the local bin', async () => {
    const dir = projectWithCassette();
    const script = stepScript(workflow, 'Verify the cassettes');
    expect(script).toBe('npx tapedeck verify');
    const result = await run('bash', [...GITHUB_BASH, script], dir);
    expect(result.code, result.stderr).toBe(0);
  });

  it('passes when the tests get recorded answers, and stops replay cleanly', async () => {
    const dir = projectWithCassette();
    const result = await sandboxStep(dir, 'curl -sf "$API_BASE_URL/v1/ping" > answer.json');
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'answer.json'), 'utf8'))).toEqual({ ok: true });
    expect(result.stdout).toContain('tapedeck summary');
    expect(result.stdout).toContain('no misses');
  });

  it('fails the job when a test request missed, even if the tests passed', async () => {
    const dir = projectWithCassette();
    // The "tests" succeed (curl without -f): --strict is what fails the job.
    const result = await sandboxStep(dir, 'curl -s "$API_BASE_URL/v1/unrecorded" > /dev/null');
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('1 miss(es)');
    expect(result.stdout).toContain('GET /v1/unrecorded');
  });

  it('fails the job when the tests fail', async () => {
    const dir = projectWithCassette();
    const result = await sandboxStep(dir, 'curl -sf "$API_BASE_URL/v1/ping" > /dev/null && false');
    expect(result.code).toBe(1);
  });
});
