// tapedeck's replay server with its metrics switched on or off: the pair that shows what
// counting every answer (GET /__tapedeck/metrics, issue 16) costs replay. Both are composed from
// dist/ by the composition root `tapedeck replay` uses (composeServer in src/app/compose/
// compose.ts; serve in src/cli/serve.ts): the same config, cassette store, journal, HTTP server
// and pipeline. Only `metrics` differs (ComposeOptions): off, the pipeline has no sink at all.
//
// Prints the same `{"event":"listening",...}` line as `tapedeck replay --json`; on SIGTERM or
// SIGINT it stops the server and exits 0.
//   node bench/servers/replay-metrics.mjs --cassettes DIR --metrics on|off [--state-dir DIR]
import { parseArgs } from 'node:util';
import { makeStyle, StreamLogger, systemClock } from '../../dist/adapters/system/system.js';
import { composeServer } from '../../dist/app/compose/compose.js';
import { resolveConfig } from '../../dist/app/config/config.js';

const { values } = parseArgs({
  options: {
    cassettes: { type: 'string' },
    metrics: { type: 'string', default: 'on' },
    'state-dir': { type: 'string' },
  },
});
if (values.cassettes === undefined || !['on', 'off'].includes(values.metrics)) {
  throw new Error('--cassettes DIR and --metrics on|off are required');
}

// Defaults, then TAPEDECK_* (the bench sets the log level), then these flags: as the CLI does.
const flags = [
  { pointer: '/server/host', value: '127.0.0.1', flag: '--host' },
  { pointer: '/server/port', value: 0, flag: '--port' },
  { pointer: '/cassettes', value: values.cassettes, flag: '--cassettes' },
];
if (values['state-dir'] !== undefined) {
  flags.push({ pointer: '/stateDir', value: values['state-dir'], flag: '--state-dir' });
}
const { config } = resolveConfig({ cwd: process.cwd(), env: process.env, flags });
const logger = new StreamLogger({
  level: config.log.level,
  format: config.log.format,
  write: (line) => process.stderr.write(line),
  style: makeStyle(false),
  clock: systemClock,
});

const server = await composeServer(
  'replay',
  config,
  logger,
  process.env,
  {},
  { metrics: values.metrics === 'on' },
);
const url = await server.listen();
process.stdout.write(
  `${JSON.stringify({ event: 'listening', kind: 'replay', url, cassettes: server.cassettes, interactions: server.interactions })}\n`,
);

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  const summary = await server.stop();
  process.stdout.write(`${JSON.stringify({ event: 'summary', ...summary })}\n`);
  process.exit(0);
}
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => void stop());
