// Scenario 3b: the cost of appending one interaction to a cassette of growing size.

import { join } from 'node:path';
import { runJson } from '../lib/proc.mjs';
import { BENCH_DIR } from '../lib/servers.mjs';
import { median } from '../lib/stats.mjs';
import { quick, S, SERVER_CORE, raw, fmt, log, addRow, printSection } from '../lib/harness.mjs';

export async function scenarioAppend() {
  const section = 'record';
  const sizes = S.appendSizes;
  const result = await runJson({
    name: 'append',
    core: SERVER_CORE,
    args: [
      join(BENCH_DIR, 'append.mjs'),
      JSON.stringify({ sizes, reps: S.reps, appends: quick ? 2 : 3 }),
    ],
  });
  raw.scenarios.append = result;
  for (const size of sizes) {
    addRow({
      section,
      scenario: `append 1 interaction to a cassette of ${fmt.int(size)}`,
      metric: 'FsCassetteStore.update',
      unit: 'ms',
      show: (n) => n.toFixed(1),
      values: result.perRep.map((r) => r[size]),
      baselines: result.perRep.map((r) => r[sizes[0]]),
      baselineLabel: `cassette of ${fmt.int(sizes[0])}`,
      note: `${(result.bytes[size] / 2 ** 20).toFixed(1)} MB file`,
    });
  }
  log(
    `  append: ${sizes.map((s) => `${fmt.int(s)} → ${median(result.perRep.map((r) => r[s])).toFixed(1)} ms`).join(', ')}`,
  );
  printSection(section);
}
