// Scenario 2a: the lookup microbenchmark, 100 to 1,000,000 interactions, in process.

import { join } from 'node:path';
import { startWorker } from '../lib/proc.mjs';
import { BENCH_DIR } from '../lib/servers.mjs';
import { median } from '../lib/stats.mjs';
import { quick, S, SERVER_CORE, raw, fmt, log, addRow, printSection } from '../lib/harness.mjs';

export async function scenarioLookup() {
  const section = 'lookup';
  const reps = Math.max(5, S.reps);
  const chunk = quick ? 0.05 : 0.075;
  const chunks = 6;
  const worker = (size) =>
    startWorker({
      name: `lookup ${size}`,
      core: SERVER_CORE,
      args: [
        '--expose-gc',
        '--max-old-space-size=8192',
        join(BENCH_DIR, 'lookup.mjs'),
        JSON.stringify({ size }),
      ],
    });
  // The median of a repetition's chunks: robust to a chunk that lost its core to the VM's host,
  // yet (unlike the fastest) still charged with the garbage collections the lookups cause.
  const nsOf = (answers) => median(answers.map((a) => (a.ms * 1e6) / a.count));
  const base = await worker(100);
  const results = [];
  try {
    for (const size of S.sizes) {
      const big = await worker(size);
      try {
        // Alternate in short chunks (ABBA…) so both see the same moments of this noisy VM.
        const paired = async (mode, chunkCount) => {
          const a = [];
          const b = [];
          for (let k = 0; k < chunkCount; k++) {
            const order = k % 2 === 0 ? [base, big] : [big, base];
            for (const w of order) (w === base ? a : b).push(await w.ask(`time ${chunk} ${mode}`));
          }
          const baseNs = nsOf(a);
          const bigNs = nsOf(b);
          return { baseNs, bigNs, ratio: bigNs / baseNs };
        };
        const perRep = [];
        const parts = { normalize: [], lookup: [] };
        for (let rep = 0; rep < reps; rep++) {
          perRep.push(await paired('full', chunks));
          // Where the difference is: normalizing the request, or the hash table lookup.
          if (rep < S.reps) {
            parts.normalize.push(await paired('normalize', 4));
            parts.lookup.push(await paired('lookup', 4));
          }
        }
        const result = { ...big.ready, perRep, parts };
        results.push(result);
        log(
          `  lookup ${fmt.int(size)}: ${perRep.map((r) => `${r.bigNs.toFixed(0)}`).join(', ')} ns ` +
            `(100: ${perRep.map((r) => `${r.baseNs.toFixed(0)}`).join(', ')}), build ${result.buildMs.toFixed(0)} ms, RSS ${result.rssMB.toFixed(0)} MB`,
        );
      } finally {
        await big.stop();
      }
    }
  } finally {
    await base.stop();
  }
  raw.scenarios.lookup = { base: base.ready, results };
  for (const r of results) {
    addRow({
      section,
      scenario: `lookup, ${fmt.int(r.size)} interactions`,
      metric: 'normalizeRequest + lookup',
      unit: 'ns',
      show: (n) => n.toFixed(0),
      values: r.perRep.map((p) => p.bigNs),
      baselines: r.perRep.map((p) => p.baseNs),
      baselineLabel: '100 interactions, own process',
      target: '≤ 1.20×',
      check: (x) => x <= 1.2,
    });
  }
  for (const r of results) {
    if (r.size === 100) continue;
    for (const [part, label] of [
      ['normalize', 'normalizeRequest alone'],
      ['lookup', 'index.lookup alone (key given)'],
    ]) {
      addRow({
        section,
        scenario: `lookup, ${fmt.int(r.size)} interactions`,
        metric: label,
        unit: 'ns',
        show: (n) => n.toFixed(0),
        values: r.parts[part].map((p) => p.bigNs),
        baselines: r.parts[part].map((p) => p.baseNs),
        baselineLabel: '100 interactions, own process',
      });
    }
  }
  for (const r of results) {
    addRow({
      section,
      scenario: `index, ${fmt.int(r.size)} interactions`,
      metric: 'ReplayIndex build',
      unit: 'ms',
      show: (n) => n.toFixed(1),
      values: [r.buildMs],
      note: `${((r.buildMs * 1000) / r.size).toFixed(2)} µs per interaction`,
    });
    addRow({
      section,
      scenario: `index, ${fmt.int(r.size)} interactions`,
      metric: 'process RSS after build',
      unit: 'MB',
      show: fmt.mb,
      values: [r.rssMB],
      baselines: [base.ready.rssMB],
      baselineLabel: '100 interactions',
      note: `heap used ${r.heapUsedMB.toFixed(0)} MB`,
    });
  }
  printSection(section);
}
