// mountebank: the recordings as one HTTP imposter with a stub per route (an `equals` predicate
// on method and path, and on the query when there is one; an `is` response), loaded from a
// config file at start. Configured for speed as mountebank's docs suggest: no log file, log
// level warn, requests not recorded (`recordRequests: false`, the default), injection off,
// admin API and imposter bound to 127.0.0.1.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { URLSearchParams } from 'node:url';
import { freePort, peerFile, peerVersion, startProcess } from './common.mjs';

const PKG = 'mountebank';

export const mountebank = {
  key: 'mountebank',
  label: 'mountebank',
  pkg: PKG,
  version: () => peerVersion(PKG),
  setup:
    'mb start --configfile (one http imposter, a stub per route: equals method + path), --nologfile, --loglevel warn, recordRequests false',

  prepare(routes, dir) {
    const stubs = routes.map((r) => {
      const [path, qs] = r.url.split('?');
      const equals = { method: r.method, path };
      if (qs) equals.query = Object.fromEntries(new URLSearchParams(qs));
      return {
        predicates: [{ equals }],
        responses: [{ is: { statusCode: r.status, headers: r.headers, body: r.body } }],
      };
    });
    writeFileSync(join(dir, 'imposters.json'), JSON.stringify({ imposters: [{ stubs }] }));
  },

  async start({ name = 'mountebank', core, dir, probePath }) {
    const [adminPort, port] = [await freePort(), await freePort()];
    // The port is only known now: write it into the imposter before starting.
    const file = join(dir, 'imposters.json');
    const config = JSON.parse(readFileSync(file, 'utf8'));
    Object.assign(config.imposters[0], {
      port,
      protocol: 'http',
      host: '127.0.0.1',
      recordRequests: false,
    });
    const started = join(dir, `imposters-${port}.json`);
    writeFileSync(started, JSON.stringify(config));
    const url = `http://127.0.0.1:${port}`;
    return startProcess({
      name,
      core,
      command: process.execPath,
      args: [
        peerFile(PKG, 'bin', 'mb'),
        'start',
        '--port',
        String(adminPort),
        '--host',
        '127.0.0.1',
        '--configfile',
        started,
        '--noParse',
        '--nologfile',
        '--loglevel',
        'warn',
        '--localOnly',
      ],
      cwd: dir,
      url,
      probe: { url: `${url}${probePath}` },
    });
  },
};
