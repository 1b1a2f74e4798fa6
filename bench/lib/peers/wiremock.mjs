// WireMock (the standalone jar shipped by the npm `wiremock` package, on the machine's Java):
// the recordings as stub mappings, one JSON file per route under `mappings/`, matched by
// method and exact URL. Configured as WireMock's documentation recommends for load: no request
// journal (it would keep every request in memory), no request logging, no banner, a bounded
// Jetty pool (one acceptor, 12 container threads: more threads than the one core it is pinned
// to only adds switching), and a fixed heap so the JVM does not resize it during the run.
// Recording (`--proxy-all` + `--record-mappings`) needs the journal: it is kept to 1,000 entries.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, peerFile, peerVersion, startProcess } from './common.mjs';

const PKG = 'wiremock';

function jar() {
  const version = peerVersion(PKG);
  return peerFile(PKG, 'build', `wiremock-standalone-${version}.jar`);
}

const TUNING = [
  '--disable-request-logging',
  '--disable-banner',
  '--jetty-acceptor-threads',
  '1',
  '--container-threads',
  '12',
];
const JVM = ['-Xms256m', '-Xmx1g', '-XX:+UseParallelGC'];

function launch({ name, core, root, extra, probe }) {
  return freePort().then((port) => {
    const url = `http://127.0.0.1:${port}`;
    return startProcess({
      name,
      core,
      command: 'java',
      args: [
        ...JVM,
        '-jar',
        jar(),
        '--port',
        String(port),
        '--bind-address',
        '127.0.0.1',
        '--root-dir',
        root,
        ...TUNING,
        ...extra,
      ],
      url,
      probe: { ...probe, url: `${url}${probe.path}` },
    });
  });
}

export const wiremock = {
  key: 'wiremock',
  label: 'WireMock',
  pkg: PKG,
  version: () => peerVersion(PKG),
  setup:
    'standalone jar on Java 17, stub mappings (method + exact URL), --no-request-journal, --disable-request-logging, 1 acceptor, 12 container threads, -XX:+UseParallelGC -Xms256m -Xmx1g',

  /** Writes one mapping file per route into `dir/mappings`. */
  prepare(routes, dir) {
    mkdirSync(join(dir, 'mappings'), { recursive: true });
    mkdirSync(join(dir, '__files'), { recursive: true });
    routes.forEach((r, i) => {
      const mapping = {
        request: { method: r.method, url: r.url },
        response: { status: r.status, headers: r.headers, body: r.body },
      };
      writeFileSync(
        join(dir, 'mappings', `route-${String(i).padStart(6, '0')}.json`),
        JSON.stringify(mapping),
      );
    });
  },

  start({ name = 'wiremock', core, dir, probePath }) {
    return launch({
      name,
      core,
      root: dir,
      extra: ['--no-request-journal'],
      probe: { path: probePath },
    });
  },

  /** Proxy everything to `target` and record every new request as a mapping (record mode). */
  startRecorder({ name = 'wiremock-record', core, dir, target, probePath }) {
    mkdirSync(join(dir, 'mappings'), { recursive: true });
    mkdirSync(join(dir, '__files'), { recursive: true });
    return launch({
      name,
      core,
      root: dir,
      // Recording needs the request journal (WireMock refuses --record-mappings without it):
      // bounded, so it does not grow with the run.
      extra: ['--proxy-all', target, '--record-mappings', '--max-request-journal-entries', '1000'],
      probe: { path: probePath },
    });
  },
};
