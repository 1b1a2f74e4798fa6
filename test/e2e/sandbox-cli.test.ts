/**
 * `tapedeck sandbox` as a new user meets it (built CLI, `npm run build` first): a config file
 * naming the spec and the stripe profile, `tapedeck tenants create acme --json` for a key, then
 * `tapedeck sandbox … --port 0 --json`, and the example flow of docs/sandbox.md — read from the
 * doc's fenced `js sandbox-example` block, so the doc cannot rot — run with the Stripe SDK against
 * it. `--explain` matches its golden file.
 */
import { copyFileSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCleanups } from '../helpers/cleanup.js';
import { runCli, runCliToEnd, type CliRun } from '../helpers/cli.js';
import { stripeSpecFile } from '../helpers/sandbox.js';
import { tempDir } from '../helpers/tmp.js';

afterEach(runCleanups);

const ROOT = join(import.meta.dirname, '../..');

/** The doc's example flow: the one fenced block tagged `js sandbox-example`. */
function exampleBlock(): string {
  const doc = readFileSync(join(ROOT, 'docs/sandbox.md'), 'utf8');
  const blocks = [...doc.matchAll(/^```js sandbox-example\n([\s\S]*?)^```$/gm)];
  expect(blocks, 'docs/sandbox.md has one ```js sandbox-example block').toHaveLength(1);
  return blocks[0]![1]!;
}

async function stop(run: CliRun): Promise<number | null> {
  run.child.kill('SIGINT');
  return run.exited;
}

/** A new user's folder: the spec beside a config naming it and the stripe profile. */
function project(): string {
  const cwd = tempDir('tapedeck-sandbox-e2e-');
  copyFileSync(stripeSpecFile(), join(cwd, 'stripe.json'));
  writeFileSync(
    join(cwd, 'tapedeck.config.json'),
    `${JSON.stringify({ sandbox: { spec: 'stripe.json', profile: 'stripe' } }, null, 2)}\n`,
  );
  return cwd;
}

describe('tapedeck sandbox (built CLI)', () => {
  it('a key from `tenants create`, the sandbox on it, and the doc’s example flow', async () => {
    const cwd = project();
    const created = await runCliToEnd(['tenants', 'create', 'acme', '--json'], { cwd });
    expect(created.code, created.stderr).toBe(0);
    const { key, tenant } = JSON.parse(created.stdout) as { key: string; tenant: { name: string } };
    expect(tenant.name).toBe('acme');
    expect(key).toMatch(/^sk_test_[0-9A-Za-z]{28}$/);

    const run = runCli(
      ['sandbox', '--spec', 'stripe.json', '--profile', 'stripe', '--port', '0', '--json'],
      { cwd },
    );
    await run.waitFor(/"event":"listening".*\n/, 60_000);
    const listening = JSON.parse(run.stdout.split('\n')[0]!) as {
      event: string;
      kind: string;
      url: string;
    };
    expect(listening).toMatchObject({ event: 'listening', kind: 'sandbox' });
    const url = listening.url;
    try {
      // The example runs as its own module, beside a node_modules that has the SDK.
      symlinkSync(join(ROOT, 'node_modules'), join(cwd, 'node_modules'), 'dir');
      writeFileSync(join(cwd, 'example.mjs'), exampleBlock());
      // As the doc says: the sandbox's URL in SANDBOX_URL, the tenant's key in SANDBOX_KEY.
      const example = await runNode(join(cwd, 'example.mjs'), cwd, {
        SANDBOX_URL: url,
        SANDBOX_KEY: key,
      });
      expect(example.code, `${example.stdout}\n${example.stderr}`).toBe(0);
      expect(example.stdout).toBe('sandbox example: ok\n');
      expect(example.stderr).toBe('');
      // Without an admin token only health and a tenant's own journal are served: no tenant
      // reads another's traffic, and nothing answers without a key.
      expect((await fetch(`${url}/__tapedeck/health`)).status).toBe(200);
      for (const route of ['sandbox/model', 'tenants']) {
        const response = await fetch(`${url}/__tapedeck/${route}`);
        expect(response.status, route).toBe(404);
      }
      const anonymous = await fetch(`${url}/__tapedeck/journal`);
      expect(anonymous.status).toBe(401);
      expect(await anonymous.text()).not.toContain('"entries"');
      const own = await fetch(`${url}/__tapedeck/journal?limit=5`, {
        headers: { authorization: `Bearer ${key}` },
      });
      expect(own.status).toBe(200);
      const { entries } = (await own.json()) as { entries: { tenant?: string }[] };
      expect(entries.length).toBeGreaterThan(0);
      expect(new Set(entries.map((e) => e.tenant)).size).toBe(1);
    } finally {
      expect(await stop(run)).toBe(0);
    }
    // On Ctrl-C: what was served, by layer, as the last JSON line.
    const summary = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as {
      event: string;
      served: number;
      byLayer: Record<string, number>;
    };
    expect(summary.event).toBe('summary');
    expect(summary.byLayer['state']).toBeGreaterThan(20);
    expect(summary.byLayer['idempotency']).toBe(1);
    // The key was printed once, by `create`; the server never logs it.
    expect(run.stdout + run.stderr).not.toContain(key);
  }, 120_000);

  it('--explain prints the model and the profile (golden), --explain --json the same as data', async () => {
    const cwd = project();
    const text = await runCliToEnd(['sandbox', '--explain'], { cwd });
    expect(text.code, text.stderr).toBe(0);
    const golden = readFileSync(join(ROOT, 'test/golden/sandbox-explain-stripe.txt'), 'utf8');
    expect(text.stdout).toBe(golden);
    const json = await runCliToEnd(['sandbox', '--explain', '--json'], { cwd });
    expect(json.code, json.stderr).toBe(0);
    // The whole of it (260 kB through a pipe), in the shape of `sandbox.resources`.
    const model = JSON.parse(json.stdout) as {
      resources: Record<string, { idField: string; id: { prefix: string } }>;
      scenarios: { name: string; source: string; triggers: string[] }[];
      rateLimits: unknown[];
    };
    expect(model.resources['customers']).toMatchObject({ idField: 'id', id: { prefix: 'cus_' } });
    // The whole scenario catalogue, and the rate limits in force (off by default: none).
    expect(model.scenarios.map((s) => s.name)).toContain('card_declined');
    expect(model.scenarios.find((s) => s.name === 'card_declined')).toMatchObject({
      source: 'preset:stripe',
      triggers: ['value', 'value', 'armed'],
    });
    expect(model.rateLimits).toEqual([]);
    // A cassettes directory named on the command line must exist (the default one may not).
    const missing = await runCliToEnd(['sandbox', '--explain', '--cassettes', 'nope'], { cwd });
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('TD_CASSETTES_DIR_MISSING');
  }, 120_000);
});

/** Runs `node FILE` in `cwd` with only PATH, HOME and `env`. */
async function runNode(
  file: string,
  cwd: string,
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const { spawn } = await import('node:child_process');
  const child = spawn(process.execPath, [file], {
    cwd,
    env: { PATH: process.env['PATH'] ?? '', HOME: cwd, NO_COLOR: '1', ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { code, stdout, stderr };
}
