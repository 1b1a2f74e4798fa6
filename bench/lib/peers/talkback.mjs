// talkback: the recordings as tapes (one JSON5 file per interaction, the format talkback writes
// when it records), served by bench/servers/talkback.mjs with recording off and unknown requests
// answered 404. talkback matches a request against its tapes by URL, method, the request headers
// (all of them, except those in `ignoreHeaders`) and the body; the tapes hold the one header the
// load generator sends (`accept`), and headers that differ per client (host, user-agent,
// connection, content-length) are ignored, as one would configure talkback for real recordings.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer } from '../proc.mjs';
import { BENCH_DIR } from '../servers.mjs';
import { peerFile, peerVersion, PEERS_MODULES } from './common.mjs';

const PKG = 'talkback';

function launch({ name, core, dir, mode, target }) {
  peerFile(PKG, 'package.json');
  return startServer({
    name,
    core,
    env: { TALKBACK_MODULES: PEERS_MODULES },
    args: [
      join(BENCH_DIR, 'servers', 'talkback.mjs'),
      JSON.stringify({ tapes: dir, mode, target: target ?? 'http://127.0.0.1:9' }),
    ],
  });
}

export const talkback = {
  key: 'talkback',
  label: 'talkback',
  pkg: PKG,
  version: () => peerVersion(PKG),
  setup:
    'talkback(), record DISABLED, fallback NOT_FOUND, silent, no summary; one JSON5 tape per interaction; host/user-agent/connection/content-length headers ignored',

  prepare(routes, dir) {
    mkdirSync(dir, { recursive: true });
    routes.forEach((r, i) => {
      const tape = {
        meta: {
          createdAt: '2024-06-15T08:30:00.000Z',
          host: 'http://127.0.0.1:9',
          resHumanReadable: true,
        },
        req: { url: r.url, method: r.method, headers: { accept: 'application/json' }, body: '' },
        res: { status: r.status, headers: r.headers, body: r.body },
      };
      writeFileSync(
        join(dir, `route-${String(i).padStart(6, '0')}.json5`),
        JSON.stringify(tape, null, 2),
      );
    });
  },

  start({ name = 'talkback', core, dir }) {
    return launch({ name, core, dir, mode: 'replay' });
  },

  /** Record mode: forward unknown requests to `target` and write each as a new tape. */
  startRecorder({ name = 'talkback-record', core, dir, target }) {
    mkdirSync(dir, { recursive: true });
    return launch({ name, core, dir, mode: 'record', target });
  },
};
