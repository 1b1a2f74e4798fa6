import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDemoFlow, startDemoApi, type DemoExchange } from '../../adapters/demo/demo-api.js';
import type { Logger } from '../../core/ports/index.js';
import type { Style } from '../../core/render/text.js';
import { composeServer, type Io } from '../compose/compose.js';
import type { TapedeckConfig } from '../config/config.js';
import type { TapedeckServer } from '../replay/server.js';

export interface DemoOptions {
  /** Where to write the demo cassette; a fresh temp folder when undefined. */
  readonly cassettes: string | undefined;
  /** Keep the replay server running after the check, until `stop` resolves. */
  readonly serve: boolean;
  readonly port: number;
  readonly stop: Promise<string>;
}

/**
 * `tapedeck demo`, a composition root of its own: starts the built-in demo API, records a
 * client flow through `record`, stops the API, replays the same flow from the cassette and
 * checks every status and body is byte-identical.
 */
export async function runDemo(
  base: TapedeckConfig,
  io: Io,
  logger: Logger,
  style: Style,
  options: DemoOptions,
): Promise<boolean> {
  const scratch =
    options.cassettes === undefined ? mkdtempSync(join(tmpdir(), 'tapedeck-demo-')) : undefined;
  const cassettes = options.cassettes ?? join(scratch!, 'cassettes');
  const api = await startDemoApi();
  const config = (overrides: Partial<TapedeckConfig>): TapedeckConfig => ({
    ...base,
    cassettes,
    stateDir: scratch === undefined ? base.stateDir : join(scratch, '.tapedeck'),
    ...overrides,
  });
  io.stdout.write(
    `${style.bold('1. record')}  demo API at ${api.url} -> cassette demo/shop in ${cassettes}\n`,
  );
  // The demo API's secrets are made up, so without a key of the user's the demo uses a fixed one
  // rather than generating and storing a machine key for a throwaway run.
  const keyEnv = base.redaction.keyEnv;
  const demoEnv = { [keyEnv]: io.env[keyEnv] ?? 'tapedeck-demo-key-for-made-up-secrets' };
  let recorded: DemoExchange[];
  const recorder = await composeServer(
    'record',
    config({
      server: { host: '127.0.0.1', port: 0 },
      upstream: { ...base.upstream, target: api.url, allowedHosts: [], forbiddenHosts: [] },
      record: { cassette: 'demo/shop', mode: 'all' },
    }),
    logger,
    demoEnv,
  );
  try {
    recorded = await runDemoFlow(await recorder.listen());
  } finally {
    await recorder.stop();
    await api.close();
  }
  io.stdout.write(`${style.bold('2. replay')}  demo API stopped; replaying from the cassette\n`);
  const replay: TapedeckServer = await composeServer(
    'replay',
    config({
      server: { host: '127.0.0.1', port: options.port },
      replay: { ...base.replay, onMiss: 'error' },
    }),
    logger,
    demoEnv,
  );
  const url = await replay.listen();
  const replayed = await runDemoFlow(url);
  let identical = true;
  recorded.forEach((r, i) => {
    const p = replayed[i]!;
    const same = r.status === p.status && r.body.equals(p.body) && p.layer === 'cassette';
    identical &&= same;
    io.stdout.write(
      `   ${same ? style.green('✓') : style.red('✗')} ${r.label.padEnd(40)} ${r.status} -> ${p.status}  ${r.body.byteLength} bytes ${same ? 'identical' : 'DIFFERENT'}\n`,
    );
  });
  io.stdout.write(
    identical
      ? `${style.green('✓')} every replayed answer is byte-identical to the recording, with the upstream stopped.\n`
      : `${style.red('✗')} some replayed answers differ from the recording.\n`,
  );
  io.stdout.write(
    `   Look at the cassette: ${join(cassettes, 'demo', 'shop.json')} (the credential and cookie are redacted)\n`,
  );
  if (options.serve) {
    io.stdout.write(
      `${style.bold('3. serve')}   replay listening on ${url}  (try: curl ${url}/v1/products/p_2, or an unrecorded path to see a miss; Ctrl-C stops)\n`,
    );
    await options.stop;
  }
  await replay.stop();
  return identical;
}
