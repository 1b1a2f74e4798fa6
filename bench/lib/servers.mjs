// Starting the servers under test: tapedeck through its built CLI, and the bench/servers/*.
import { mkdirSync, mkdtempSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from './proc.mjs';

export const BENCH_DIR = dirname(dirname(fileURLToPath(import.meta.url)));
export const REPO_DIR = dirname(BENCH_DIR);
/** This build's CLI; a baseline build (bench/lib/baseline.mjs) passes its own `bin`. */
export const TAPEDECK_BIN = join(REPO_DIR, 'bin', 'tapedeck');

/**
 * What `tapedeck record` redacts with: the repository's own rule folder (the default rules that
 * `tapedeck init` copies into a project), passed explicitly because tapedeck runs in a temp
 * working directory, and a fixed pseudonymization key (32+ characters), so that no key file is
 * generated in the state directory and pseudonyms are the same in every run.
 */
export const REDACTION_RULES_DIR = join(REPO_DIR, 'redaction-rules');
export const REDACTION_KEY = 'tapedeck-bench-fixed-pseudonymization-key-0001';
const RECORD_ENV = Object.freeze({
  TAPEDECK_REDACTION_RULES: REDACTION_RULES_DIR,
  TAPEDECK_REDACTION_KEY: REDACTION_KEY,
});

/** The environment without any TAPEDECK_* variable of the caller's, plus `extra`. */
function cleanEnv(extra) {
  const env = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.startsWith('TAPEDECK_')) env[name] = value;
  }
  return { ...env, ...extra };
}

/** A state directory of its own for every start, so journals never carry over between runs. */
function freshStateDir(workDir, name) {
  mkdirSync(workDir, { recursive: true });
  return mkdtempSync(join(workDir, `state-${name}-`));
}

/** The environment of every tapedeck process: no caller's TAPEDECK_*, errors-only logging. */
function tapedeckEnv(stateDir, extra = {}) {
  return cleanEnv({
    TAPEDECK_STATE_DIR: stateDir,
    TAPEDECK_LOG_LEVEL: 'error',
    NO_COLOR: '1',
    ...extra,
  });
}

/**
 * `tapedeck replay` or `tapedeck record` on a free loopback port. The state database and logs
 * go to `workDir` (a temp dir), which is also the working directory, so no config file of the
 * repository's is picked up. The server comes back with its `stateDir`. `nodeArgs` go before
 * the script (e.g. --cpu-prof); `env` is added to the environment; `bin` is the CLI to run
 * (another build's, for a side-by-side comparison); `timeoutMs` bounds the wait for listening.
 */
export async function startTapedeck({
  name,
  core,
  workDir,
  command,
  args,
  nodeArgs = [],
  env = {},
  bin = TAPEDECK_BIN,
  timeoutMs,
}) {
  const stateDir = freshStateDir(workDir, name);
  const server = await startServer({
    name,
    core,
    cwd: workDir,
    env: tapedeckEnv(stateDir, env),
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
    args: [...nodeArgs, bin, command, ...args, '--host', '127.0.0.1', '--port', '0', '--json'],
  });
  return { ...server, stateDir };
}

export function startReplay({ name, core, workDir, cassettes, nodeArgs, bin }) {
  return startTapedeck({
    name,
    core,
    workDir,
    nodeArgs,
    bin,
    command: 'replay',
    args: ['--cassettes', cassettes],
  });
}

/**
 * bench/servers/replay-metrics.mjs: tapedeck's replay server from dist/ with its metrics on or
 * off (`metrics: true|false`), started as startReplay starts `tapedeck replay` (working
 * directory, environment, a fresh state directory), so only the metrics differ.
 */
export async function startReplayMetrics({ name, core, workDir, cassettes, metrics }) {
  const stateDir = freshStateDir(workDir, name);
  const server = await startServer({
    name,
    core,
    cwd: workDir,
    env: tapedeckEnv(stateDir),
    args: [
      join(BENCH_DIR, 'servers', 'replay-metrics.mjs'),
      '--cassettes',
      cassettes,
      '--metrics',
      metrics ? 'on' : 'off',
      '--state-dir',
      stateDir,
    ],
  });
  return { ...server, stateDir };
}

/** `tapedeck record` with the repository's default rules and a fixed key (RECORD_ENV). */
export function startRecord({ name, core, workDir, target, cassettes, mode = 'new', nodeArgs }) {
  return startTapedeck({
    name,
    core,
    workDir,
    nodeArgs,
    env: RECORD_ENV,
    command: 'record',
    args: ['--target', target, '--cassettes', cassettes, '--mode', mode],
  });
}

/**
 * bench/servers/record-noredact.mjs: tapedeck's record server built from dist/ as
 * `tapedeck record` builds it, with redaction switched off. Started exactly like startRecord
 * (working directory, environment, a fresh state directory), so only redaction differs.
 */
export async function startRecordNoRedact({
  name,
  core,
  workDir,
  target,
  cassettes,
  mode = 'new',
  nodeArgs = [],
}) {
  const stateDir = freshStateDir(workDir, name);
  const server = await startServer({
    name,
    core,
    cwd: workDir,
    env: tapedeckEnv(stateDir, RECORD_ENV),
    args: [
      ...nodeArgs,
      join(BENCH_DIR, 'servers', 'record-noredact.mjs'),
      '--target',
      target,
      '--cassettes',
      cassettes,
      '--mode',
      mode,
      '--state-dir',
      stateDir,
    ],
  });
  return { ...server, stateDir };
}

/**
 * bench/servers/raw.mjs: `routes` routes, or every path (`any`) for an upstream, answering with
 * `body` (`item`: route 0's body; `account`: the account body with secrets to redact).
 */
export function startRaw({ name, core, routes = 1, any = false, body = 'item', nodeArgs = [] }) {
  return startServer({
    name,
    core,
    args: [
      ...nodeArgs,
      join(BENCH_DIR, 'servers', 'raw.mjs'),
      ...(any ? ['--any', '--body', body] : ['--routes', String(routes)]),
    ],
  });
}

export function startProxy({ name, core, kind, target }) {
  const script = kind === 'undici' ? 'undici-proxy.mjs' : 'http-proxy3.mjs';
  return startServer({
    name,
    core,
    args: [join(BENCH_DIR, 'servers', script), '--target', target],
  });
}
