// Where replay's start-up time goes with a big cassette set, in-process and step by step:
// reading the files, JSON.parse, schema validation (parseCassette does both), and building the
// ReplayIndex. Not part of `npm run bench`; run by hand against a build:
//   npm run build && node bench/perf-startup.mjs [interactions] [cassettes]
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { FsCassetteStore } from '../dist/adapters/cassettes/fs-cassette-store.js';
import { parseCassette } from '../dist/core/cassette/codec.js';
import { compileMatchConfig } from '../dist/core/matching/config.js';
import { ReplayIndex } from '../dist/core/matching/index.js';
import * as cassetteFormat from './lib/cassette-format.mjs';
import { writeCassettes } from './lib/fixtures.mjs';

const total = Number(process.argv[2] ?? 100_000);
const count = Number(process.argv[3] ?? 100);
const dir = mkdtempSync(join(tmpdir(), 'tapedeck-perf-startup-'));
try {
  writeCassettes(cassetteFormat, dir, total, count);
  const store = new FsCassetteStore(dir);
  const names = await store.list();
  const cpu = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  const step = (name, fn) => {
    const c0 = cpu();
    const t0 = performance.now();
    const out = fn();
    console.log(
      `${name.padEnd(28)} ${(performance.now() - t0).toFixed(0).padStart(6)} ms wall ${(cpu() - c0).toFixed(0).padStart(6)} ms CPU`,
    );
    return out;
  };
  const texts = step('read files', () =>
    names.map((n) => readFileSync(join(dir, `${n}.json`), 'utf8')),
  );
  console.log(
    `${names.length} files, ${(texts.reduce((n, t) => n + t.length, 0) / 2 ** 20).toFixed(1)} MB`,
  );
  step('JSON.parse', () => texts.map((t) => JSON.parse(t)));
  const cassettes = step('parseCassette (parse+check)', () =>
    texts.map((t, i) => ({
      name: names[i],
      cassette: parseCassette(t, names[i]).cassette,
    })),
  );
  const config = compileMatchConfig({ headers: [], ignoreQuery: [], ignoreBodyPaths: [] });
  step('ReplayIndex', () => new ReplayIndex(cassettes, config));
  const c0 = cpu();
  const t0 = performance.now();
  const loaded = await store.loadAll();
  console.log(
    `${'store.loadAll (async)'.padEnd(28)} ${(performance.now() - t0).toFixed(0).padStart(6)} ms wall ${(cpu() - c0).toFixed(0).padStart(6)} ms CPU (${loaded.cassettes.length} cassettes)`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
