// What one recorded interaction costs to put on disk, by the size of the cassette it goes to:
// `FsCassetteStore.update` appending one interaction, as tapedeck's recorder does for each batch
// of finished interactions. The store remembers the cassette it last wrote together with the
// file's identity (device, inode, size, mtime, ctime): while the file is unchanged, an update
// takes a lock file, stats the file, starts from the remembered cassette (no read, parse or
// validation), seals the new interaction, serializes only it (the bytes of the interactions
// already there are reused), then writes the pieces to a temp file in one writev, fsyncs and
// renames it. That is the steady state of a recording session, and what is timed here: the
// first update of each file (which reads, parses and validates the file written below) is the
// warm-up and is not counted. Cassettes of each size are timed in alternation, in a temp dir.
// Prints one JSON line.
//   node bench/append.mjs '{"sizes":[100,1000,10000],"reps":3,"appends":5}'
import { mkdtempSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { FsCassetteStore } from '../dist/adapters/cassettes/fs-cassette-store.js';
import { serializeCassette } from '../dist/core/cassette/codec.js';
import { CASSETTE_VERSION } from '../dist/core/cassette/model.js';
import { interaction } from './lib/fixtures.mjs';

const { sizes, reps = 3, appends = 5 } = JSON.parse(process.argv[2]);
const dir = mkdtempSync(join(tmpdir(), 'tapedeck-append-'));
try {
  mkdirSync(join(dir, 'rec'), { recursive: true });
  const store = new FsCassetteStore(join(dir, 'rec'));
  const files = {};
  for (const size of sizes) {
    const interactions = Array.from({ length: size }, (_, i) => interaction(i));
    const text = serializeCassette({ version: CASSETTE_VERSION, interactions });
    writeFileSync(join(dir, 'rec', `size-${size}.json`), text);
    files[size] = text.length;
  }
  let next = 10_000_000;
  const append = async (size) => {
    const one = interaction(next++);
    const started = performance.now();
    await store.update(`size-${size}`, (current) => ({
      version: CASSETTE_VERSION,
      meta: { ...current?.meta },
      interactions: [...(current?.interactions ?? []), one],
    }));
    return performance.now() - started;
  };
  // Warm-up, once per size: the store reads, parses and validates each file this once, and
  // remembers it from then on.
  for (const size of sizes) await append(size);
  const perRep = [];
  for (let rep = 0; rep < reps; rep++) {
    const ms = Object.fromEntries(sizes.map((s) => [s, 0]));
    for (let k = 0; k < appends; k++) {
      const order = (rep + k) % 2 === 0 ? sizes : [...sizes].reverse();
      for (const size of order) ms[size] += await append(size);
    }
    for (const size of sizes) ms[size] /= appends;
    perRep.push(ms);
  }
  const bytes = Object.fromEntries(
    sizes.map((s) => [s, statSync(join(dir, 'rec', `size-${s}.json`)).size]),
  );
  process.stdout.write(`${JSON.stringify({ sizes, perRep, bytes })}\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
