import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { send } from '../helpers/client.js';
import { defer, runCleanups } from '../helpers/cleanup.js';
import { layout, startTapedeck } from '../helpers/tapedeck.js';
import { tempDir } from '../helpers/tmp.js';
import { startUpstream } from '../helpers/upstream.js';

afterEach(runCleanups);

/**
 * A full disk and a read-only folder are made for real: a small tmpfs mounted over the
 * cassettes folder (CI runs as root in a container that allows it), remounted read-only for the
 * second case. Where mounting is not allowed the tests are skipped, and their names say why.
 */
function mountProbe(): string | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'tapedeck-mount-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir], { stdio: 'pipe' });
    execFileSync('umount', [dir], { stdio: 'pipe' });
    return undefined;
  } catch (error) {
    return (error as Error).message.split('\n')[0];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
const cannotMount = mountProbe();
const why = cannotMount === undefined ? '' : ` (skipped: mount -t tmpfs failed: ${cannotMount})`;

/** A tmpfs of `size` over `dir`, unmounted after the test (before the temp dir is removed). */
function mountTmpfs(dir: string, size: string): void {
  mkdirSync(dir, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]);
  defer(() => execFileSync('umount', ['-l', dir]));
}

function problemCode(body: Buffer): unknown {
  return (JSON.parse(body.toString('utf8')) as { code?: unknown }).code;
}

describe.skipIf(cannotMount !== undefined)('recording onto a disk that fails', () => {
  it(`a full disk (ENOSPC): the old file stays whole, what was answered is held and written once there is room, requests meanwhile get 503${why}`, async () => {
    const dirs = layout(tempDir());
    mountTmpfs(dirs.cassettes, '256k');
    const big = 'y'.repeat(48 * 1024);
    const upstream = await startUpstream((req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(req.url === '/big' ? big : 'small');
    });
    const recorder = await startTapedeck('record', { ...dirs, target: upstream.url });
    const file = join(dirs.cassettes, 'default.json');

    expect((await send(recorder.url, '/first')).status).toBe(200);
    await recorder.logger.waitFor('record.written');
    const before = readFileSync(file);

    // Fill the file system to the last byte.
    const filler = join(dirs.cassettes, 'filler.bin');
    try {
      writeFileSync(filler, Buffer.alloc(512 * 1024));
    } catch (error) {
      expect((error as NodeJS.ErrnoException).code).toBe('ENOSPC');
    }
    expect((await send(recorder.url, '/big')).body.toString()).toBe(big);
    const failed = await recorder.logger.waitFor('record.failed');
    expect(failed.level).toBe('error');
    expect(failed.fields['code']).toBe('TD_CASSETTE_WRITE_FAILED');
    expect(failed.message).toContain('ENOSPC');
    expect(failed.message).toContain('held in memory');
    // Nothing torn, nothing half-written left beside it.
    expect(readFileSync(file).equals(before)).toBe(true);
    expect(readdirSync(dirs.cassettes).sort()).toEqual(['default.json', 'filler.bin']);

    // While it cannot write, the recorder says so and forwards nothing.
    const seen = upstream.requests.length;
    const refused = await send(recorder.url, '/while-full');
    expect(refused.status).toBe(503);
    expect(refused.headers['content-type']).toContain('application/problem+json');
    expect(problemCode(refused.body)).toBe('TD_CASSETTE_WRITE_FAILED');
    expect(refused.text()).not.toContain('while-full');
    expect(upstream.requests.length).toBe(seen);

    // Room again: the held interaction lands by itself, and recording resumes.
    rmSync(filler);
    await recorder.logger.waitFor('record.recovered');
    const after = JSON.parse(readFileSync(file, 'utf8')) as {
      interactions: { request: { path: string } }[];
    };
    expect(after.interactions.map((i) => i.request.path)).toEqual(['/first', '/big']);
    expect((await send(recorder.url, '/later')).status).toBe(200);
    const summary = (await recorder.stop()) as { recordFailures: number };
    expect(summary.recordFailures).toBe(0);
    expect(readdirSync(dirs.cassettes)).toEqual(['default.json']);
  });

  it(`a read-only folder (EROFS): the old file stays whole, requests get 503, and a stop that still cannot write says how many were lost${why}`, async () => {
    const dirs = layout(tempDir());
    mountTmpfs(dirs.cassettes, '1m');
    const upstream = await startUpstream((_req, res) => res.end('ok'));
    const recorder = await startTapedeck('record', { ...dirs, target: upstream.url });
    const file = join(dirs.cassettes, 'default.json');
    expect((await send(recorder.url, '/first')).status).toBe(200);
    await recorder.logger.waitFor('record.written');
    const before = readFileSync(file);

    execFileSync('mount', ['-o', 'remount,ro', dirs.cassettes]);
    defer(() => execFileSync('mount', ['-o', 'remount,rw', dirs.cassettes]));
    expect((await send(recorder.url, '/second')).status).toBe(200);
    const failed = await recorder.logger.waitFor('record.failed');
    expect(failed.message).toContain('EROFS');
    expect((await send(recorder.url, '/third')).status).toBe(503);
    expect(readFileSync(file).equals(before)).toBe(true);

    // Stopping while still read-only: the held interaction cannot land; the summary counts it
    // (the CLI exits 4, TD_CASSETTE_WRITE_FAILED).
    const summary = (await recorder.stop()) as { recordFailures: number };
    expect(summary.recordFailures).toBe(1);
    expect(recorder.logger.lines.filter((l) => l.event === 'record.failed')).toHaveLength(2);
    expect(readFileSync(file).equals(before)).toBe(true);
    expect(readdirSync(dirs.cassettes)).toEqual(['default.json']);
  });

  it(`a folder read-only from the start: record starts, says it could not clear leftovers, and refuses to record${why}`, async () => {
    const dirs = layout(tempDir());
    mountTmpfs(dirs.cassettes, '1m');
    const cassette = '{\n  "interactions": [],\n  "version": 1\n}\n';
    writeFileSync(join(dirs.cassettes, 'default.json'), cassette);
    writeFileSync(join(dirs.cassettes, '.default.json.999999999.s1.0.tmp'), '{"tor');
    execFileSync('mount', ['-o', 'remount,ro', dirs.cassettes]);
    defer(() => execFileSync('mount', ['-o', 'remount,rw', dirs.cassettes]));
    const upstream = await startUpstream((_req, res) => res.end('ok'));
    const recorder = await startTapedeck('record', { ...dirs, target: upstream.url });
    const warned = recorder.logger.lines.find((l) => l.event === 'store.leftovers');
    expect(warned?.level).toBe('warn');
    expect(warned?.message).toContain('EROFS');
    expect((await send(recorder.url, '/first')).status).toBe(200);
    await recorder.logger.waitFor('record.failed');
    expect((await send(recorder.url, '/second')).status).toBe(503);
    expect(readFileSync(join(dirs.cassettes, 'default.json'), 'utf8')).toBe(cassette);
  });
});
