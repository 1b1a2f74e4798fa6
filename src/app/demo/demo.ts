import { join } from 'node:path';
import type { Style } from '../../core/render/text.js';
import type { TapedeckConfig } from '../config/config.js';
import type { ServerKind, TapedeckServer } from '../replay/server.js';

/** One step of the demo's client flow, as the client saw it. */
export interface DemoExchange {
  readonly label: string;
  readonly status: number;
  readonly body: Uint8Array;
  /** The `x-tapedeck-layer` that answered, or null when tapedeck did not. */
  readonly layer: string | null;
}

/** What the demo needs from outside; app/compose/demo.ts builds it from adapters. */
export interface DemoPorts {
  /** Starts the built-in demo API on a free local port. */
  startApi(): Promise<{ readonly url: string; close(): Promise<void> }>;
  /** Runs the demo's client flow against a base URL. */
  runFlow(baseUrl: string): Promise<DemoExchange[]>;
  /** A fresh scratch directory for a run with no cassettes folder given. */
  scratchDir(): string;
  /** Builds a record or replay server, as `tapedeck record`/`replay` do. */
  startServer(
    kind: ServerKind,
    config: TapedeckConfig,
    env: Readonly<Record<string, string | undefined>>,
  ): Promise<TapedeckServer>;
}

/** The streams and environment of the command. */
export interface DemoIo {
  readonly stdout: { write(s: string): unknown };
  readonly env: Readonly<Record<string, string | undefined>>;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && a.every((byte, i) => byte === b[i]);
}

export interface DemoOptions {
  /** Where to write the demo cassette; a fresh temp folder when undefined. */
  readonly cassettes: string | undefined;
  /** Keep the replay server running after the check, until `stop` resolves. */
  readonly serve: boolean;
  readonly port: number;
  readonly stop: Promise<string>;
}

/**
 * `tapedeck demo`: starts the built-in demo API, records a client flow through `record`, stops
 * the API, replays the same flow from the cassette and checks every status and body is
 * byte-identical.
 */
export async function runDemo(
  ports: DemoPorts,
  base: TapedeckConfig,
  io: DemoIo,
  style: Style,
  options: DemoOptions,
): Promise<boolean> {
  const scratch = options.cassettes === undefined ? ports.scratchDir() : undefined;
  const cassettes = options.cassettes ?? join(scratch!, 'cassettes');
  const api = await ports.startApi();
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
  const recorder = await ports.startServer(
    'record',
    config({
      server: { ...base.server, host: '127.0.0.1', port: 0 },
      upstream: { ...base.upstream, target: api.url, allowedHosts: [], forbiddenHosts: [] },
      record: { cassette: 'demo/shop', mode: 'all', webhooks: {} },
    }),
    demoEnv,
  );
  try {
    recorded = await ports.runFlow(await recorder.listen());
  } finally {
    await recorder.stop();
    await api.close();
  }
  io.stdout.write(`${style.bold('2. replay')}  demo API stopped; replaying from the cassette\n`);
  const replay: TapedeckServer = await ports.startServer(
    'replay',
    config({
      server: { ...base.server, host: '127.0.0.1', port: options.port },
      replay: { ...base.replay, onMiss: 'error' },
    }),
    demoEnv,
  );
  const url = await replay.listen();
  const replayed = await ports.runFlow(url);
  let identical = true;
  recorded.forEach((r, i) => {
    const p = replayed[i]!;
    const same = r.status === p.status && sameBytes(r.body, p.body) && p.layer === 'cassette';
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
