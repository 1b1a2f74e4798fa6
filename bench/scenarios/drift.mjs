// Scenario 6: drift checking (bench/drift.mjs).

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { runJson } from '../lib/proc.mjs';
import { BENCH_DIR } from '../lib/servers.mjs';
import { median } from '../lib/stats.mjs';
import { quick, S, raw, fmt, log, addRow, printSection, reason } from '../lib/harness.mjs';

export async function scenarioDrift() {
  const section = 'drift';
  const script = join(BENCH_DIR, 'drift.mjs');
  if (!existsSync(script)) {
    addRow({
      section,
      scenario: 'drift check',
      metric: 'bench/drift.mjs not present in this build',
      unit: '',
    });
    printSection(section);
    return;
  }
  const perRep = [];
  for (let rep = 0; rep < S.reps; rep++) {
    try {
      const result = await runJson({
        name: 'drift',
        args: [script],
        env: quick ? { DRIFT_BENCH_N: '2000' } : {},
      });
      perRep.push(result);
      log(`  drift rep ${rep + 1}/${S.reps}: ${JSON.stringify(result)}`);
    } catch (error) {
      addRow({
        section,
        scenario: 'drift check',
        metric: `bench/drift.mjs failed: ${reason(error)}`,
        unit: '',
      });
      printSection(section);
      return;
    }
  }
  raw.scenarios.drift = perRep;
  // bench/drift.mjs prints one JSON line; read its rate and memory whatever it calls them.
  const pickNumber = (r, names) => {
    for (const n of names) if (typeof r[n] === 'number') return r[n];
    for (const [k, v] of Object.entries(r)) {
      if (typeof v === 'number' && names.some((n) => k.toLowerCase().includes(n.toLowerCase())))
        return v;
    }
    return undefined;
  };
  const rate = perRep.map((r) =>
    pickNumber(r, ['interactionsPerSecond', 'checkedPerSecond', 'perSecond', 'rate', 'PerS']),
  );
  const rss = perRep.map((r) => pickNumber(r, ['rssMB', 'peakRssMB', 'rss']));
  const first = perRep[0] ?? {};
  const what = [
    first.interactions !== undefined && `${fmt.int(first.interactions)} interactions`,
    first.cassettes !== undefined && `${fmt.int(first.cassettes)} cassettes`,
    first.concurrency !== undefined && `concurrency ${first.concurrency}`,
    first.learn !== undefined && `noise learning ${first.learn ? 'on' : 'off'}`,
  ]
    .filter(Boolean)
    .join(', ');
  const scenario = `drift check against a local upstream${what ? ` (${what})` : ''}`;
  const requests = perRep.map((r) => r.requestsPerSecond);
  addRow({
    section,
    scenario,
    metric: 'interactions checked per second',
    unit: '/s',
    show: fmt.int,
    values: rate,
    note: `bench/drift.mjs, run once per repetition${requests.some((v) => typeof v === 'number') ? `; ${fmt.int(median(requests))} upstream requests per second` : ''}${typeof first.drifted === 'number' ? `; ${fmt.int(first.drifted)} interactions reported as drifted` : ''}`,
  });
  if (rss.some((v) => v !== undefined)) {
    addRow({
      section,
      scenario,
      metric: 'peak RSS',
      unit: 'MB',
      show: fmt.mb,
      values: rss,
    });
  }
  printSection(section);
}
