import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { clearLeftovers } from '../../src/adapters/cassettes/fs-leftovers.js';
import { withFileLock } from '../../src/adapters/cassettes/fs-lock.js';
import {
  FOREIGN_STALE_MS,
  MACHINE,
  SCOPE,
  tempFileFor,
} from '../../src/adapters/cassettes/fs-writer.js';
import { checkCassetteName } from '../../src/core/cassette/name.js';
import { defer, runCleanups } from '../helpers/cleanup.js';
import { layout, startTapedeck } from '../helpers/tapedeck.js';
import { tempDir } from '../helpers/tmp.js';
import { startUpstream } from '../helpers/upstream.js';

afterEach(runCleanups);

/** The built lock code (`npm run build` first), run by children in their own pid namespace. */
const DIST = fileURLToPath(new URL('../../dist/adapters/cassettes/', import.meta.url));

/** Why a tool this file needs cannot run here ('' when it can). */
function unavailable(command: string, args: string[]): string {
  const run = spawnSync(command, args, { encoding: 'utf8' });
  if (run.error !== undefined) return `${command} cannot run: ${run.error.message}`;
  return run.status === 0 ? '' : `${command} ${args[0]} fails: ${run.stderr.trim().slice(0, 80)}`;
}

const UNSHARE = ['--pid', '--fork', '--mount-proc', '--kill-child'];
const NO_UNSHARE = unavailable('unshare', [...UNSHARE, 'true']);

async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await once(child, 'exit');
  return child.pid!;
}

function age(path: string, ms: number): void {
  const then = new Date(Date.now() - ms);
  utimesSync(path, then, then);
}

/**
 * A tapedeck writer in a pid namespace of its own, where it is pid 1: it takes the lock of
 * `file`, creates a temp file beside it as a write does, says so on stdout, and holds both until
 * it reads a line on stdin.
 */
const HOLDER = `
import { withFileLock } from ${JSON.stringify(join(DIST, 'fs-lock.js'))};
import { tempFileFor } from ${JSON.stringify(join(DIST, 'fs-writer.js'))};
import { rm, writeFile } from 'node:fs/promises';
const file = process.argv[1];
process.stdin.once('end', () => process.exit(3));
await withFileLock(file, async () => {
  const temp = tempFileFor(file);
  await writeFile(temp, '{"half', { flag: 'wx' });
  process.stdout.write(JSON.stringify({ pid: process.pid, temp }) + '\\n');
  await new Promise((resolve) => process.stdin.once('data', resolve));
  await rm(temp);
});
process.exit(0);
`;

/** Another namespace's pid 1 asking for the same lock: prints what it got. */
const TAKER = `
import { withFileLock } from ${JSON.stringify(join(DIST, 'fs-lock.js'))};
let ran = false;
try {
  await withFileLock(process.argv[1], async () => { ran = true; }, 300);
  process.stdout.write('took the lock as pid ' + process.pid + '\\n');
} catch (error) {
  process.stdout.write('refused: ' + error.message + '\\n');
}
process.exit(ran ? 1 : 0);
`;

function inNamespace(script: string, file: string) {
  const child = spawn('unshare', [
    ...UNSHARE,
    process.execPath,
    '--input-type=module',
    '-e',
    script,
    file,
  ]);
  defer(() => child.kill('SIGKILL'));
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const line = () =>
    new Promise<string>((resolve, reject) => {
      const check = () => (out.includes('\n') ? resolve(out.split('\n')[0]!) : undefined);
      child.stdout.on('data', check);
      child.once('exit', (code) => reject(new Error(`exited ${code} before a line: ${out}`)));
      check();
    });
  return { child, line, out: () => out };
}

describe('a writer in another pid namespace (another container with tapedeck as pid 1)', () => {
  it.skipIf(NO_UNSHARE !== '')(
    `its lock is never taken over by a pid check, from here or from a third namespace, and its temp file is kept${NO_UNSHARE === '' ? '' : ` (skipped: ${NO_UNSHARE})`}`,
    async () => {
      expect(existsSync(join(DIST, 'fs-lock.js')), 'run `npm run build` first').toBe(true);
      const dir = tempDir();
      const file = join(dir, 'c.json');
      const holder = inNamespace(HOLDER, file);
      const held = JSON.parse(await holder.line()) as { pid: number; temp: string };
      // Pid 1 there; here pid 1 is another process (init), with another start time.
      expect(held.pid).toBe(1);
      const lock = join(dir, '.c.json.lock');
      expect(JSON.parse(readFileSync(lock, 'utf8'))).toMatchObject({ pid: 1 });

      // The sweep at a recorder's start leaves both alone.
      const found = await clearLeftovers(dir);
      expect(found.removed).toEqual([]);
      expect(found.kept.sort()).toEqual([lock, held.temp].sort());
      expect(existsSync(held.temp)).toBe(true);

      // A writer here waits, then says who holds the lock and what to do.
      let ran = false;
      await expect(withFileLock(file, () => Promise.resolve((ran = true)), 300)).rejects.toThrow(
        /\.c\.json\.lock \(held by pid 1 in another pid namespace \(pid:\[\d+\]: another container\), which cannot be checked from here; it is taken for stale once 60 minutes old\); if no tapedeck writes this cassette, delete the lock file/,
      );
      expect(ran).toBe(false);

      // Pid 1 of a third namespace: the holder's pid is its own, with another start time.
      const taker = inNamespace(TAKER, file);
      const [code] = (await once(taker.child, 'exit')) as [number];
      expect(taker.out()).toMatch(/^refused: timed out .*held by pid 1 in another pid namespace/);
      expect(code).toBe(0);

      holder.child.stdin.write('release\n');
      const [holderCode] = (await once(holder.child, 'exit')) as [number];
      expect(holderCode, holder.out()).toBe(0);
      expect(readdirSync(dir)).toEqual([]);
    },
    20_000,
  );

  it('an hour-old lock or temp file of another namespace, boot or host is a dead writer’s', async () => {
    const dir = tempDir();
    const dead = await deadPid();
    const others = [
      { ...SCOPE, ns: 'pid:[1]' },
      { ...SCOPE, boot: '00000000-0000-0000-0000-000000000000' },
      { ...SCOPE, host: 'elsewhere' },
    ];
    for (const [i, scope] of others.entries()) {
      const lock = join(dir, `.c${i}.json.lock`);
      writeFileSync(lock, JSON.stringify({ pid: 1, tag: 's1', ...scope, nonce: 'ab' }));
      // Fresh: refused, whatever pid 1 is here.
      await expect(
        withFileLock(join(dir, `c${i}.json`), () => Promise.resolve(), 100),
      ).rejects.toThrow(/cannot be checked from here; it is taken for stale once 60 minutes old/);
      age(lock, FOREIGN_STALE_MS + 60_000);
      let ran = false;
      await withFileLock(join(dir, `c${i}.json`), () => Promise.resolve((ran = true)), 1_000);
      expect(ran).toBe(true);
    }
    // Temp files of another scope: kept while recent, removed once an hour old.
    const fresh = tempFileFor(join(dir, 'd.json'), { pid: dead, tag: 's1' }, 'f'.repeat(12));
    const old = tempFileFor(join(dir, 'd.json'), { pid: dead, tag: 's1' }, 'e'.repeat(12));
    writeFileSync(fresh, '{"half');
    writeFileSync(old, '{"torn');
    age(old, FOREIGN_STALE_MS + 60_000);
    const found = await clearLeftovers(dir);
    expect(found).toEqual({ removed: [old], kept: [fresh], failed: [] });
  });
});

describe('a lock from before a reboot of this machine', () => {
  const why = MACHINE === '' ? ' (skipped: this machine has no /etc/machine-id)' : '';
  it.skipIf(MACHINE === '')(
    `is taken over at once; one of another machine with this host name still waits${why}`,
    async () => {
      const dir = tempDir();
      const earlier = { ...SCOPE, boot: '00000000-dead-beef-0000-000000000000' };
      // This machine, this namespace, an earlier boot: its writer died in the reboot.
      writeFileSync(
        join(dir, '.a.json.lock'),
        JSON.stringify({ pid: 1, tag: 's1', ...earlier, machine: MACHINE, nonce: 'ab' }),
      );
      let ran = false;
      await withFileLock(join(dir, 'a.json'), () => Promise.resolve((ran = true)), 200);
      expect(ran).toBe(true);
      // Another machine id (a machine of the same host name): it may be alive; it waits.
      writeFileSync(
        join(dir, '.b.json.lock'),
        JSON.stringify({ pid: 1, tag: 's1', ...earlier, machine: 'f'.repeat(32), nonce: 'ac' }),
      );
      await expect(withFileLock(join(dir, 'b.json'), () => Promise.resolve(), 100)).rejects.toThrow(
        /cannot be checked from here/,
      );
    },
  );
});

describe('the longest cassette name', () => {
  const name = 'a'.repeat(200);
  const lockName = `.${name}.json.lock`;

  it('is allowed, and 201 characters are not', () => {
    expect(checkCassetteName(name)).toBe(name);
    expect(() => checkCassetteName(`${name}a`)).toThrow(/Invalid cassette name/);
  });

  it('a dead writer’s lock on it (any nonce, or unreadable) is taken over; the sweep clears its leftovers', async () => {
    const dir = tempDir();
    const file = join(dir, `${name}.json`);
    const dead = await deadPid();
    const lock = join(dir, lockName);
    // The longest nonce a lock may carry, and content this code cannot read (named by inode).
    for (const text of [
      JSON.stringify({ pid: dead, tag: 's1', ...SCOPE, nonce: 'f'.repeat(64) }),
      'garbage',
    ]) {
      writeFileSync(lock, text);
      age(lock, 60_000);
      let ran = false;
      await withFileLock(file, () => Promise.resolve((ran = true)), 2_000);
      expect(ran).toBe(true);
      expect(readdirSync(dir)).toEqual([]);
    }

    // A dead lock, a dead taker's marker and a dead write's temp file, all of the long name.
    writeFileSync(lock, JSON.stringify({ pid: dead, tag: 's1', ...SCOPE, nonce: 'f'.repeat(64) }));
    const temp = tempFileFor(file, { pid: dead, tag: 's1' });
    writeFileSync(temp, '{"torn');
    // A marker as the code names it: let a takeover die halfway by keeping its file.
    const marker = `.td-${'1'.repeat(16)}.${'f'.repeat(64)}.takeover`;
    writeFileSync(
      join(dir, marker),
      JSON.stringify({ pid: dead, tag: 's1', ...SCOPE, nonce: 'e'.repeat(64) }),
    );
    for (const n of readdirSync(dir)) expect(Buffer.byteLength(n), n).toBeLessThanOrEqual(255);
    expect(basename(temp).length).toBeLessThan(80);
    const found = await clearLeftovers(dir);
    expect(found.failed).toEqual([]);
    expect(found.removed).toHaveLength(3);
    expect(readdirSync(dir)).toEqual([]);
  });
});

const NO_CHATTR = (() => {
  const probe = tempDir('tapedeck-chattr-');
  const why = unavailable('chattr', ['+i', probe]);
  spawnSync('chattr', ['-i', probe]);
  return why;
})();

describe('a sweep that meets an entry it cannot remove', () => {
  it.skipIf(NO_CHATTR !== '')(
    `reports it and goes on with the others; record logs it and starts${NO_CHATTR === '' ? '' : ` (skipped: ${NO_CHATTR})`}`,
    async () => {
      const dirs = layout(tempDir());
      const dead = await deadPid();
      const stuck = join(dirs.cassettes, 'a-stuck');
      const other = join(dirs.cassettes, 'b-other');
      mkdirSync(stuck, { recursive: true });
      mkdirSync(other, { recursive: true });
      const stuckTemp = tempFileFor(join(stuck, 'x.json'), { pid: dead, tag: 's1' });
      const otherTemp = tempFileFor(join(other, 'y.json'), { pid: dead, tag: 's1' });
      writeFileSync(stuckTemp, '{"torn');
      writeFileSync(otherTemp, '{"torn');
      // Immutable: even root cannot remove a file in it.
      expect(spawnSync('chattr', ['+i', stuck]).status).toBe(0);
      defer(() => spawnSync('chattr', ['-i', stuck]));

      const found = await clearLeftovers(dirs.cassettes);
      expect(found.removed).toEqual([otherTemp]);
      expect(found.failed).toEqual([
        { path: stuckTemp, reason: 'EPERM: operation not permitted, unlink' },
      ]);

      writeFileSync(otherTemp, '{"torn');
      const upstream = await startUpstream((_req, res) => res.end('ok'));
      const recorder = await startTapedeck('record', { ...dirs, target: upstream.url });
      defer(() => recorder.stop());
      const warn = recorder.logger.lines.find(
        (l) => l.event === 'store.leftovers' && l.level === 'warn',
      );
      expect(warn?.message).toMatch(
        /^could not clear 1 file\(s\) left by a tapedeck stopped mid-write \(the others were handled\): \S*a-stuck\/\.td-[0-9a-f]{16}\.\d+\.s1\.[0-9a-f]{12}\.\d+\.tmp: EPERM: operation not permitted, unlink$/,
      );
      expect(existsSync(otherTemp)).toBe(false);
    },
  );
});
