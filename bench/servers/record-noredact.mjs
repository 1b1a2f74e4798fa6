// tapedeck's record server with redaction switched off: the baseline that shows what redaction
// costs. It is composed from dist/ by the same composition root as `tapedeck record`
// (composeServerWith in src/app/compose.ts; serve in src/cli/serve.ts): the same config
// resolution, cassette store, body codec, state store, undici upstream, HTTP server, logger and
// pipeline. Only the redaction setup differs: a redactor that returns every interaction and request unchanged
// with no findings, no rules, and a scanner that finds nothing, so interactions reach disk
// exactly as they came through (with their secrets: never point it at a real API).
//
// Prints the same `{"event":"listening",...}` line as `tapedeck record --json`; on SIGTERM or
// SIGINT it stops the server (drains in-flight requests and cassette writes), prints
// `{"event":"summary",...}` and exits (0, or 4 as tapedeck does when a cassette write failed).
//   node bench/servers/record-noredact.mjs --target http://127.0.0.1:PORT --cassettes DIR \
//     [--mode new|all] [--state-dir DIR]
import { parseArgs } from 'node:util';
import { makeStyle, StreamLogger, systemClock } from '../../dist/adapters/system/system.js';
import { composeServerWith } from '../../dist/app/compose/compose.js';
import { resolveConfig } from '../../dist/app/config/config.js';

const { values } = parseArgs({
  options: {
    target: { type: 'string' },
    cassettes: { type: 'string' },
    mode: { type: 'string', default: 'new' },
    'state-dir': { type: 'string' },
  },
});
if (values.target === undefined || values.cassettes === undefined) {
  throw new Error('--target URL and --cassettes DIR are required');
}

// Defaults, then TAPEDECK_* (the bench sets the log level), then these flags: as the CLI does.
const flags = [
  { pointer: '/server/host', value: '127.0.0.1', flag: '--host' },
  { pointer: '/server/port', value: 0, flag: '--port' },
  { pointer: '/upstream/target', value: values.target, flag: '--target' },
  { pointer: '/cassettes', value: values.cassettes, flag: '--cassettes' },
  { pointer: '/record/mode', value: values.mode, flag: '--mode' },
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

/** Redaction switched off: everything passes unchanged, nothing is found, nothing is blocked. */
const passThrough = {
  redactInteraction: (interaction) => ({ value: interaction, findings: [] }),
  redactRequest: (request) => ({ value: request, findings: [] }),
  clean: () => true,
  headerSecretIn: () => false,
  rules: [],
};
const redaction = {
  redactor: passThrough,
  rules: [],
  files: [],
  disabled: new Set(),
  scan: () => [],
};

const server = await composeServerWith('record', config, logger, redaction);

const url = await server.listen();
process.stdout.write(
  `${JSON.stringify({ event: 'listening', kind: 'record', url, cassettes: server.cassettes, interactions: server.interactions })}\n`,
);

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  const summary = await server.stop();
  process.stdout.write(`${JSON.stringify({ event: 'summary', ...summary })}\n`);
  // 4 is tapedeck's exit code for I/O failures (EXIT.io), which record uses when writes failed.
  process.exit(summary.recordFailures > 0 ? 4 : 0);
}
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => void stop());
