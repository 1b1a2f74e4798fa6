/**
 * A real upstream for tests: Debian's python3-httpbin, served by Werkzeug (a dependency of the
 * package's Flask) on a free loopback port. Python binds port 0 and prints the port it got, so
 * no port is guessed and no two test files race for one; readiness is a request that succeeds,
 * not a fixed sleep. Stopped after the test (test/helpers/cleanup.ts).
 *
 * httpbin is importable only by Debian's own interpreter (`/usr/bin/python3`), not by a python3
 * from pyenv or a virtualenv that may come first on PATH. When it is missing the test fails and
 * says which Debian package to install: `.ci/run` installs it, a developer runs the same line.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { request } from 'undici';
import { defer } from './cleanup.js';

export const DEBIAN_PYTHON = '/usr/bin/python3';
export const HTTPBIN_PACKAGE = 'python3-httpbin';

const SERVE = `
import sys
try:
    import httpbin
except ImportError as error:
    print("TAPEDECK-HTTPBIN-MISSING", error, file=sys.stderr, flush=True)
    sys.exit(3)
from werkzeug.serving import make_server
server = make_server("127.0.0.1", 0, httpbin.app, threaded=True)
print("TAPEDECK-HTTPBIN-PORT", server.server_port, flush=True)
server.serve_forever()
`;

export interface Httpbin {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  readonly port: number;
  /**
   * Request lines httpbin served so far (`GET /headers`), from Werkzeug's access log: what
   * reached the upstream, its own probes and markers (`/status/204`) left out.
   */
  served(): Promise<string[]>;
  stop(): Promise<void>;
}

function missing(why: string): Error {
  return new Error(
    `${HTTPBIN_PACKAGE} is needed for this test (${why}). Install it with: apt-get install -y --no-install-recommends ${HTTPBIN_PACKAGE}`,
  );
}

export interface HttpbinOptions {
  readonly timeoutMs?: number;
  /** The interpreter (Debian's by default); tests of this helper point it elsewhere. */
  readonly python?: string;
  /** Extra interpreter flags (`-S` hides Debian's packages: how a missing httpbin looks). */
  readonly pythonFlags?: readonly string[];
}

/** Starts httpbin on 127.0.0.1 and a free port; stopped after the test (or by `stop`). */
export async function startHttpbin(options: HttpbinOptions = {}): Promise<Httpbin> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const python = options.python ?? DEBIAN_PYTHON;
  if (!existsSync(python)) throw missing(`${python} does not exist`);
  const child = spawn(python, [...(options.pythonFlags ?? []), '-c', SERVE], {
    stdio: ['ignore', 'pipe', 'pipe'],
    // Nothing from a user's Python setup: only Debian's packages are meant to be seen.
    env: { PATH: '/usr/bin:/bin', PYTHONDONTWRITEBYTECODE: '1' },
  });
  let stderr = '';
  /** Called after each chunk of stderr (Werkzeug's access log): waits are events, not polls. */
  const onLog = new Set<() => void>();
  child.stderr.on('data', (chunk: Buffer) => {
    if (stderr.length < 200_000) stderr += chunk.toString();
    for (const listener of onLog) listener();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
      await exited;
      clearTimeout(timer);
    }
  };
  defer(stop);

  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(
      () => reject(new Error(`httpbin printed no port; ${stderr}`)),
      timeoutMs,
    );
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /TAPEDECK-HTTPBIN-PORT (\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(missing(`${python} did not start: ${error.message}`));
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(
        stderr.includes('TAPEDECK-HTTPBIN-MISSING')
          ? missing(`${python} cannot import httpbin`)
          : new Error(`httpbin exited with code ${code} before listening: ${stderr}`),
      );
    });
  });
  const url = `http://127.0.0.1:${port}`;
  // make_server binds and listens before the port is printed, so the socket already queues
  // connections: one request proves httpbin answers, with no polling.
  const ready = await request(`${url}/status/204`);
  await ready.body.dump();
  if (ready.statusCode !== 204) throw new Error(`httpbin at ${url} answered ${ready.statusCode}`);
  const lines = () => [...stderr.matchAll(/"([A-Z]+ \S+) HTTP\/1\.[01]" \d{3}/g)].map((m) => m[1]!);
  let marks = 0;
  // Werkzeug logs a request after answering it: a marker request sent now, once logged, means
  // every request answered before it is in the log too.
  const served = async () => {
    const mark = `GET /status/204?served=${++marks}`;
    await (await request(`${url}${mark.slice(4)}`)).body.dump();
    await new Promise<void>((resolve) => {
      const check = () => {
        if (!lines().includes(mark)) return;
        onLog.delete(check);
        resolve();
      };
      onLog.add(check);
      check();
    });
    return lines().filter((line) => !line.startsWith('GET /status/204'));
  };
  return { url, port, served, stop };
}
