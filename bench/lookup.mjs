// The replay lookup, measured in-process: what the replay server does per request to find the
// recorded answer, `normalizeRequest(request, config)` + `index.lookup(key)`, on a ReplayIndex of
// `size` interactions. run.mjs starts one process per size and one for the 100-interaction
// baseline, each with its own heap (as a replay server would have), and asks them in turn to
// time lookups for a moment (`time SECONDS [full|normalize|lookup]` on stdin), so that every ratio compares timings
// taken side by side. Prints a `ready` line (build time, memory), then one line per timing.
//   node --expose-gc bench/lookup.mjs '{"size":100000}'
import { createInterface } from 'node:readline';
import { performance } from 'node:perf_hooks';
import { compileMatchConfig } from '../dist/core/matching/config.js';
import { ReplayIndex } from '../dist/core/matching/index.js';
import { normalizeRequest } from '../dist/core/matching/normalize.js';
import { incomingRequest, interaction } from './lib/fixtures.mjs';

const { size, queries = 10_000, seed = 42 } = JSON.parse(process.argv[2]);
const PER_CASSETTE = 1_000;

/** A small seeded PRNG (mulberry32), so every run asks for the same routes. */
function random(state) {
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gc() {
  if (typeof globalThis.gc === 'function') {
    globalThis.gc();
    globalThis.gc();
  }
}

/** Cassettes of up to 1,000 interactions each, small response bodies (matching reads requests). */
function cassettes(n) {
  const out = [];
  for (let c = 0; c * PER_CASSETTE < n; c++) {
    const interactions = [];
    for (let i = c * PER_CASSETTE; i < Math.min(n, (c + 1) * PER_CASSETTE); i++) {
      interactions.push(interaction(i, { small: true }));
    }
    out.push({
      name: `items/part-${String(c).padStart(4, '0')}`,
      cassette: { version: 1, interactions },
    });
  }
  return out;
}

function build(n, config) {
  const data = cassettes(n);
  gc();
  const rssBefore = process.memoryUsage().rss;
  const started = performance.now();
  const index = new ReplayIndex(data, config);
  const buildMs = performance.now() - started;
  gc();
  const memory = process.memoryUsage();
  return {
    index,
    buildMs,
    rssMB: memory.rss / 2 ** 20,
    indexRssMB: (memory.rss - rssBefore) / 2 ** 20,
    heapUsedMB: memory.heapUsed / 2 ** 20,
  };
}

/** Fresh request objects, as the server builds per request, for routes drawn uniformly. */
function requestsFor(n) {
  const next = random(seed + n);
  return Array.from({ length: queries }, () => incomingRequest(Math.floor(next() * n)));
}

let sink = 0;
/**
 * Whole passes over the queries until `seconds` have passed: total ms and operations done.
 * `full`: normalizeRequest + lookup (what replay does); `normalize`: normalizeRequest alone;
 * `lookup`: index.lookup alone, on keys normalized beforehand (the hash table's share).
 */
function time(index, config, requests, keys, seconds, mode = 'full') {
  let count = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  let now = started;
  while (now < deadline) {
    if (mode === 'full') {
      for (let i = 0; i < requests.length; i++) {
        const key = normalizeRequest(requests[i], config).key;
        const entry = index.lookup(key);
        if (entry === undefined) throw new Error(`lookup missed ${key}`);
        sink += entry.positions[0];
      }
    } else if (mode === 'normalize') {
      for (let i = 0; i < requests.length; i++) {
        sink += normalizeRequest(requests[i], config).key.length;
      }
    } else {
      for (let i = 0; i < keys.length; i++) sink += index.lookup(keys[i]).positions[0];
    }
    count += requests.length;
    now = performance.now();
  }
  return { ms: now - started, count };
}

const config = compileMatchConfig({ headers: [], ignoreQuery: [], ignoreBodyPaths: [] });
const built = build(size, config);
const requests = requestsFor(size);
const keys = requests.map((r) => normalizeRequest(r, config).key);
// Warm up before the first timing.
for (const mode of ['full', 'normalize', 'lookup'])
  time(built.index, config, requests, keys, 0.1, mode);

process.stdout.write(
  `${JSON.stringify({
    event: 'ready',
    size,
    buildMs: built.buildMs,
    rssMB: process.memoryUsage().rss / 2 ** 20,
    indexRssMB: built.indexRssMB,
    heapUsedMB: built.heapUsedMB,
  })}\n`,
);

// Then one timing per `time SECONDS` line on stdin, answered with one JSON line.
const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  const [command, seconds, mode] = line.trim().split(/\s+/);
  if (command === 'time') {
    const { ms, count } = time(built.index, config, requests, keys, Number(seconds), mode);
    process.stdout.write(`${JSON.stringify({ event: 'timed', ms, count, sink: sink % 7 })}\n`);
  } else if (command === 'exit') {
    break;
  }
}
lines.close();
