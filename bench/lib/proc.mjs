// Child processes for the benchmarks: pinned to a core with taskset when it exists, started
// until they print their `{"event":"listening","url":...}` line, stopped with SIGTERM.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { clearTimeout, setTimeout } from 'node:timers';
import { setTimeout as sleep } from 'node:timers/promises';

let tasksetChecked;

/** Whether `taskset` can pin processes here (checked once; silently false if it cannot). */
export function hasTaskset() {
  if (tasksetChecked === undefined) {
    try {
      const probe = spawnSync('taskset', ['-c', '0', 'true'], { stdio: 'ignore' });
      tasksetChecked = probe.status === 0;
    } catch {
      tasksetChecked = false;
    }
  }
  return tasksetChecked;
}

/** Command and arguments that run `command args` on `core` (undefined: anywhere). */
export function pinned(core, command, args) {
  if (core === undefined || !hasTaskset()) return { command, args };
  return { command: 'taskset', args: ['-c', String(core), command, ...args] };
}

/**
 * Spawns a server and resolves once it prints its listening line. Its other stdout lines are
 * kept (tapedeck prints a JSON summary on SIGTERM); stderr is kept for error messages.
 */
export async function startServer({ name, core, args, env, cwd, timeoutMs = 120_000 }) {
  const { command, args: argv } = pinned(core, process.execPath, args);
  const startedAt = process.hrtime.bigint();
  const child = spawn(command, argv, {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines = [];
  let stderr = '';
  let pending = '';
  let onLine;
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk) => {
    pending += chunk;
    let nl;
    while ((nl = pending.indexOf('\n')) !== -1) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      lines.push(line);
      onLine?.(line);
    }
  });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk) => {
    if (stderr.length < 20_000) stderr += chunk;
  });
  const exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const listening = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`${name}: no listening line within ${timeoutMs} ms\n${stderr}`));
    }, timeoutMs);
    const check = (line) => {
      let event;
      try {
        event = JSON.parse(line);
      } catch {
        return;
      }
      if (event && event.event === 'listening') {
        clearTimeout(timer);
        resolve(event);
      }
    };
    onLine = check;
    for (const line of lines) check(line);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code ?? signal}) before listening:\n${stderr}`));
    });
  });
  onLine = undefined;
  const listeningMs = Number(process.hrtime.bigint() - startedAt) / 1e6;
  return {
    name,
    pid: child.pid,
    url: listening.url,
    listening,
    listeningMs,
    startedAt,
    lines,
    stderr: () => stderr,
    exited,
    /** SIGTERM, then SIGKILL (this child only, by pid) if it has not exited in `graceMs`. */
    async stop(graceMs = 30_000) {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
}

/**
 * Runs a node script to completion and parses the last JSON line it prints on stdout.
 * `onLine` sees every stdout line as it arrives (progress).
 */
export function runJson({ name, core, args, env, onLine, timeoutMs = 600_000 }) {
  const { command, args: argv } = pinned(core, process.execPath, args);
  return new Promise((resolve, reject) => {
    const child = spawn(command, argv, {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    let last;
    let pending = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      out += chunk;
      pending += chunk;
      let nl;
      while ((nl = pending.indexOf('\n')) !== -1) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        try {
          last = JSON.parse(line);
        } catch {
          // not a JSON line
        }
        onLine?.(line);
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk) => {
      if (err.length < 20_000) err += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0 && last !== undefined) resolve(last);
      else reject(new Error(`${name} failed (${code ?? signal}):\n${err || out.slice(-2000)}`));
    });
  });
}

const TICKS_PER_SECOND = (() => {
  try {
    const r = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
    const n = Number.parseInt(r.stdout, 10);
    return Number.isInteger(n) && n > 0 ? n : 100;
  } catch {
    return 100;
  }
})();

/** The resolution of cpuSeconds: one clock tick, in seconds. */
export const TICK_S = 1 / TICKS_PER_SECOND;

/** CPU seconds (user + system, all threads) a process has used so far, or undefined. */
export function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After the command name: state is field 3, utime 14, stime 15 (1-based in proc(5)).
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/** Resident set size of a process in bytes, or undefined. */
export function rssBytes(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = /^VmRSS:\s+(\d+) kB/m.exec(status);
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

export { sleep };

/**
 * A child that answers commands: it prints a `{"event":"ready",...}` line once set up, then one
 * JSON line for each line written to its stdin. `ask(line)` resolves with that answer.
 */
export async function startWorker({ name, core, args, timeoutMs = 600_000 }) {
  const { command, args: argv } = pinned(core, process.execPath, args);
  const child = spawn(command, argv, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk) => {
    if (stderr.length < 20_000) stderr += chunk;
  });
  const waiting = [];
  let pending = '';
  let failed;
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk) => {
    pending += chunk;
    let nl;
    while ((nl = pending.indexOf('\n')) !== -1) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      let message;
      try {
        message = JSON.parse(line);
      } catch {
        continue;
      }
      waiting.shift()?.resolve(message);
    }
  });
  const exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      failed = new Error(`${name} exited (${code ?? signal}):\n${stderr}`);
      for (const w of waiting.splice(0)) w.reject(failed);
      resolve({ code, signal });
    });
  });
  const next = () =>
    new Promise((resolve, reject) => {
      if (failed) return reject(failed);
      const timer = setTimeout(
        () => reject(new Error(`${name}: no answer in ${timeoutMs} ms`)),
        timeoutMs,
      );
      waiting.push({
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
    });
  const ready = await next();
  return {
    name,
    pid: child.pid,
    ready,
    ask(line) {
      const answer = next();
      child.stdin.write(`${line}\n`);
      return answer;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.stdin.end('exit\n');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}
