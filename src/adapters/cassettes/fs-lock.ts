import { link, mkdir, open, readFile, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  earlierBoot,
  FOREIGN_STALE_MS,
  MACHINE,
  nameKey,
  nonce,
  processAlive,
  sameScope,
  SCOPE,
  type Scope,
  SELF,
  tempFileFor,
  writerAlive,
} from './fs-writer.js';

/**
 * Cross-process locks beside a cassette (`.NAME.json.lock`), and their safe takeover.
 *
 * A lock is created whole and at once: its content (pid, tag, host, a fresh nonce) goes to a temp
 * file first, which is then hard-linked to the lock's name; `link` fails with EEXIST when the
 * lock exists, so there is never an empty or half-written lock for another process to misjudge.
 *
 * Taking over a lock whose holder is dead must not let two processes both "win": with a plain
 * check-then-delete, A and B both see the dead lock, A deletes it and takes a new one, and B then
 * deletes A's live lock. Here a lock instance (named by its nonce N) may be removed only by its
 * holder, or by whoever created the takeover marker `.td-KEY.N.takeover` exclusively (KEY a hash
 * of the lock's name, so the marker's name stays short however long the cassette's is):
 * at most one process at a time holds that marker, and it removes the lock only if the lock
 * still carries N (a later lock has another nonce, so a slow taker never removes a live one).
 * A marker whose creator died is itself taken over the same way, by the marker of its nonce.
 *
 * "Dead" is judged by pid and start tag only for a creator of this scope (host, pid namespace,
 * boot: fs-writer.ts). A lock of another container, machine or boot is taken for stale only
 * once `FOREIGN_STALE_MS` old; until then the timeout says who holds it and what to do.
 */

/**
 * Removes the file `path`, gone already or not. (`rm` retries a failed unlink as a folder and
 * reports ENOTDIR instead of the reason, EPERM or EROFS.)
 */
export async function removeFile(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

/** What a lock or a takeover marker records about its creator. */
interface Creator {
  readonly pid: number;
  readonly tag: string;
  readonly host: string;
  /** Absent in locks of a tapedeck before scopes. */
  readonly ns?: string;
  readonly boot?: string;
  /** The machine id (fs-writer.ts `MACHINE`); absent in older locks. */
  readonly machine?: string;
  readonly nonce: string;
}

interface Seen {
  /** Names this instance of the file: its nonce, else (old or foreign content) inode and mtime. */
  readonly id: string;
  readonly creator: Creator | undefined;
  /** A bare pid: the lock format before tags and nonces. */
  readonly legacyPid: number | undefined;
  readonly ageMs: number;
}

/** A lock with content this code cannot read is taken for stale after this long. */
const UNREADABLE_STALE_MS = 10_000;
/** Markers of markers: each level means a taker died while taking over. */
const MAX_TAKEOVER_DEPTH = 8;

function content(id: string): string {
  const { host, ns, boot } = SCOPE;
  const machine = MACHINE;
  return `${JSON.stringify({ pid: SELF.pid, tag: SELF.tag, host, ns, boot, machine, nonce: id })}\n`;
}

function parseCreator(text: string): Creator | undefined {
  try {
    const value = JSON.parse(text) as Partial<Creator> | null;
    if (
      value !== null &&
      typeof value === 'object' &&
      typeof value.pid === 'number' &&
      typeof value.tag === 'string' &&
      typeof value.host === 'string' &&
      typeof value.nonce === 'string' &&
      (value.ns === undefined || typeof value.ns === 'string') &&
      (value.boot === undefined || typeof value.boot === 'string') &&
      (value.machine === undefined || typeof value.machine === 'string') &&
      /^[0-9a-f]{1,64}$/.test(value.nonce)
    )
      return value as Creator;
  } catch {
    // Not ours: judged by age below.
  }
  return undefined;
}

async function inspect(path: string): Promise<Seen | undefined> {
  let text: string;
  let mtimeMs: number;
  let ino: number;
  try {
    const stats = await stat(path);
    ({ mtimeMs, ino } = stats);
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const creator = parseCreator(text);
  const legacy = /^\s*(\d+)\s*$/.exec(text);
  return {
    id: creator?.nonce ?? `i${ino}m${Math.floor(mtimeMs)}`,
    creator,
    legacyPid: legacy === null ? undefined : Number(legacy[1]),
    ageMs: Date.now() - mtimeMs,
  };
}

/**
 * Whether the pid of `creator` can be judged here: it is of this scope, or of a tapedeck before
 * scopes on this host (judged as that tapedeck judged it; versions sharing a volume across
 * containers must match).
 */
function byPid(creator: Creator): boolean {
  if (creator.ns === undefined || creator.boot === undefined) return creator.host === SCOPE.host;
  return sameScope(scopeOf(creator));
}

function scopeOf(creator: Creator): Scope {
  return { host: creator.host, ns: creator.ns ?? '', boot: creator.boot ?? '' };
}

/** Whether the creator of what `inspect` saw is gone for sure. */
function dead(seen: Seen): boolean {
  if (seen.creator !== undefined)
    // A pid of another host, namespace or boot means nothing here: judged by age alone, unless
    // the lock is this machine's from before a reboot (its writer is gone for sure).
    return byPid(seen.creator)
      ? !writerAlive(seen.creator.pid, seen.creator.tag)
      : earlierBoot(scopeOf(seen.creator), seen.creator.machine) || seen.ageMs > FOREIGN_STALE_MS;
  // A bare pid: the format before tags and hosts.
  if (seen.legacyPid !== undefined) return !processAlive(seen.legacyPid);
  return seen.ageMs > UNREADABLE_STALE_MS;
}

/** Who holds a lock, for the timeout's message. */
function holder(seen: Seen): string {
  const c = seen.creator;
  if (c === undefined)
    return seen.legacyPid === undefined ? '' : ` (held by pid ${seen.legacyPid} on this host)`;
  if (byPid(c)) return ` (held by pid ${c.pid} on this host)`;
  const where =
    c.host !== SCOPE.host
      ? `on host ${c.host}`
      : c.boot !== SCOPE.boot
        ? 'on a machine of this host name, or on this one before a reboot'
        : `in another pid namespace (${c.ns}: another container)`;
  return ` (held by pid ${c.pid} ${where}, which cannot be checked from here; it is taken for stale once ${FOREIGN_STALE_MS / 60_000} minutes old)`;
}

/**
 * Creates `path` with `text`, all at once: false when it exists. The content goes to a temp file
 * (named like every temp file, so a crash here leaves a leftover the next start removes) that is
 * hard-linked to `path`. On a file system without hard links, an exclusive create and a write.
 */
async function createWhole(path: string, text: string): Promise<boolean> {
  const tmp = tempFileFor(path);
  try {
    // On a full disk the create succeeds and the write fails: the finally removes it.
    await writeFile(tmp, text, { flag: 'wx', mode: 0o644 });
    await link(tmp, path);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS' && code !== 'EOPNOTSUPP')
      throw error;
  } finally {
    await removeFile(tmp);
  }
  let handle;
  try {
    handle = await open(path, 'wx', 0o644);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    await handle.writeFile(text);
  } finally {
    await handle.close();
  }
  return true;
}

/** A lock's folder and the hash of its name, which names its takeover markers. */
export interface LockKey {
  readonly dir: string;
  readonly key: string;
}

/** The key of the lock file `lock`. */
export function lockKeyOf(lock: string): LockKey {
  return { dir: dirname(lock), key: nameKey(basename(lock)) };
}

/**
 * Removes `target` (the lock `lock`, or one of its takeover markers) if it is still the instance
 * `id`, holding the marker of `id` while doing so. Resolves to false when another live process
 * is taking it over (the caller waits and looks again).
 */
async function takeOver(lock: LockKey, target: string, id: string, depth = 0): Promise<boolean> {
  if (depth > MAX_TAKEOVER_DEPTH)
    throw new Error(
      `${depth} takeovers of a lock died one after the other; remove the lock and the .td-${lock.key}.*.takeover files in ${lock.dir} by hand`,
    );
  const marker = join(lock.dir, `.td-${lock.key}.${id}.takeover`);
  if (await createWhole(marker, content(nonce()))) {
    try {
      const now = await inspect(target);
      if (now?.id === id) await removeFile(target);
    } finally {
      await removeFile(marker);
    }
    return true;
  }
  const other = await inspect(marker);
  if (other === undefined) return true;
  if (dead(other)) return takeOver(lock, marker, other.id, depth + 1);
  return false;
}

/**
 * Removes `path` (a lock or a takeover marker of `lock`) when its creator is dead, by the
 * takeover protocol; true when it was removed (or is gone), false when its creator is alive.
 */
export async function removeIfStale(lock: LockKey, path: string): Promise<boolean> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const seen = await inspect(path);
    if (seen === undefined) return true;
    if (!dead(seen)) return false;
    if (!(await takeOver(lock, path, seen.id))) await sleep(5);
  }
  return false;
}

/** The lock file of `file`. */
export function lockFileOf(file: string): string {
  return join(dirname(file), `.${basename(file)}.lock`);
}

/**
 * A lock file beside `file` so two tapedeck processes updating the same cassette take turns
 * instead of losing each other's interactions. A lock left by a process that no longer runs is
 * taken over (atomically: see the top of this file).
 */
export async function withFileLock<T>(
  file: string,
  work: () => Promise<T>,
  timeoutMs = 10_000,
): Promise<T> {
  const lock = lockFileOf(file);
  const key = lockKeyOf(lock);
  await mkdir(dirname(file), { recursive: true });
  const mine = nonce();
  const text = content(mine);
  const started = Date.now();
  let wait = 5;
  for (;;) {
    if (await createWhole(lock, text)) break;
    const seen = await inspect(lock);
    if (seen === undefined) continue;
    if (dead(seen) && (await takeOver(key, lock, seen.id))) continue;
    if (Date.now() - started > timeoutMs) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for lock ${lock}${holder(seen)}; if no tapedeck writes this cassette, delete the lock file`,
      );
    }
    await sleep(wait);
    wait = Math.min(wait * 2, 100);
  }
  try {
    return await work();
  } finally {
    // Only this process (or a taker who found it dead) removes this lock; check it is ours.
    const now = await inspect(lock).catch(() => undefined);
    if (now?.id === mine) await removeFile(lock);
  }
}
