// Writes the README's performance table (between `<!-- bench:start -->` and
// `<!-- bench:end -->`) from the last run's bench/results/latest.json: every row that has a
// target, and the peers' throughput and latency against the raw baseline of the same run.
// Nothing is measured here; run it after `npm run bench:peers` (or `npm run bench`).
//   node bench/readme.mjs            rewrite the block in README.md
//   node bench/readme.mjs --print    print the block instead
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_DIR } from './lib/servers.mjs';

const START = '<!-- bench:start -->';
const END = '<!-- bench:end -->';
const results = JSON.parse(readFileSync(join(REPO_DIR, 'bench', 'results', 'latest.json'), 'utf8'));

const num = (n, unit) => {
  if (n === undefined || n === null) return '—';
  const text =
    unit === 'req/s' || unit === '/s' || Math.abs(n) >= 100
      ? Math.round(n).toLocaleString('en-US')
      : Math.abs(n) >= 10
        ? n.toFixed(1)
        : n.toFixed(unit === 'ms' ? 3 : 2);
  return `${text} ${unit}`.trim();
};
const ratio = (r) => {
  if (r.ratio === undefined || r.ratio === null) return '—';
  const range =
    r.ratioRange && r.perRepRatios?.length > 1
      ? ` (${r.ratioRange[0].toFixed(2)}–${r.ratioRange[1].toFixed(2)})`
      : '';
  return `${r.ratio.toFixed(2)}×${range}`;
};
const met = (r) => (r.met === undefined || r.met === null ? '' : r.met ? 'yes' : '**no**');
const cell = (s) => String(s).replace(/\|/g, '\\|');

const rows = results.rows.filter(
  (r) =>
    r.target !== '—' ||
    (r.section === 'peers' && /^throughput, 32 conn$|^p99 latency/.test(r.metric)) ||
    (r.value === undefined && r.ratio === undefined) ||
    (r.section === 'drift' && r.value !== undefined) ||
    (r.section === 'spec' &&
      /^tapedeck mock/.test(r.scenario) &&
      /^load the spec|^throughput/.test(r.metric)),
);
const m = results.machine;
const lines = [
  '',
  `\`${results.command}\` (${Math.round(results.durationS / 60)} minutes) on ${m.cpu}, ${m.cores} vCPUs, Node ${m.node}, tapedeck ${m.tapedeck ?? ''} at commit ${m.commit}, ${results.date.slice(0, 10)}; ` +
    `${m.taskset ? 'servers on core 0, load generator on core 1' : 'no core pinning'}. ` +
    'Every ratio is taken per repetition against a baseline measured in the same repetition ' +
    '(interleaved slices); median (range). The full table, with the lookup and startup scales ' +
    'and the record details, is [bench/results/latest.md](bench/results/latest.md).',
];
if (m.peers) {
  lines.push(
    '',
    `Peers: ${Object.entries(m.peers)
      .map(([k, v]) => `${k} \`${v}\``)
      .join(
        ', ',
      )}${m.java ? ` (WireMock on ${m.java})` : ''}; how each is set up: docs/performance.md.`,
  );
}
lines.push(
  '',
  '| what | measured | baseline | ratio | target | met |',
  '| --- | --- | --- | --- | --- | --- |',
);
for (const r of rows) {
  // A peer that did not start: the reason is long (ports, URLs); the full table has it.
  const failed = /^failed to start/.test(r.metric);
  const what = failed ? r.scenario : `${r.scenario}: ${r.metric}`;
  const baseline =
    r.baseline === undefined ? '—' : `${num(r.baseline, r.unit)} (${r.baselineLabel})`;
  lines.push(
    `| ${cell(what)} | ${failed ? 'failed to start (see the full table)' : cell(num(r.value, r.unit))} | ${cell(baseline)} | ${ratio(r)} | ${cell(r.target)} | ${met(r)} |`,
  );
}
lines.push(
  '',
  'Why a target is missed and what would close it: [docs/performance.md](docs/performance.md).',
  '',
);
const block = lines.join('\n');

if (process.argv.includes('--print')) {
  process.stdout.write(`${block}\n`);
} else {
  const file = join(REPO_DIR, 'README.md');
  const readme = readFileSync(file, 'utf8');
  const a = readme.indexOf(START);
  const b = readme.indexOf(END);
  if (a < 0 || b < a) throw new Error(`README.md has no ${START} … ${END} block`);
  writeFileSync(file, `${readme.slice(0, a + START.length)}\n${block}\n${readme.slice(b)}`);
  process.stdout.write(`README.md: performance table rewritten (${rows.length} rows)\n`);
}
