import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { Cassette } from '../../src/core/cassette/model.js';

/** Reads and parses `NAME.json` below the cassettes directory. */
export async function readCassette(cassettes: string, name = 'default'): Promise<Cassette> {
  return JSON.parse(await readFile(join(cassettes, `${name}.json`), 'utf8')) as Cassette;
}

/** Every file below `dir` (recursively), as paths relative to it, sorted. */
export async function listFiles(dir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { recursive: true, withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

/**
 * Files below `dirs` whose bytes contain `needle`, raw (as UTF-8 and as Latin-1), so a secret
 * in a SQLite page or a JSON string is found wherever it sits.
 */
export async function grepFiles(dirs: readonly string[], needle: string): Promise<string[]> {
  const hits: string[] = [];
  const patterns = [Buffer.from(needle, 'utf8'), Buffer.from(needle, 'latin1')];
  for (const dir of dirs) {
    for (const file of await listFiles(dir)) {
      const bytes = await readFile(join(dir, file));
      if (patterns.some((p) => bytes.includes(p))) hits.push(join(dir, file));
    }
  }
  return hits;
}
