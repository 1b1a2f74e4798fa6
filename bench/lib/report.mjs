// The report of a benchmark run: the machine, the command, and the Markdown of
// bench/results/latest.md (bench/readme.mjs copies parts of it into the README).
import { spawnSync } from 'node:child_process';
import { renameSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { hasTaskset } from './proc.mjs';
import { REPO_DIR } from './servers.mjs';
import {
  fmt,
  only,
  peersMode,
  quick,
  rows,
  S,
  startedAt,
  table,
  tapedeckVersion,
} from './harness.mjs';
import { peerVersions } from '../scenarios/peers.mjs';

/** The commit measured, and whether the working tree differed from it (dist/ is built from it). */
export function gitState() {
  const git = (...args) => {
    const r = spawnSync('git', args, { cwd: REPO_DIR, encoding: 'utf8' });
    return r.status === 0 ? r.stdout.trim() : undefined;
  };
  const commit = git('rev-parse', '--short', 'HEAD');
  const dirty = git('status', '--porcelain', '--', 'src', 'package.json', 'package-lock.json');
  return commit === undefined
    ? 'unknown'
    : `${commit}${dirty ? ' (src/ has uncommitted changes)' : ''}`;
}

/** The `java -version` line (WireMock runs on it), or undefined. */
export function javaVersion() {
  const r = spawnSync('java', ['-version'], { encoding: 'utf8' });
  return r.status === 0 ? r.stderr.split('\n')[0]?.trim() : undefined;
}

export function machine() {
  const cpu = cpus();
  return {
    commit: gitState(),
    cpu: cpu[0]?.model ?? 'unknown',
    cores: cpu.length,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    taskset: hasTaskset(),
    tapedeck: tapedeckVersion(),
    java: javaVersion(),
    ...(peersMode ? { peers: peerVersions() } : {}),
  };
}

export function commandLine() {
  const args = process.argv.slice(2);
  if (args.length === 0) return 'npm run bench';
  if (args.length === 1 && args[0] === '--peers') return 'npm run bench:peers';
  return `node bench/run.mjs ${args.join(' ')}`;
}

export function markdown(m, finishedAt) {
  const command = commandLine();
  const envSet = Object.keys(process.env)
    .filter((k) => k.startsWith('BENCH_'))
    .map((k) => `${k}=${process.env[k]}`);
  const sections = [
    ['replay', '1. Replay vs raw node:http'],
    ['lookup', '2a. Lookup from 100 to 1,000,000 interactions (in-process)'],
    ['startup', '2b. Replay startup and throughput with a big cassette set'],
    ['record', '3. Record overhead'],
    ['peers', '4. Peers serving the same 100 recordings (replay), side by side with raw node:http'],
    ['spec', '5. Spec mocks on a multi-megabyte OpenAPI spec'],
    ['drift', '6. Drift check'],
    ['budgets', '7. Time budgets (asserted in unit tests before; the tests keep the correctness)'],
  ];
  const out = [
    '# tapedeck benchmark results',
    '',
    `- Date: ${startedAt.toISOString()} (took ${((finishedAt - startedAt) / 1000).toFixed(0)} s)`,
    `- Command: \`${[...envSet, command].join(' ')}\`${quick ? ' (smoke run: one repetition, short durations; not for comparisons)' : ''}${only ? ' (a subset of the scenarios)' : ''}`,
    `- Machine: ${m.cpu}, ${m.cores} cores, Node ${m.node}, ${m.platform}`,
    `- Code: commit ${m.commit}`,
    ...(m.baseline
      ? [
          `- Baseline (--baseline-rev): ${m.baseline}, built into a temp dir; its servers run in the same interleaved slices as this build's (rows "new ÷ old build")`,
        ]
      : []),
    ...(m.peers
      ? [
          `- Peers (bench/peers/package.json, pinned): ${Object.entries(m.peers)
            .map(([k, v]) => `${k} \`${v}\``)
            .join(
              ', ',
            )}; WireMock on ${m.java ?? 'java (version unknown)'}. How each is configured: bench/lib/peers/*.mjs and docs/performance.md`,
        ]
      : []),
    `- Pinning: ${m.taskset ? 'servers on core 0, load generator (autocannon 8) on core 1 (taskset)' : 'none (taskset not available)'}`,
    `- Settings: ${S.reps} repetitions; per target and repetition ${S.warmup} s warm-up, ${S.duration} s measured at 32 connections and ${S.latencyDuration} s at 1 connection, in interleaved slices of ${S.slice} s; keep-alive`,
    '- Ratios: computed per repetition against the baseline measured in the same repetition; the table shows the median ratio and, in brackets, the lowest and highest. Values are medians over repetitions.',
    '- Noise: this is a 2-vCPU VM whose cores are sometimes taken away for a second or more, so absolute req/s move a lot between runs; CPU time per request (from /proc) and per-repetition ratios are the stable numbers. Even at 32 connections neither the server nor the load generator keeps its core busy (wake-ups across vCPUs are slow here), which pulls throughput ratios towards 1; the capacity ratio (from CPU per request) does not have that bias.',
    '',
  ];
  for (const [key, title] of sections) {
    const selected = rows.filter((r) => r.section === key);
    if (selected.length === 0) continue;
    out.push(`## ${title}`, '', table(selected), '');
    const notes = selected
      .filter((r) => r.note)
      .map((r) => `- ${r.scenario} — ${r.metric}: ${r.note}`);
    if (notes.length > 0) out.push(...notes, '');
  }
  const missed = rows.filter((r) => r.met === false);
  out.push('## Targets', '');
  out.push(missed.length === 0 ? 'Every target was met.' : `${missed.length} target(s) missed:`);
  for (const r of missed) {
    const got =
      r.ratio !== undefined && !r.absoluteTarget
        ? fmt.x(r.ratio)
        : `${r.show(r.value)} ${r.unit}`.trim();
    out.push(`- ${r.scenario} — ${r.metric}: ${got} against ${r.target}`);
  }
  out.push('');
  return out.join('\n');
}

export function writeAtomically(file, text) {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}
