// Installs the peers of `npm run bench:peers` (bench/peers/package.json: WireMock, talkback,
// mountebank, Mockoon CLI, Prism, at pinned versions) into bench/peers/node_modules with
// `npm ci --prefix bench/peers`, unless they are already installed from the same lock file.
// They are benchmark-only: the root package, its users and the test suite never install them.
//   node bench/install-peers.mjs
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH_DIR } from './lib/servers.mjs';

const dir = join(BENCH_DIR, 'peers');
const installed = join(dir, 'node_modules', '.package-lock.json');

/** Whether every package of the lock file is installed at its locked version. */
function upToDate() {
  if (!existsSync(installed)) return false;
  const lock = JSON.parse(readFileSync(join(dir, 'package-lock.json'), 'utf8')).packages ?? {};
  const have = JSON.parse(readFileSync(installed, 'utf8')).packages ?? {};
  return Object.entries(lock).every(
    ([path, pkg]) => path === '' || pkg.optional || have[path]?.version === pkg.version,
  );
}

if (upToDate()) {
  process.stdout.write('bench/peers: peers already installed\n');
} else {
  process.stdout.write('bench/peers: installing the peers (npm ci --prefix bench/peers)…\n');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const r = spawnSync(npm, ['ci', '--prefix', dir, '--no-audit', '--no-fund'], {
    stdio: 'inherit',
  });
  if (r.status !== 0) {
    process.stderr.write(
      `\nbench/peers: npm ci failed (exit ${r.status ?? r.signal}). The peers come from the npm ` +
        'registry (the WireMock jar is inside the `wiremock` package), so this needs network ' +
        'access once; if this machine is offline, run `npm ci --prefix bench/peers` where it is ' +
        'not and copy bench/peers/node_modules over, or run `npm run bench` (no peers). ' +
        'WireMock also needs Java 17 or newer on the PATH.\n',
    );
    process.exit(1);
  }
}
