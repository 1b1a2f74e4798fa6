import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FsCassetteStore } from '../../src/adapters/fs-cassette-store.js';
import { MemoryCassetteStore } from '../../src/adapters/memory-cassette-store.js';
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
