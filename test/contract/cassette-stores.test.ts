import { execFileSync } from 'node:child_process';
import {
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FsCassetteStore } from '../../src/adapters/cassettes/fs-cassette-store.js';
import { MemoryCassetteStore } from '../../src/adapters/cassettes/memory-cassette-store.js';
import { serializeCassette } from '../../src/core/cassette/codec.js';
import type { Cassette, Interaction } from '../../src/core/cassette/model.js';
import { isInsideJsonBody } from '../../src/core/cassette/model.js';
import { stableStringify } from '../../src/core/json.js';
import { tempDir } from '../helpers/tmp.js';
import { cassetteStoreContract } from './cassette-store.contract.js';

cassetteStoreContract('FsCassetteStore', () => {
  const dir = tempDir();
  return {
    store: new FsCassetteStore(dir),
    putRaw: (name, text) => {
      const file = join(dir, `${name}.json`);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, text);
    },
  };
});

cassetteStoreContract('MemoryCassetteStore', () => {
  const store = new MemoryCassetteStore();
  return { store, putRaw: (name, text) => store.putRaw(name, text) };
});

describe('FsCassetteStore files', () => {
  it('writes pretty, sorted JSON with a trailing newline and leaves no temp or lock files', async () => {
    const dir = tempDir();
    const store = new FsCassetteStore(dir);
    await store.update('flows/a', () => ({
      version: 1,
      meta: { description: 'x' },
      interactions: [],
    }));
    expect(readFileSync(join(dir, 'flows', 'a.json'), 'utf8')).toBe(
      '{\n  "interactions": [],\n  "meta": {\n    "description": "x"\n  },\n  "version": 1\n}\n',
    );
    expect(readdirSync(join(dir, 'flows'))).toEqual(['a.json']);
  });

  it('ignores dot files (temp files, locks) and non-JSON files when listing', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, '.a.json.123.0.tmp'), '{');
    writeFileSync(join(dir, '.a.json.lock'), '1');
    writeFileSync(join(dir, 'notes.txt'), 'hi');
    mkdirSync(join(dir, '.git'));
    writeFileSync(join(dir, '.git', 'x.json'), '{}');
    expect(await new FsCassetteStore(dir).list()).toEqual([]);
  });

  it('takes over a lock left by a process that no longer runs', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, '.stale.json.lock'), '999999999');
    const store = new FsCassetteStore(dir);
    await store.update('stale', () => ({ version: 1, interactions: [] }));
    expect(readdirSync(dir)).toEqual(['stale.json']);
  });

  it('lists nothing for a directory that does not exist', async () => {
    expect(await new FsCassetteStore(join(tempDir(), 'missing')).list()).toEqual([]);
  });
});

describe('FsCassetteStore remembers what it wrote', () => {
  const item = (i: number): Interaction => ({
    request: { method: 'GET', path: `/items/${i}`, query: {}, headers: {} },
    response: { status: 200, headers: {}, body: { encoding: 'json', json: { i, z: 1, a: 2 } } },
    latencyMs: i,
    recordedAt: '2026-01-01T00:00:00.000Z',
  });
  const appendOne =
    (i: number, seen?: (current: Cassette | undefined) => void) =>
    (current: Cassette | undefined): Cassette => {
      seen?.(current);
      return {
        version: 1,
        meta: { ...current?.meta, description: 'kept' },
        interactions: [...(current?.interactions ?? []), item(i)],
      };
    };
  const setup = () => {
    const dir = tempDir();
    return { dir, file: join(dir, 'c.json'), store: new FsCassetteStore(dir) };
  };

  it('does not read back its own writes, and writes what serializeCassette writes', async () => {
    const { file, store } = setup();
    const seen: (Cassette | undefined)[] = [];
    for (let i = 0; i < 4; i++)
      await store.update(
        'c',
        appendOne(i, (c) => seen.push(c)),
      );
    // The same interaction objects come back: nothing was parsed again.
    expect(seen[3]!.interactions[0]).toBe(seen[1]!.interactions[0]);
    expect(seen[3]!.interactions[1]).toBe(seen[2]!.interactions[1]);
    const text = readFileSync(file, 'utf8');
    const expected: Cassette = {
      version: 1,
      meta: { description: 'kept' },
      interactions: [0, 1, 2, 3].map(item),
    };
    expect(text).toBe(stableStringify(expected, isInsideJsonBody));
    expect(await store.load('c')).toEqual(expected);
  });

  it('hands out a frozen cassette: a change function cannot corrupt what it remembers', async () => {
    const { file, store } = setup();
    await store.update('c', appendOne(0));
    const before = readFileSync(file, 'utf8');
    await expect(
      store.update('c', (current) => {
        (current!.interactions as Interaction[]).push(item(99));
        return current!;
      }),
    ).rejects.toThrow('not extensible');
    expect(readFileSync(file, 'utf8')).toBe(before);
    // The caller's own objects are copied: changing them later changes nothing written.
    const mine = item(1);
    await store.update('c', (current) => ({ ...current!, interactions: [mine] }));
    (mine.response.headers as Record<string, string>)['x-later'] = 'changed';
    await store.update('c', appendOne(2));
    expect(readFileSync(file, 'utf8')).not.toContain('x-later');
    expect((await store.load('c'))?.interactions.map((x) => x.latencyMs)).toEqual([1, 2]);
  });

  it('reads the file again when someone else changed it, even to the same size and mtime', async () => {
    const { dir, file, store } = setup();
    await store.update('c', appendOne(1));
    // A hand edit in place, of the same length, with the mtime put back to the nanosecond
    // (`touch -r`): only the ctime tells.
    const text = readFileSync(file, 'utf8');
    const before = statSync(file, { bigint: true });
    const reference = join(dir, 'reference');
    writeFileSync(reference, '');
    execFileSync('touch', ['-m', '-r', file, reference]);
    writeFileSync(file, text.replace('"latencyMs": 1', '"latencyMs": 7'));
    execFileSync('touch', ['-m', '-r', reference, file]);
    const after = statSync(file, { bigint: true });
    expect([after.ino, after.size, after.mtimeNs]).toEqual([
      before.ino,
      before.size,
      before.mtimeNs,
    ]);
    await store.update('c', appendOne(2));
    expect((await store.load('c'))?.interactions.map((x) => x.latencyMs)).toEqual([7, 2]);
  });

  it('sees the writes of another process (another store) and loses none', async () => {
    const { dir, store } = setup();
    const other = new FsCassetteStore(dir);
    for (let i = 0; i < 6; i++) await (i % 3 === 0 ? other : store).update('c', appendOne(i));
    await Promise.all(
      Array.from({ length: 10 }, (_, i) => (i % 2 ? store : other).update('c', appendOne(10 + i))),
    );
    const latencies = (await store.load('c'))?.interactions.map((x) => x.latencyMs);
    expect(latencies?.slice(0, 6)).toEqual([0, 1, 2, 3, 4, 5]);
    expect([...latencies!].sort((a, b) => a - b)).toEqual([
      0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19,
    ]);
  });

  it('never overwrites a cassette made malformed after its last write', async () => {
    const { file, store } = setup();
    await store.update('c', appendOne(1));
    writeFileSync(file, '{"version": 1, "interactions": 7}');
    await expect(store.update('c', appendOne(2))).rejects.toMatchObject({
      code: 'TD_CASSETTE_INVALID',
    });
    expect(readFileSync(file, 'utf8')).toBe('{"version": 1, "interactions": 7}');
  });

  it('starts afresh when the file was deleted after its last write', async () => {
    const { file, store } = setup();
    await store.update('c', appendOne(1));
    rmSync(file);
    await store.update('c', appendOne(2));
    expect((await store.load('c'))?.interactions.map((x) => x.latencyMs)).toEqual([2]);
  });

  it('reads a file replaced by a rename (a git checkout, an editor) after its last write', async () => {
    const { dir, file, store } = setup();
    await store.update('c', appendOne(1));
    const replacement = serializeCassette({ version: 1, interactions: [item(5)] });
    writeFileSync(join(dir, 'elsewhere'), replacement);
    renameSync(join(dir, 'elsewhere'), file);
    await store.update('c', appendOne(2));
    expect((await store.load('c'))?.interactions.map((x) => x.latencyMs)).toEqual([5, 2]);
  });
});
