import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { clearLeftovers } from '../../src/adapters/cassettes/fs-leftovers.js';
import { withFileLock } from '../../src/adapters/cassettes/fs-lock.js';
import { FOREIGN_STALE_MS, SCOPE, tempFileFor } from '../../src/adapters/cassettes/fs-writer.js';
import { send } from '../helpers/client.js';
import { defer, runCleanups } from '../helpers/cleanup.js';
import { layout, startTapedeck } from '../helpers/tapedeck.js';
import { tempDir } from '../helpers/tmp.js';
import { startUpstream } from '../helpers/upstream.js';

afterEach(runCleanups);

/**
 * Children run the built lock code (`npm run build` first, as for the e2e tests): real processes
 * racing on one directory, not promises in one event loop.
 */
const LOCK_MODULE = fileURLToPath(
  new URL('../../dist/adapters/cassettes/fs-atomic.js', import.meta.url),
);

/** The pid of a process that has exited: a lock or temp file naming it is a dead writer's. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await once(child, 'exit');
  return child.pid!;
}

/** `s<base36 start ticks>`, the tag fs-writer.ts gives a Linux process. */
function startTagOf(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const start = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]!;
  return `s${Number(start).toString(36)}`;
}

/** A lock's content as this tapedeck writes it, for the writer `pid`/`tag` of this scope. */
function lockText(pid: number, tag: string, nonce: string): string {
  return JSON.stringify({ pid, tag, ...SCOPE, nonce });
}

/** Makes `path` look `ms` older than now. */
function age(path: string, ms: number): void {
  const then = new Date(Date.now() - ms);
  utimesSync(path, then, then);
}

/** A child that takes the lock of `file` `times` times once it reads "go" on stdin. */
const RACER = `
import { withFileLock } from ${JSON.stringify(LOCK_MODULE)};
import { appendFile, open, rm } from 'node:fs/promises';
const [file, times] = [process.argv[1], Number(process.argv[2])];
const holder = file + '.holder';
process.stdin.once('data', async () => {
  for (let i = 0; i < times; i++) {
    await withFileLock(file, async () => {
      // Exclusive: a second process inside the lock at the same time fails here.
      let handle;
      try { handle = await open(holder, 'wx'); } catch { process.stdout.write('VIOLATION\\n'); return; }
      await handle.close();
      await appendFile(file, process.pid + '\\n');
      await new Promise((resolve) => setTimeout(resolve, 1));
      await rm(holder);
    });
  }
  process.exit(0);
});
process.stdout.write('ready\\n');
`;

function startRacer(file: string, times: number): { child: ChildProcess; out: () => string } {
  const child = spawn(process.execPath, ['--input-type=module', '-e', RACER, file, String(times)]);
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
  defer(() => child.kill('SIGKILL'));
  return { child, out: () => out };
}

describe('cassette locks: takeover of a dead writer’s lock is atomic', () => {
  const PROCESSES = 6;
  const ROUNDS = 4;
  const TIMES = 3;

  it(`${PROCESSES} processes racing on one dead-pid lock: one holder at a time, every turn taken, ${ROUNDS} rounds`, async () => {
    expect(existsSync(LOCK_MODULE), 'run `npm run build` first').toBe(true);
    const dir = tempDir();
    for (let round = 0; round < ROUNDS; round++) {
      const file = join(dir, `r${round}.json`);
      const dead = await deadPid();
      // Odd rounds: the lock format before tags; even rounds: today's, of a dead writer.
      writeFileSync(
        join(dir, `.r${round}.json.lock`),
        round % 2 === 1 ? String(dead) : lockText(dead, 'sdead', 'abc123'),
      );
      const racers = Array.from({ length: PROCESSES }, () => startRacer(file, TIMES));
      await Promise.all(
        racers.map(
          (r) =>
            new Promise<void>((resolve) => {
              const check = () => (r.out().includes('ready') ? resolve() : undefined);
              r.child.stdout!.on('data', check);
              check();
            }),
        ),
      );
      // As close to at once as the machine allows: every racer finds the dead lock.
      for (const r of racers) r.child.stdin!.write('go\n');
      const codes = await Promise.all(racers.map((r) => once(r.child, 'exit')));
      const outputs = racers.map((r) => r.out()).join('');
      expect(outputs, `round ${round}`).not.toContain('VIOLATION');
      expect(codes.map(([code]) => code as number)).toEqual(racers.map(() => 0));
      const turns = readFileSync(file, 'utf8').trim().split('\n');
      expect(turns).toHaveLength(PROCESSES * TIMES);
      // Nothing left: no lock, no takeover marker, no temp file.
      expect(readdirSync(dir).filter((n) => n.startsWith('.'))).toEqual([]);
    }
  }, 60_000);
});

describe('cassette locks that cannot be judged', () => {
  it('a recent lock of another host is not taken over: the timeout names the file, the host and the next step', async () => {
    const dir = tempDir();
    const lock = JSON.stringify({
      pid: await deadPid(),
      tag: 's1',
      host: 'elsewhere',
      nonce: 'dd',
    });
    writeFileSync(join(dir, '.c.json.lock'), lock);
    let ran = false;
    await expect(
      withFileLock(join(dir, 'c.json'), () => Promise.resolve((ran = true)), 200),
    ).rejects.toThrow(
      /\.c\.json\.lock \(held by pid \d+ on host elsewhere, which cannot be checked from here; it is taken for stale once 60 minutes old\); if no tapedeck writes this cassette, delete the lock file/,
    );
    expect(ran).toBe(false);
    expect(readFileSync(join(dir, '.c.json.lock'), 'utf8')).toBe(lock);
    expect((await clearLeftovers(dir)).kept).toHaveLength(1);
  });
});

describe('leftovers of writers killed mid-write', () => {
  it('removes temp files, locks and markers of dead writers and keeps a live writer’s', async () => {
    const dir = tempDir();
    const dead = await deadPid();
    const live = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)']);
    defer(() => live.kill('SIGKILL'));
    await once(live, 'spawn');
    const livePid = live.pid!;
    const liveTag = startTagOf(livePid);
    const temp = (file: string, pid: number, tag: string) =>
      basename(tempFileFor(join(dir, file), { pid, tag }));
    const liveTemp = temp('b.json', livePid, liveTag);
    const files: Record<string, string> = {
      // A writer that died.
      [temp('a.json', dead, 'sabc')]: '{"torn',
      // The names before scopes and before tags: judged by pid, as the tapedeck that made them.
      [`.a.json.${dead}.sabc.3.tmp`]: '{"torn',
      [`.a.json.${dead}.7.tmp`]: '{"torn',
      // The live pid, but started at another time: the pid was reused, the writer is gone.
      [temp('b.json', livePid, 's1')]: '{"torn',
      [`.b.json.${livePid}.s1.0.tmp`]: '{"torn',
      // A live writer's temp file: another recorder writing now.
      [liveTemp]: '{"half',
      // A dead pid, but of another pid namespace: it may be alive there; an hour old, it is not.
      [basename(tempFileFor(join(dir, 'c.json'), { pid: dead, tag: 's1' }, 'f'.repeat(12)))]: '{',
      // A stale lock and a marker of a taker that died (today's name and the one before), and a
      // live recorder's lock.
      '.a.json.lock': lockText(dead, 'sabc', 'aa'),
      [`.td-${'0'.repeat(16)}.aa.takeover`]: lockText(dead, 'sabc', 'bb'),
      '.a.json.lock.ab.takeover': lockText(dead, 'sabc', 'cd'),
      '.b.json.lock': lockText(livePid, liveTag, 'cc'),
      'a.json': '{}',
    };
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    const foreign = readdirSync(dir).find((n) => n.includes('.ffffffffffff.'))!;

    const found = await clearLeftovers(dir);
    expect(readdirSync(dir).sort()).toEqual(['.b.json.lock', liveTemp, foreign, 'a.json'].sort());
    expect(found.removed).toHaveLength(8);
    expect(found.kept).toHaveLength(3);
    expect(found.failed).toEqual([]);
    age(join(dir, foreign), FOREIGN_STALE_MS + 60_000);
    expect((await clearLeftovers(dir)).removed).toEqual([join(dir, foreign)]);
  });

  it('record clears them at start and says so; the cassette beside them is untouched', async () => {
    const dirs = layout(tempDir());
    const dead = await deadPid();
    const cassettes = dirs.cassettes;
    (await import('node:fs')).mkdirSync(join(cassettes, 'flows'), { recursive: true });
    const cassette = '{\n  "interactions": [],\n  "version": 1\n}\n';
    writeFileSync(join(cassettes, 'flows', 'a.json'), cassette);
    writeFileSync(tempFileFor(join(cassettes, 'flows', 'a.json'), { pid: dead, tag: 's9' }), '{"t');
    writeFileSync(join(cassettes, 'flows', '.a.json.lock'), lockText(dead, 's9', 'ee'));
    const upstream = await startUpstream((_req, res) => res.end('ok'));
    const recorder = await startTapedeck('record', {
      ...dirs,
      target: upstream.url,
      flags: [{ pointer: '/record/cassette', value: 'flows/a', flag: '--cassette' }],
    });
    expect(readdirSync(join(cassettes, 'flows'))).toEqual(['a.json']);
    const line = recorder.logger.lines.find((l) => l.event === 'store.leftovers');
    expect(line?.message).toContain('removed 2 file(s)');
    expect(readFileSync(join(cassettes, 'flows', 'a.json'), 'utf8')).toBe(cassette);
    expect((await send(recorder.url, '/x')).status).toBe(200);
    await recorder.stop();
    expect(readdirSync(join(cassettes, 'flows'))).toEqual(['a.json']);
  });
});
