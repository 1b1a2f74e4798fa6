import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { defer, runCleanups } from '../helpers/cleanup.js';
import { gate } from '../helpers/gate.js';
import { tempDir } from '../helpers/tmp.js';
import { startUpstream } from '../helpers/upstream.js';

afterEach(runCleanups);

const IN_FLIGHT = 50;
/** Each answer: half sent before SIGTERM, half after, so every one is cut mid-body if dropped. */
const HALF = 'z'.repeat(32 * 1024);

/**
 * SIGTERM with 50 requests in flight (`bin/tapedeck`, built): every one has reached the slow
 * upstream and has half of its body when the signal comes; the upstream finishes them only once
 * tapedeck has said it is stopping. Every answer must end whole, every one the client got must
 * be in the cassette, and the exit must be 0.
 */
async function underLoad(args: readonly string[], cassettesDir: string): Promise<void> {
  const release = gate();
  let arrived = 0;
  const allArrived = gate();
  const upstream = await startUpstream(async (req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.write(HALF);
    if (++arrived === IN_FLIGHT) allArrived.open();
    await release.opened;
    res.end(`${HALF}${req.url}`);
  });
  const root = join(cassettesDir, '..');
  const run = runCli(
    [...args, '--target', upstream.url, '--port', '0', '--cassettes', cassettesDir],
    {
      cwd: root,
      env: { TAPEDECK_STATE_DIR: join(root, 'state') },
    },
  );
  defer(() => run.child.kill('SIGKILL'));
  const url = (await run.waitFor(/listening on (http:\/\/\S+)/))[1]!;
  const agent = new Agent({ connections: IN_FLIGHT + 10 });
  defer(() => agent.destroy());
  const answers = Array.from({ length: IN_FLIGHT }, async (_, i) => {
    const response = await request(`${url}/load/${i}`, { dispatcher: agent });
    return { status: response.statusCode, body: await response.body.text() };
  });
  await allArrived.opened;
  run.child.kill('SIGTERM');
  await run.waitForStderr(/SIGTERM: finishing in-flight requests/);
  release.open();
  const got = await Promise.all(answers);
  for (const [i, answer] of got.entries()) {
    expect(answer.status).toBe(200);
    expect(answer.body).toBe(`${HALF}${HALF}/load/${i}`);
  }
  expect(await run.exited, run.stderr).toBe(0);
  const cassette = JSON.parse(readFileSync(join(cassettesDir, 'default.json'), 'utf8')) as {
    interactions: { request: { path: string } }[];
  };
  expect(cassette.interactions.map((x) => x.request.path).sort()).toEqual(
    got.map((_, i) => `/load/${i}`).sort(),
  );
  expect(readdirSync(cassettesDir)).toEqual(['default.json']);
}

describe('SIGTERM under load', () => {
  it(`record: ${IN_FLIGHT} requests in flight end whole, each is in the cassette, exit 0`, async () => {
    const dir = join(tempDir(), 'cassettes');
    await underLoad(['record'], dir);
  });

  it(`replay --on-miss record: ${IN_FLIGHT} requests in flight end whole, each is in the cassette, exit 0`, async () => {
    const dir = join(tempDir(), 'cassettes');
    mkdirSync(dir);
    await underLoad(['replay', '--on-miss', 'record'], dir);
  });
});
