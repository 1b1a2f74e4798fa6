import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';

/**
 * Who wrote a temp file or holds a lock, so a later process can tell a leftover of a dead writer
 * from the work of a live one.
 *
 * A pid alone is not enough: after a crash the pid may be reused by an unrelated process (or, in
 * a container that restarts, by the next tapedeck, often with the same small pid). So every name
 * and lock also carries a *tag* that tells this run of the process apart from any other with the
 * same pid: on Linux its start time (`/proc/PID/stat` field 22, clock ticks since boot, as
 * `s<base36>`), which another process with that pid cannot share; elsewhere a random token
 * (`r<hex>`), which proves nothing about another live process, so a live pid with a random tag
 * is taken to be the writer (kept, never removed).
 */
export interface Writer {
  readonly pid: number;
  readonly tag: string;
}

/** `s<start time in clock ticks, base 36>` of a Linux process, or undefined when unknown. */
function startTag(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: count from the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const start = fields[19];
    return start !== undefined && /^\d+$/.test(start)
      ? `s${Number(start).toString(36)}`
      : undefined;
  } catch {
    return undefined;
  }
}

/** This process. */
export const SELF: Writer = {
  pid: process.pid,
  tag: startTag(process.pid) ?? `r${randomBytes(6).toString('hex')}`,
};

/** The host name locks record: a lock of another host's process cannot be judged from here. */
export const HOST = hostname();

export function processAlive(pid: number): boolean {
  // 0 and negative pids name process groups for kill(): never a writer.
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether the writer `pid`/`tag` (of this host) still runs. */
export function writerAlive(pid: number, tag: string | undefined): boolean {
  // Our pid with another tag (or none: the old name format) was an earlier process.
  if (pid === SELF.pid) return tag === SELF.tag;
  if (!processAlive(pid)) return false;
  if (tag?.startsWith('s') === true) {
    const now = startTag(pid);
    // Another process has the pid now: the writer is gone.
    if (now !== undefined && now !== tag) return false;
  }
  return true;
}

/** A fresh token for one lock or takeover marker: names it among all others. */
export function nonce(): string {
  return randomBytes(8).toString('hex');
}

let sequence = 0;

/**
 * A fresh temp file name beside `file`: `.NAME.PID.TAG.N.tmp`, with this writer's pid and tag,
 * so a file left by a writer killed mid-write is recognised as such at the next start
 * (fs-leftovers.ts) and one of a live writer is left alone.
 */
export function tempFileFor(file: string): string {
  return join(dirname(file), `.${basename(file)}.${SELF.pid}.${SELF.tag}.${sequence++}.tmp`);
}

/** A temp file name as `tempFileFor` makes them, and the one before tags (`.NAME.PID.N.tmp`). */
const TEMP = /^\.(.+)\.(\d+)\.([sr][0-9a-z]+)\.(\d+)\.tmp$/;
const LEGACY_TEMP = /^\.(.+\.json)\.(\d+)\.(\d+)\.tmp$/;

/** The writer of a temp file, from its name; undefined for a name that is not a temp file's. */
export function tempWriter(name: string): { pid: number; tag: string | undefined } | undefined {
  const m = TEMP.exec(name);
  if (m !== null) return { pid: Number(m[2]), tag: m[3] };
  const legacy = LEGACY_TEMP.exec(name);
  if (legacy !== null) return { pid: Number(legacy[2]), tag: undefined };
  return undefined;
}
