// Stoplight Prism: `prism mock SPEC` on the OpenAPI spec, static examples (the default: no
// faker, answers generated once per operation from examples or the schema), bound to
// 127.0.0.1, error output only. Prism validates every request against the spec (parameters,
// security) and picks a response per request; that is its normal mode and is left on.
import { peerFile, peerVersion, freePort, startProcess } from './common.mjs';

const PKG = '@stoplight/prism-cli';

export const prism = {
  key: 'prism',
  label: 'Prism',
  pkg: PKG,
  version: () => peerVersion(PKG),
  setup: 'prism mock SPEC, static responses (no --dynamic), request validation on (default)',

  async start({ name = 'prism', core, spec, probe, timeoutMs = 300_000 }) {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    return startProcess({
      name,
      core,
      command: process.execPath,
      args: [
        peerFile(PKG, 'dist', 'index.js'),
        'mock',
        spec,
        '--port',
        String(port),
        '--host',
        '127.0.0.1',
      ],
      url,
      probe: { ...probe, url: `${url}${probe.path}` },
      timeoutMs,
    });
  },
};
