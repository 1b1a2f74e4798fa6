// What every peer needs: where bench/peers installed them, their pinned versions, a free port,
// and a process started and health-checked by asking it for a route until it answers.
//
// Peers do not print tapedeck's `{"event":"listening"}` line, and some log every request: their
// output is drained and only its tail kept, for error messages. A peer counts as started when
// it answers `probe` (a recorded route) with the expected status: the time from spawn to that
// answer is its startup time.
import { Buffer } from 'node:buffer';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { clearTimeout, setTimeout } from 'node:timers';
import { setTimeout as sleep } from 'node:timers/promises';
import { pinned } from '../proc.mjs';
import { BENCH_DIR } from '../servers.mjs';

export const PEERS_DIR = join(BENCH_DIR, 'peers');
export const PEERS_MODULES = join(PEERS_DIR, 'node_modules');

/** Whether `npm ci --prefix bench/peers` has been run. */
export function peersInstalled() {
  return existsSync(join(PEERS_MODULES, '.package-lock.json'));
}

/** The version of an installed peer package (from its package.json), or undefined. */
export function peerVersion(pkg) {
  try {
    return JSON.parse(readFileSync(join(PEERS_MODULES, pkg, 'package.json'), 'utf8')).version;
  } catch {
    return undefined;
  }
}

/** A path inside an installed peer package; throws a readable error when it is missing. */
export function peerFile(pkg, ...parts) {
  const file = join(PEERS_MODULES, pkg, ...parts);
  if (!existsSync(file)) {
    throw new Error(`${pkg} is not installed (${file} missing): run npm ci --prefix bench/peers`);
  }
  return file;
}

/** A TCP port that was free a moment ago on 127.0.0.1 (for peers that cannot take port 0). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** One GET without keep-alive: status and body bytes (rejects on a connection error). */
export function get(url, headers = {}, timeoutMs = 10_000) {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false, headers, timeout: timeoutMs }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }),
      );
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url} in ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/** Keeps the last `max` characters of a stream's text. */
function tail(stream, max = 8_000) {
  let text = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk) => {
    text = (text + chunk).slice(-max);
  });
  return () => text;
}

/**
 * Spawns `command args` pinned to `core`, then asks `probe.url` every 25 ms until it answers
 * with `probe.status` (default 200). Resolves with the server: pid, url, `readyMs` (spawn →
 * first answered request) and stop(). Rejects with the reason (exit code and output tail, or
 * the last probe error) when the process exits or `timeoutMs` passes first.
 */
export async function startProcess({
  name,
  core,
  command,
  args,
  cwd,
  env,
  url,
  probe,
  timeoutMs = 90_000,
}) {
  const { command: cmd, args: argv } = pinned(core, command, args);
  const startedAt = process.hrtime.bigint();
  const child = spawn(cmd, argv, {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout = tail(child.stdout);
  const stderr = tail(child.stderr);
  const output = () => `${stderr()}${stdout()}`.trim().slice(-3_000);
  let exit;
  const exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      resolve(exit);
    });
    child.once('error', (error) => {
      exit = { code: null, signal: null, error };
      resolve(exit);
    });
  });
  const server = {
    name,
    pid: child.pid,
    url,
    startedAt,
    output,
    exited,
    /** SIGTERM, then SIGKILL (this child only) if it has not exited in `graceMs`. */
    async stop(graceMs = 10_000) {
      if (exit !== undefined) return exit;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
  const deadline = Date.now() + timeoutMs;
  const wanted = probe.status ?? 200;
  let last = 'no answer yet';
  for (;;) {
    if (exit !== undefined) {
      const how = exit.error ? exit.error.message : `exit ${exit.code ?? exit.signal}`;
      throw new Error(`${name} stopped before answering (${how}): ${output() || 'no output'}`);
    }
    if (Date.now() > deadline) {
      await server.stop(2_000);
      throw new Error(`${name} did not answer ${probe.url} within ${timeoutMs} ms (${last})`);
    }
    try {
      const res = await get(probe.url, probe.headers ?? {}, 5_000);
      if (res.status === wanted) break;
      last = `answered ${res.status}: ${res.body.toString('utf8').slice(0, 300)}`;
    } catch (error) {
      last = error.message;
    }
    await sleep(25);
  }
  server.readyMs = Number(process.hrtime.bigint() - startedAt) / 1e6;
  return server;
}
