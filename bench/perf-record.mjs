// What recording costs per interaction, in-process, step by step, on the record scenario's
// upstream body (bench/lib/fixtures.mjs accountBytes: ~1.1 KB JSON, 8 values to redact) with the
// repository's default rules: decode (content coding + JSON/text classification), redact (rules,
// detectors, value tracking with one registry per cassette, as the recorder keeps), scan (the
// guard before every write), and serialize (the interaction's cassette text, once). Not part of
// `npm run bench`; run by hand against a build:
//   npm run build && node bench/perf-record.mjs [seconds-per-step]
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import { NodeBodyCodec } from '../dist/adapters/http/body-codec.js';
import { hmacHash, loadRuleFiles } from '../dist/adapters/redaction/redaction-io.js';
import { serializeCassette } from '../dist/core/cassette/codec.js';
import { Redactor } from '../dist/core/redaction/engine.js';
import { SecretRegistry } from '../dist/core/redaction/registry.js';
import { scanInteraction } from '../dist/core/redaction/scan.js';
import { accountBytes, RESPONSE_HEADERS } from './lib/fixtures.mjs';
import { BENCH_DIR } from './lib/servers.mjs';

const seconds = Number(process.argv[2] ?? 1);
const { rules } = loadRuleFiles([join(BENCH_DIR, '..', 'redaction-rules')]);
const disabled = new Set();
const redactor = new Redactor({
  rules,
  hash: hmacHash('bench-key-0123456789abcdef0123456789abcdef01'),
  disabled,
});
const codec = new NodeBodyCodec();
const bytes = accountBytes();
const headers = { ...RESPONSE_HEADERS };
const registry = new SecretRegistry();

let n = 0;
function raw(i = n++) {
  return {
    request: {
      method: 'GET',
      path: `/v1/things/${i}`,
      query: {},
      headers: { accept: 'application/json', 'user-agent': 'autocannon', host: '127.0.0.1' },
    },
    response: { status: 200, headers, body: codec.decode(bytes, headers) },
    latencyMs: 0.5,
    recordedAt: '2026-11-21T09:00:00.000Z',
  };
}

function time(name, fn) {
  for (let i = 0; i < 2000; i++) fn();
  // CPU time, not wall time: on a shared VM the core is sometimes taken away mid-run.
  let count = 0;
  const cpu = process.cpuUsage();
  const deadline = performance.now() + seconds * 1000;
  while (performance.now() < deadline) {
    for (let i = 0; i < 200; i++) fn();
    count += 200;
  }
  const used = process.cpuUsage(cpu);
  const us = (used.user + used.system) / count;
  console.log(`${name.padEnd(34)} ${us.toFixed(1).padStart(7)} µs CPU`);
  return us;
}

let sink = 0;
const redacted = redactor.redactInteraction(raw(), registry).value;
const scanOptions = { rules, disabled, registry };
if (scanInteraction(redacted, scanOptions).length > 0)
  throw new Error('the scan blocks the bench body');
time('decode (classify JSON)', () => {
  sink += codec.decode(bytes, headers) === undefined ? 0 : 1;
});
time('redactInteraction', () => {
  sink += redactor.redactInteraction(raw(), registry).findings.length;
});
time('scanInteraction', () => {
  sink += scanInteraction(redacted, scanOptions).length;
});
time('decode + redact + scan', () => {
  const value = redactor.redactInteraction(raw(), registry).value;
  sink += scanInteraction(value, scanOptions).length;
});
time('serialize one interaction', () => {
  sink += serializeCassette({
    version: 1,
    interactions: [redactor.redactInteraction(raw(), registry).value],
  }).length;
});
console.log(`(registry: ${registry.size} secrets; sink ${sink % 7})`);
