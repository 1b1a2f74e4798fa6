// Scenario 3: record overhead, against a direct upstream, proxies and record without redaction.
//
// Over 400 lines on purpose: one scenario whose phases (set-up of six targets, the interleaved
// measurement, the check that every recording is complete and redacted, the rows) share the same
// targets and results; split across files they would pass half the scenario's state around.

import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { accountBytes, accountJson, ACCOUNT_SECRETS } from '../lib/fixtures.mjs';
import { REDACTION_KEY, REDACTION_RULES_DIR, REPO_DIR } from '../lib/servers.mjs';
import { startProxy, startRaw, startRecord, startRecordNoRedact } from '../lib/servers.mjs';
import { median } from '../lib/stats.mjs';
import * as peers from '../lib/peers/index.mjs';
import {
  peersMode,
  S,
  SERVER_CORE,
  LOAD_CORE,
  work,
  rows,
  raw,
  fmt,
  log,
  addRow,
  printSection,
  expectBody,
  load,
  checkClean,
  pick,
  stopAll,
  reason,
} from '../lib/harness.mjs';

/**
 * What a record run left in `dir`: how many interactions, how many bytes, the first interaction,
 * and which of `secrets` occur anywhere in the files.
 */
function readRecording(dir, secrets) {
  let count = 0;
  let bytes = 0;
  let first;
  const found = new Set();
  const walk = (d) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const full = join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.json') && !entry.name.startsWith('.')) {
        const text = readFileSync(full, 'utf8');
        bytes += statSync(full).size;
        for (const secret of secrets) if (text.includes(secret)) found.add(secret);
        const { interactions } = JSON.parse(text);
        first ??= interactions[0];
        count += interactions.length;
      }
    }
  };
  walk(dir);
  return { count, bytes, first, found };
}

/** The strings of the record scenario's upstream body that redaction must keep off disk. */
const RECORD_SECRETS = [
  ACCOUNT_SECRETS.accessToken,
  ACCOUNT_SECRETS.refreshToken,
  ...ACCOUNT_SECRETS.emails,
  ACCOUNT_SECRETS.phone,
];

/**
 * Stops a recording server (SIGTERM, then it drains its cassette writes) and checks what it
 * left: every interaction recorded (none blocked by the scanner, none failed), no key file
 * generated, and with redaction on no secret of the upstream's body on disk; with it off, the
 * body exactly as sent.
 */
async function stopRecorder(server, cassettes, { redacted }) {
  const stopping = process.hrtime.bigint();
  await server.stop(120_000);
  const stopMs = Number(process.hrtime.bigint() - stopping) / 1e6;
  const summary = server.lines
    .map((l) => {
      try {
        return JSON.parse(l);
      } catch {
        return undefined;
      }
    })
    .find((e) => e?.event === 'summary');
  const onDisk = readRecording(cassettes, RECORD_SECRETS);
  const problems = [];
  if (summary === undefined) problems.push('printed no summary line');
  else {
    if (summary.blocked > 0) problems.push(`blocked ${summary.blocked} interaction(s)`);
    if (summary.recordFailures > 0) problems.push(`failed to write ${summary.recordFailures}`);
    if (summary.served !== onDisk.count)
      problems.push(`served ${summary.served} requests but recorded ${onDisk.count}`);
  }
  // A generated key would mean pseudonyms differ from run to run (and a file left behind).
  if (existsSync(join(server.stateDir, 'redaction.key')))
    problems.push('generated a redaction key file: TAPEDECK_REDACTION_KEY was not used');
  const body = onDisk.first?.response.body;
  if (redacted) {
    if (onDisk.found.size > 0)
      problems.push(`left ${onDisk.found.size} secret(s) of the upstream's body on disk`);
  } else if (body?.encoding !== 'json' || !isDeepStrictEqual(body.json, accountJson())) {
    problems.push('did not record the upstream body unchanged');
  } else if (onDisk.found.size !== RECORD_SECRETS.length) {
    problems.push(`recorded only ${onDisk.found.size} of ${RECORD_SECRETS.length} secrets raw`);
  }
  if (problems.length > 0) {
    throw new Error(
      `${server.name}: ${problems.join('; ')} (cassettes in ${cassettes}):\n${server.stderr()}`,
    );
  }
  return {
    stopMs,
    onDisk: { count: onDisk.count, bytes: onDisk.bytes },
    summary: {
      served: summary.served,
      recordFailures: summary.recordFailures,
      blocked: summary.blocked,
    },
  };
}

/** Peers measured in record mode with --peers (bench/lib/peers). */
const RECORD_PEERS = ['talkback', 'wiremock'];

/** How many files are under `dir` (what a peer recorder wrote). */
function countFiles(dir) {
  let n = 0;
  if (!existsSync(dir)) return 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    n += entry.isDirectory() ? countFiles(join(dir, entry.name)) : 1;
  }
  return n;
}

export async function scenarioRecord() {
  const section = 'record';
  const phases = { c32: [], c1: [] };
  const recordings = [];
  const peerRecordings = [];
  const recordPeerFailures = {};
  const recordPeerProblems = {};
  for (let rep = 0; rep < S.reps; rep++) {
    for (const [phase, connections, duration, warmup] of [
      ['c32', 32, S.duration, S.warmup],
      ['c1', 1, S.latencyDuration, Math.min(0.5, S.warmup)],
    ]) {
      const servers = [];
      const cassettes = join(work, `record-${rep}-${phase}`);
      const cassettesOff = join(work, `record-noredact-${rep}-${phase}`);
      try {
        // The direct baseline gets a core of its own, as every server under test does; the
        // proxies' upstream shares the load generator's core (there are only two). Both answer
        // every path with the account body: ~1 KB of JSON with a token and emails to redact.
        const direct = await startRaw({
          name: 'upstream-direct',
          core: SERVER_CORE,
          any: true,
          body: 'account',
        });
        servers.push(direct);
        const upstream = await startRaw({
          name: 'upstream',
          core: LOAD_CORE,
          any: true,
          body: 'account',
        });
        servers.push(upstream);
        const undici = await startProxy({
          name: 'undici-proxy',
          core: SERVER_CORE,
          kind: 'undici',
          target: upstream.url,
        });
        servers.push(undici);
        const hp3 = await startProxy({
          name: 'http-proxy-3',
          core: SERVER_CORE,
          kind: 'http-proxy-3',
          target: upstream.url,
        });
        servers.push(hp3);
        const record = await startRecord({
          name: 'record',
          core: SERVER_CORE,
          workDir: work,
          target: upstream.url,
          cassettes,
        });
        servers.push(record);
        const noredact = await startRecordNoRedact({
          name: 'record-noredact',
          core: SERVER_CORE,
          workDir: work,
          target: upstream.url,
          cassettes: cassettesOff,
        });
        servers.push(noredact);
        // With --peers: talkback in record mode and WireMock proxying and recording, each
        // into a directory of its own (every request new, so every one is recorded).
        const peerRecorders = [];
        if (peersMode) {
          for (const key of RECORD_PEERS) {
            const name = `${key}-record`;
            const dir = join(work, `${name}-${rep}-${phase}`);
            try {
              const server = await peers[key].startRecorder({
                name,
                core: SERVER_CORE,
                dir,
                target: upstream.url,
                probePath: `/v1/things/${rep}-${phase}-probe/0`,
              });
              servers.push(server);
              await expectBody(server, `/v1/things/${rep}-${phase}-probe/1`, accountBytes());
              peerRecorders.push({ key, name, server, dir });
            } catch (error) {
              recordPeerFailures[key] ??= `failed to start: ${reason(error)}`;
              log(`  ${peers[key].label} (record): ${recordPeerFailures[key]}`);
            }
          }
        }
        for (const s of [direct, undici, hp3, record, noredact])
          await expectBody(s, '/v1/check/0', accountBytes());
        const prefix = (name) => `/v1/things/${rep}-${phase}-${name}/`;
        const result = await load({
          targets: [
            { name: 'direct', url: direct.url, pids: [direct.pid], prefix: prefix('direct') },
            {
              name: 'undici-proxy',
              url: undici.url,
              pids: [undici.pid, upstream.pid],
              prefix: prefix('undici'),
            },
            {
              name: 'http-proxy-3',
              url: hp3.url,
              pids: [hp3.pid, upstream.pid],
              prefix: prefix('hp3'),
            },
            {
              name: 'record',
              url: record.url,
              pids: [record.pid, upstream.pid],
              prefix: prefix('record'),
            },
            {
              name: 'record-noredact',
              url: noredact.url,
              pids: [noredact.pid, upstream.pid],
              prefix: prefix('noredact'),
            },
            ...peerRecorders.map(({ name, server }) => ({
              name,
              url: server.url,
              pids: [server.pid, upstream.pid],
              prefix: prefix(name),
            })),
          ],
          connections,
          duration,
          warmup,
          rotate: rep,
          pathMode: 'unique',
          // Recorders keep writing for a while after their last answer (the last batches of a
          // cassette that grows to tens of MB): wait for each target to go idle after its slice,
          // so that work is charged to it and does not slow the next target's slice.
          settle: 3,
        });
        const problems = checkClean(
          result,
          `record ${phase}`,
          new Set(RECORD_PEERS.map((key) => `${key}-record`)),
        );
        for (const [name, text] of Object.entries(problems)) {
          const key = name.replace(/-record$/, '');
          recordPeerProblems[key] = [...(recordPeerProblems[key] ?? []), `rep ${rep + 1}, ${text}`];
          log(`  ${name}: ${text}`);
        }
        phases[phase].push(result);
        // One after the other, so that each stop time is its own drain.
        const recorded = await stopRecorder(record, cassettes, { redacted: true });
        const recordedOff = await stopRecorder(noredact, cassettesOff, { redacted: false });
        recordings.push({ rep, phase, ...recorded, noredact: recordedOff });
        const mb = (r) => (r.onDisk.bytes / 2 ** 20).toFixed(1);
        const t = result.targets;
        log(
          `  record rep ${rep + 1}/${S.reps}, ${connections} conn: ` +
            Object.entries(t)
              .map(
                ([n, v]) =>
                  `${n} ${fmt.int(v.rps)} req/s p50 ${fmt.ms(v.latencyMs.p50)} ms ${fmt.us(v.cpuUsPerRequest)} µs CPU/req`,
              )
              .join(' | ') +
            ` — recorded ${fmt.int(recorded.onDisk.count)} interactions (${mb(recorded)} MB), stop took ${recorded.stopMs.toFixed(0)} ms; redaction off: ${fmt.int(recordedOff.onDisk.count)} (${mb(recordedOff)} MB), ${recordedOff.stopMs.toFixed(0)} ms`,
        );
        rmSync(cassettes, { recursive: true, force: true });
        rmSync(cassettesOff, { recursive: true, force: true });
        for (const { key, name, server, dir } of peerRecorders) {
          await server.stop();
          const files = countFiles(dir);
          const served = result.targets[name].count;
          peerRecordings.push({ rep, phase, key, files, served });
          log(
            `  ${peers[key].label} (record) wrote ${fmt.int(files)} files for ${fmt.int(served)} measured requests (plus warm-up)`,
          );
          rmSync(dir, { recursive: true, force: true });
        }
      } finally {
        await stopAll(servers);
      }
    }
  }
  raw.scenarios.record = { ...phases, recordings, peerRecordings, recordPeerFailures };
  const { c32, c1: one } = phases;
  const rps = (reps, n) => pick(reps, n, (t) => t.rps);
  const cpu = (reps, n) => pick(reps, n, (t) => t.cpuUsPerRequest);
  const p50 = (reps, n) => pick(reps, n, (t) => t.latencyMs.p50);
  const int = fmt.int;
  const scenario = 'record, every path distinct, 32 conn';
  addRow({
    section,
    scenario,
    metric: 'throughput: tapedeck record ÷ direct',
    unit: 'req/s',
    show: int,
    values: rps(c32, 'record'),
    baselines: rps(c32, 'direct'),
    baselineLabel: 'direct to upstream',
  });
  addRow({
    section,
    scenario,
    metric: 'throughput: tapedeck record ÷ undici proxy',
    unit: 'req/s',
    show: int,
    values: rps(c32, 'record'),
    baselines: rps(c32, 'undici-proxy'),
    baselineLabel: 'minimal undici capturing proxy',
    target: '≥ 0.90×',
    check: (r) => r >= 0.9,
  });
  for (const key of RECORD_PEERS) {
    const name = `${key}-record`;
    const label = `${peers[key].label} ${peers[key].version() ?? ''} recording`.replace('  ', ' ');
    if (!c32.some((r) => r.targets[name])) {
      if (peersMode) {
        addRow({
          section,
          scenario: label,
          metric: recordPeerFailures[key] ?? 'not measured',
          unit: '',
        });
      }
      continue;
    }
    const present = (reps, f) =>
      reps.map((r) => (r.targets[name] ? f(r.targets[name]) : undefined));
    addRow({
      section,
      scenario,
      metric: `throughput: tapedeck record ÷ ${label}`,
      unit: 'req/s',
      show: int,
      values: rps(c32, 'record'),
      baselines: present(c32, (t) => t.rps),
      baselineLabel: label,
      target: '≥ 5×',
      check: (r) => r >= 5,
    });
    addRow({
      section,
      scenario,
      metric: `throughput: ${label} ÷ direct`,
      unit: 'req/s',
      show: int,
      values: present(c32, (t) => t.rps),
      baselines: rps(c32, 'direct'),
      baselineLabel: 'direct to upstream',
    });
    addRow({
      section,
      scenario,
      metric: `proxy CPU per request: ${label} ÷ undici proxy`,
      unit: 'µs',
      show: fmt.us,
      values: present(c32, (t) => t.cpuUsPerRequest),
      baselines: cpu(c32, 'undici-proxy'),
      baselineLabel: 'minimal undici capturing proxy',
    });
    const files = peerRecordings.filter((r) => r.key === key && r.phase === 'c32');
    if (files.length > 0) {
      rows[rows.length - 1].note =
        `${label} wrote ${fmt.int(median(files.map((f) => f.files)))} files per run for ${fmt.int(median(files.map((f) => f.served)))} measured requests (plus warm-up), checked after it stopped`;
    }
    if (recordPeerProblems[key]) {
      addRow({
        section,
        scenario: label,
        metric: `answered with errors: ${recordPeerProblems[key].join('; ')}`,
        unit: '',
      });
    }
  }
  addRow({
    section,
    scenario,
    metric: 'throughput: http-proxy-3 ÷ undici proxy',
    unit: 'req/s',
    show: int,
    values: rps(c32, 'http-proxy-3'),
    baselines: rps(c32, 'undici-proxy'),
    baselineLabel: 'minimal undici capturing proxy',
  });
  addRow({
    section,
    scenario,
    metric: 'throughput: undici proxy ÷ direct',
    unit: 'req/s',
    show: int,
    values: rps(c32, 'undici-proxy'),
    baselines: rps(c32, 'direct'),
    baselineLabel: 'direct to upstream',
  });
  addRow({
    section,
    scenario,
    metric: 'proxy CPU per request: tapedeck record ÷ undici proxy',
    unit: 'µs',
    show: fmt.us,
    values: cpu(c32, 'record'),
    baselines: cpu(c32, 'undici-proxy'),
    baselineLabel: 'minimal undici capturing proxy',
  });
  addRow({
    section,
    scenario,
    metric: 'proxy CPU per request: http-proxy-3 ÷ undici proxy',
    unit: 'µs',
    show: fmt.us,
    values: cpu(c32, 'http-proxy-3'),
    baselines: cpu(c32, 'undici-proxy'),
    baselineLabel: 'minimal undici capturing proxy',
  });
  // What redaction costs: tapedeck record with the default rules against the same server with
  // redaction switched off (bench/servers/record-noredact.mjs), same load, same slices.
  const ruleFiles = readdirSync(REDACTION_RULES_DIR).filter((f) => f.endsWith('.json'));
  const rulesNote =
    `tapedeck record ran with TAPEDECK_REDACTION_RULES set to the repository's ` +
    `${relative(REPO_DIR, REDACTION_RULES_DIR)}/ (${ruleFiles.join(', ')}, plus the built-in ` +
    `detectors) and a fixed TAPEDECK_REDACTION_KEY of ${REDACTION_KEY.length} characters ` +
    `(bench/lib/servers.mjs), so no key file was generated; the upstream's ~1.1 KB account ` +
    `body has 8 values to redact (2 tokens, 5 emails, 1 phone number)`;
  addRow({
    section,
    scenario,
    metric: 'throughput: tapedeck record (default rules) ÷ tapedeck record (redaction off)',
    unit: 'req/s',
    show: int,
    values: rps(c32, 'record'),
    baselines: rps(c32, 'record-noredact'),
    baselineLabel: 'tapedeck record, redaction off',
    target: '≥ 0.80×',
    check: (r) => r >= 0.8,
    note: rulesNote,
  });
  const redactionCpu = cpu(c32, 'record').map((v, i) => v - cpu(c32, 'record-noredact')[i]);
  const cpuRow = addRow({
    section,
    scenario,
    metric: 'CPU per request: default rules ÷ redaction off',
    unit: 'µs',
    show: fmt.us,
    values: cpu(c32, 'record'),
    baselines: cpu(c32, 'record-noredact'),
    baselineLabel: 'tapedeck record, redaction off',
  });
  const afterSlices = (n) =>
    fmt.us(median(pick(c32, n, (t) => ((t.settleCpuS?.[0] ?? 0) / t.count) * 1e6)));
  cpuRow.note = `redaction and the scan add ${fmt.us(median(redactionCpu))} µs per request (median of the per-repetition differences); as capacity (the inverse ratio) ${fmt.x(median(cpuRow.perRepRatios.map((x) => 1 / x)))}. Of the CPU per request, ${afterSlices('record')} µs (default rules) and ${afterSlices('record-noredact')} µs (redaction off) were spent after the slices' last answers, writing the last batches`;
  const scenario1 = 'record, every path distinct, 1 conn';
  const direct50 = p50(one, 'direct');
  for (const [name, label] of [
    ['record', 'tapedeck record'],
    ['record-noredact', 'tapedeck record (redaction off)'],
    ['undici-proxy', 'undici proxy'],
    ['http-proxy-3', 'http-proxy-3'],
    ...RECORD_PEERS.map((key) => [`${key}-record`, `${peers[key].label} recording`]),
  ]) {
    if (!one.some((r) => r.targets[name])) continue;
    const added = one.map((r, i) =>
      r.targets[name] ? r.targets[name].latencyMs.p50 - direct50[i] : undefined,
    );
    addRow({
      section,
      scenario: scenario1,
      metric: `added p50 latency: ${label}`,
      unit: 'ms',
      values: added,
      note: 'p50 through the proxy minus p50 direct, per repetition',
      ...(name === 'record' ? { target: '≤ 0.25 ms', absolute: (v) => v <= 0.25 } : {}),
    });
  }
  addRow({
    section,
    scenario: scenario1,
    metric: 'p50 latency: tapedeck record ÷ direct',
    unit: 'ms',
    values: p50(one, 'record'),
    baselines: direct50,
    baselineLabel: 'direct to upstream',
  });
  const recorded32 = recordings.filter((r) => r.phase === 'c32');
  addRow({
    section,
    scenario,
    metric: 'interactions recorded per run (one cassette)',
    unit: '',
    show: int,
    values: recorded32.map((r) => r.onDisk.count),
    note: `cassette ${median(recorded32.map((r) => r.onDisk.bytes / 2 ** 20)).toFixed(1)} MB; SIGTERM → exit ${median(recorded32.map((r) => r.stopMs)).toFixed(0)} ms`,
  });
  addRow({
    section,
    scenario,
    metric: 'interactions recorded per run, redaction off',
    unit: '',
    show: int,
    values: recorded32.map((r) => r.noredact.onDisk.count),
    note: `cassette ${median(recorded32.map((r) => r.noredact.onDisk.bytes / 2 ** 20)).toFixed(1)} MB; SIGTERM → exit ${median(recorded32.map((r) => r.noredact.stopMs)).toFixed(0)} ms. Checked in every run: each server recorded every request it served (none blocked, none failed, no key file generated); with the default rules no token, email or phone number of the upstream's body reached disk, with redaction off the body is on disk exactly as the upstream sent it`,
  });
  printSection(section);
}
