import { spawn } from 'node:child_process';
import { createServer, get, type Server } from 'node:http';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { BIN, runCliToEnd, startServerCli, type CliRun } from '../helpers/cli.js';
import { stripeSpecFile } from '../helpers/sandbox.js';
import { tempDir } from '../helpers/tmp.js';

const running: CliRun[] = [];
const servers: Server[] = [];
afterEach(async () => {
  for (const run of running.splice(0)) if (run.child.exitCode === null) run.child.kill('SIGKILL');
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** A local upstream answering every path with its path; counts what reached it. */
function upstream(): Promise<{ url: string; hits: string[] }> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(`${req.method ?? ''} ${req.url ?? ''}`);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ path: req.url }));
  });
  servers.push(server);
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits }),
    ),
  );
}

/** The status line's reason phrase, which undici does not expose. */
function statusLine(url: string): Promise<{ status: number; reason: string }> {
  return new Promise((resolve, reject) => {
    get(url, (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, reason: res.statusMessage ?? '' });
    }).on('error', reject);
  });
}

describe('the CLI points at the fix', () => {
  it('a misspelled config key names the nearest allowed key and lists the others (exit 2)', async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'tapedeck.config.json'),
      '{ "upstrem": { "target": "http://127.0.0.1:1" } }',
    );
    const result = await runCliToEnd(['replay', '--port', '0'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('TD_CONFIG_INVALID');
    expect(result.stderr).toContain(
      'at /upstrem: is not a known property; did you mean "upstream"? Allowed here: $schema, cassettes,',
    );
    expect(result.stderr).not.toContain('allowed here: none');
    expect(result.stdout).not.toContain('listening');
  });

  it('record without --target (or with a forbidden one) leaves no redaction key behind', async () => {
    const dir = tempDir();
    const noTarget = await runCliToEnd(['record', '--port', '0'], { cwd: dir });
    expect(noTarget.code).toBe(2);
    expect(noTarget.stderr).toContain('pass --target URL');
    expect(existsSync(join(dir, '.tapedeck', 'redaction.key'))).toBe(false);

    writeFileSync(
      join(dir, 'tapedeck.config.json'),
      JSON.stringify({ upstream: { forbiddenHosts: ['api.example.com'] } }),
    );
    const forbidden = await runCliToEnd(
      ['record', '--port', '0', '--target', 'https://api.example.com'],
      { cwd: dir },
    );
    expect(forbidden.code).toBe(2);
    expect(forbidden.stderr).toContain('TD_TARGET_INVALID');
    expect(existsSync(join(dir, '.tapedeck'))).toBe(false);
  });

  it('a miss answers "599 Tapedeck No Match", a recorded answer keeps its standard phrase', async () => {
    const dir = tempDir();
    const api = await upstream();
    const cassettes = join(dir, 'cassettes');
    const env = { TAPEDECK_STATE_DIR: join(dir, '.state') };
    const record = await startServerCli(
      ['record', '--target', api.url, '--port', '0', '--cassettes', cassettes],
      { cwd: dir, env },
    );
    running.push(record.run);
    await (await request(`${record.url}/known`)).body.text();
    record.run.child.kill('SIGINT');
    expect(await record.run.exited).toBe(0);

    const replay = await startServerCli(['replay', '--port', '0', '--cassettes', cassettes], {
      cwd: dir,
      env,
    });
    running.push(replay.run);
    expect(await statusLine(`${replay.url}/unknown`)).toEqual({
      status: 599,
      reason: 'Tapedeck No Match',
    });
    expect(await statusLine(`${replay.url}/known`)).toEqual({ status: 200, reason: 'OK' });
    replay.run.child.kill('SIGTERM');
    expect(await replay.run.exited).toBe(0);
  });

  it('record --mode all lists nothing as "never used"; mode new still does', async () => {
    const dir = tempDir();
    const api = await upstream();
    const cassettes = join(dir, 'cassettes');
    const env = { TAPEDECK_STATE_DIR: join(dir, '.state') };
    const recordOnce = async (mode: string, paths: readonly string[]) => {
      const record = await startServerCli(
        ['record', '--target', api.url, '--port', '0', '--cassettes', cassettes, '--mode', mode],
        { cwd: dir, env },
      );
      running.push(record.run);
      for (const path of paths) await (await request(`${record.url}${path}`)).body.text();
      record.run.child.kill('SIGINT');
      expect(await record.run.exited).toBe(0);
      return record.run.stderr;
    };
    await recordOnce('new', ['/a', '/b']);
    const all = await recordOnce('all', ['/a', '/b']);
    expect(all).toContain('recorded 2 interaction(s) to default');
    expect(all).not.toContain('never used');
    // Mode new answers /a from the cassette; /b, recorded and not asked for, is reported.
    const again = await recordOnce('new', ['/a']);
    expect(again).toContain('1 recorded interaction(s) never used');
    expect(again).toMatch(/default #1 {2}GET \/b/);
    expect(api.hits).toEqual(['GET /a', 'GET /b', 'GET /a', 'GET /b']);
  });

  it('help says what init does and shows the built-in defaults', async () => {
    const dir = tempDir();
    const init = await runCliToEnd(['init', '--help'], { cwd: dir });
    expect(init.code).toBe(0);
    expect(init.stdout).toMatch(
      /Usage: tapedeck init \[options\]\n\nSet up tapedeck in the current/,
    );

    const replay = await runCliToEnd(['replay', '--help'], { cwd: dir });
    const help = replay.stdout.replace(/\s+/g, ' ');
    expect(help).toContain('port to listen on (0 picks a free one) (default: 8080)');
    expect(help).toContain('address to listen on (default: "127.0.0.1")');
    expect(help).toContain('cassettes directory (default: "cassettes")');
    expect(help).toContain('(default: "error")');
    expect(help).toContain('seed of values generated from --spec (default: "tapedeck")');
    expect(help).toContain('tapedeck.config.json and TAPEDECK_* variables may set others');
    // A flag without a value shows none: --strict is off unless given or configured.
    expect(help).not.toMatch(/--strict[^-]*default/);

    const drift = (await runCliToEnd(['drift', '--help'], { cwd: dir })).stdout;
    expect(drift.replace(/\s+/g, ' ')).toContain('(default: "breaking")');
    const top = (await runCliToEnd(['--help'], { cwd: dir })).stdout.replace(/\s+/g, ' ');
    expect(top).toContain('debug, info, warn or error (default: "info")');
  });

  it('init tells how to install the package when the project does not depend on it yet', async () => {
    const bare = tempDir();
    const first = await runCliToEnd(['init'], {
      cwd: bare,
      env: { TAPEDECK_STATE_DIR: join(bare, '.s') },
    });
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('Next: npm install --save-dev tapedeck-proxy');
    expect(first.stdout).toContain('Then: npx tapedeck record --target');

    const project = tempDir();
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({ name: 'my-api', devDependencies: { 'tapedeck-proxy': '^0.1.0' } }),
    );
    const second = await runCliToEnd(['init'], { cwd: project });
    expect(second.stdout).not.toContain('npm install');
    expect(second.stdout).toContain('Next: npx tapedeck record --target');
  });

  it('a default shown in help does not override the config file', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'tapedeck.config.json'), JSON.stringify({ cassettes: 'tapes' }));
    const result = await runCliToEnd(['verify'], { cwd: dir });
    // verify reads the configured folder, not the "cassettes" the help shows as default.
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(join(dir, 'tapes'));
  });

  it(
    'a reader that closes the pipe early (`| head`) ends it quietly with 141, no stack trace',
    { timeout: 60_000 },
    async () => {
      // 260 kB of JSON: far more than a pipe holds, so the writes meet the closed pipe.
      const child = spawn(
        process.execPath,
        [BIN, 'sandbox', '--explain', '--json', '--spec', stripeSpecFile(), '--profile', 'stripe'],
        { cwd: tempDir(), stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      // Take the first chunk, then go away, as `head -1` does.
      await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
      child.stdout.destroy();
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      expect(code).toBe(141);
      expect(stderr).not.toMatch(/EPIPE|Unhandled|at /);
    },
  );
});
