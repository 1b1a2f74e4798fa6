// Mockoon CLI: the recordings as one Mockoon environment file (built with @mockoon/commons'
// own builders, so it has the current schema), a route per recorded path with one default
// response. Configured for speed: templating disabled on every response (a recorded body is
// static; Mockoon would otherwise parse each body as a Handlebars template per request), no
// CORS headers, no latency, no log file, no admin API. Mockoon still logs every request to
// stdout, which it cannot switch off; the benchmark drains it.
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { freePort, peerFile, peerVersion, PEERS_MODULES, startProcess } from './common.mjs';

const PKG = '@mockoon/cli';

export const mockoon = {
  key: 'mockoon',
  label: 'Mockoon CLI',
  pkg: PKG,
  version: () => peerVersion(PKG),
  setup:
    'mockoon-cli start, one environment with a route per path, templating disabled per response, no CORS headers, --disable-log-to-file, --disable-admin-api',

  prepare(routes, dir) {
    const require = createRequire(join(PEERS_MODULES, 'noop.js'));
    const commons = require('@mockoon/commons');
    const env = commons.BuildEnvironment({
      hasDefaultRoute: false,
      hasContentTypeHeader: false,
      hasCorsHeaders: false,
    });
    env.uuid = randomUUID();
    env.name = 'tapedeck bench';
    env.hostname = '127.0.0.1';
    env.latency = 0;
    env.routes = routes.map((r) => {
      if (r.url.includes('?')) throw new Error('Mockoon routes here do not match queries');
      const route = commons.BuildHTTPRoute(true, { endpoint: r.path.slice(1), body: r.body });
      route.uuid = randomUUID();
      route.method = r.method.toLowerCase();
      const response = route.responses[0];
      response.uuid = randomUUID();
      response.statusCode = r.status;
      response.headers = Object.entries(r.headers).map(([key, value]) => ({ key, value }));
      response.disableTemplating = true;
      response.latency = 0;
      return route;
    });
    env.rootChildren = env.routes.map((r) => ({ type: 'route', uuid: r.uuid }));
    writeFileSync(join(dir, 'environment.json'), JSON.stringify(env));
  },

  async start({ name = 'mockoon', core, dir, probePath }) {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    return startProcess({
      name,
      core,
      command: process.execPath,
      args: [
        peerFile(PKG, 'bin', 'run.js'),
        'start',
        '--data',
        join(dir, 'environment.json'),
        '--port',
        String(port),
        '--hostname',
        '127.0.0.1',
        '--disable-log-to-file',
        '--disable-admin-api',
      ],
      cwd: dir,
      url,
      probe: { url: `${url}${probePath}` },
    });
  },
};
