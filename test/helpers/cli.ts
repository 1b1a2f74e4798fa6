import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/tapedeck', import.meta.url));

export interface CliRun {
  readonly child: ChildProcessWithoutNullStreams;
  stdout: string;
  stderr: string;
  readonly exited: Promise<number | null>;
  /** Resolves with the first match of `pattern` in stdout, rejecting if the process exits first. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** The same, in stderr (where the logs go). */
  waitForStderr(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
}

/** Resolves when `pattern` matches what the stream has printed so far, as each chunk arrives. */
function waitOn(
  run: CliRun,
  stream: 'stdout' | 'stderr',
  pattern: RegExp,
  timeoutMs = 15_000,
): Promise<RegExpMatchArray> {
  const { child } = run;
  return new Promise((resolve, reject) => {
    const check = () => {
      const m = pattern.exec(run[stream]);
      if (!m) return false;
      cleanup();
      resolve(m);
      return true;
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(
        new Error(`timed out waiting for ${pattern}; stdout: ${run.stdout}; stderr: ${run.stderr}`),
      );
    }, timeoutMs);
    const onData = () => void check();
    const onClose = () => {
      if (!check()) {
        cleanup();
        reject(new Error(`exited before ${pattern}; stdout: ${run.stdout}; stderr: ${run.stderr}`));
      }
    };
    const cleanup = () => {
      clearTimeout(timer);
      child[stream].off('data', onData);
      child.off('close', onClose);
    };
    child[stream].on('data', onData);
    child.on('close', onClose);
    check();
  });
}

/** Runs the built CLI (as a user would: `node bin/tapedeck …`) in `cwd` with a clean env. */
export function runCli(
  args: readonly string[],
  options: { cwd: string; env?: Record<string, string> },
): CliRun {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: options.cwd,
    env: { PATH: process.env['PATH'] ?? '', HOME: options.cwd, NO_COLOR: '1', ...options.env },
  });
  const run: CliRun = {
    child,
    stdout: '',
    stderr: '',
    exited: new Promise((resolve) => child.on('close', (code) => resolve(code))),
    waitFor: (pattern, timeoutMs) => waitOn(run, 'stdout', pattern, timeoutMs),
    waitForStderr: (pattern, timeoutMs) => waitOn(run, 'stderr', pattern, timeoutMs),
  };
  child.stdout.on('data', (chunk: Buffer) => (run.stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (run.stderr += chunk.toString()));
  return run;
}

/** Runs the CLI to completion. */
export async function runCliToEnd(
  args: readonly string[],
  options: { cwd: string; env?: Record<string, string> },
) {
  const run = runCli(args, options);
  const code = await run.exited;
  return { code, stdout: run.stdout, stderr: run.stderr };
}

/** Starts a server command and returns its URL from the "listening on URL" line. */
export async function startServerCli(
  args: readonly string[],
  options: { cwd: string; env?: Record<string, string> },
) {
  const run = runCli(args, options);
  const m = await run.waitFor(/listening on (http:\/\/\S+)/);
  return { run, url: m[1]! };
}
