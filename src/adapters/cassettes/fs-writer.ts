import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, readlinkSync } from 'node:fs';
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
 *
 * A pid and a tag mean something only where they were taken: on this host, in this pid
 * namespace, since this boot. Two containers sharing a volume (and maybe a host name) both run
 * tapedeck as pid 1; a process in its own pid namespace sees pids unrelated to ours. So a writer
 * also records its *scope*: host name, pid namespace (`readlink /proc/self/ns/pid`) and boot id
 * (`/proc/sys/kernel/random/boot_id`). A writer of another scope is never judged by its pid from
 * here: see `FOREIGN_STALE_MS`.
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

function readOr(read: () => string): string {
  try {
    return read().trim();
  } catch {
    // Not Linux (or no /proc): every process of this host shares the empty value.
    return '';
  }
}

/** Where pids mean what they mean here: host, pid namespace and boot. */
export interface Scope {
  readonly host: string;
  /** `pid:[INODE]`, or '' where it cannot be read. */
  readonly ns: string;
  /** The kernel's boot id, or '' where it cannot be read. */
  readonly boot: string;
}

export const SCOPE: Scope = {
  host: HOST,
  ns: readOr(() => readlinkSync('/proc/self/ns/pid')),
  boot: readOr(() => readFileSync('/proc/sys/kernel/random/boot_id', 'utf8')),
};

/**
 * The machine's id (`/etc/machine-id`, systemd's; the D-Bus copy elsewhere), or ''. Recorded in
 * locks only: with it, a lock of this host name, this pid namespace and this machine but another
 * boot is known to be from before a reboot, so its writer is dead (see `earlierBoot`).
 */
export const MACHINE: string =
  readOr(() => readFileSync('/etc/machine-id', 'utf8')) ||
  readOr(() => readFileSync('/var/lib/dbus/machine-id', 'utf8'));

/**
 * Whether a writer of `scope` on `machine` ran on this machine before its last reboot: then it is
 * gone, whatever its pid. The initial pid namespace has the same name on every boot and on every
 * machine, so the host name and the namespace alone cannot say so; the machine id can (a clone of
 * a machine that kept its id and host name, sharing the folder, would be taken for this one).
 */
export function earlierBoot(scope: Scope, machine: string | undefined): boolean {
  return (
    MACHINE !== '' &&
    machine === MACHINE &&
    scope.host === SCOPE.host &&
    scope.ns === SCOPE.ns &&
    scope.boot !== '' &&
    SCOPE.boot !== '' &&
    scope.boot !== SCOPE.boot
  );
}

/** Whether `scope` is this process's: only then do its pids and tags mean anything here. */
export function sameScope(scope: Scope): boolean {
  return scope.host === SCOPE.host && scope.ns === SCOPE.ns && scope.boot === SCOPE.boot;
}

/**
 * A lock or temp file of a writer of another scope is taken for a dead writer's once it is this
 * old: no write holds a lock or a temp file for an hour, and
 * before that its writer may be alive in another container or on another machine.
 */
export const FOREIGN_STALE_MS = 60 * 60 * 1000;

function shortHash(text: string, chars: number): string {
  return createHash('sha256').update(text).digest('hex').slice(0, chars);
}

/** The scope in a temp file's name: 12 hex digits of a hash of host, namespace and boot. */
export function scopeKey(scope: Scope): string {
  return shortHash(`${scope.host}\0${scope.ns}\0${scope.boot}`, 12);
}

const SELF_KEY = scopeKey(SCOPE);

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

/** Whether the writer `pid`/`tag` (of this scope) still runs. */
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

/** 16 hex digits naming the file `name` (a base name) in names derived from it. */
export function nameKey(name: string): string {
  return shortHash(name, 16);
}

let sequence = 0;

/**
 * A fresh temp file name beside `file`: `.td-KEY.PID.TAG.SCOPE.N.tmp`, where KEY is a hash of
 * the file's name (so the name stays short however long the cassette's is), PID and TAG this
 * writer, SCOPE a hash of its host, pid namespace and boot, N a counter. A file left by a writer
 * killed mid-write is recognised as such at the next start (fs-leftovers.ts); one of a live
 * writer, or of a writer of another scope, is left alone.
 */
export function tempFileFor(file: string, writer: Writer = SELF, scope = SELF_KEY): string {
  const key = nameKey(basename(file));
  return join(dirname(file), `.td-${key}.${writer.pid}.${writer.tag}.${scope}.${sequence++}.tmp`);
}

/** A temp file name as `tempFileFor` makes them. */
const TEMP = /^\.td-[0-9a-f]{16}\.(\d+)\.([sr][0-9a-z]+)\.([0-9a-f]{12})\.\d+\.tmp$/;
/** The names before scopes (`.NAME.PID.TAG.N.tmp`) and before tags (`.NAME.PID.N.tmp`). */
const OLD_TEMP = /^\.(.+)\.(\d+)\.([sr][0-9a-z]+)\.(\d+)\.tmp$/;
const LEGACY_TEMP = /^\.(.+\.json)\.(\d+)\.(\d+)\.tmp$/;

/**
 * The writer of a temp file, from its name; undefined for a name that is not a temp file's.
 * `byPid` is false for a writer of another scope, whose pid cannot be judged here. The old names
 * carry no scope: they are judged by pid as the tapedeck that made them judged them (a tapedeck
 * before scopes in another container misjudges ours anyway: versions on one volume must match).
 */
export function tempWriter(
  name: string,
): { pid: number; tag: string | undefined; byPid: boolean } | undefined {
  const m = TEMP.exec(name);
  if (m !== null) return { pid: Number(m[1]), tag: m[2], byPid: m[3] === SELF_KEY };
  const old = OLD_TEMP.exec(name);
  if (old !== null) return { pid: Number(old[2]), tag: old[3], byPid: true };
  const legacy = LEGACY_TEMP.exec(name);
  if (legacy !== null) return { pid: Number(legacy[2]), tag: undefined, byPid: true };
  return undefined;
}
