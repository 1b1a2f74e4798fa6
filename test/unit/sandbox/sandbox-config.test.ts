import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../../src/app/config/config.js';
import { runCleanups } from '../../helpers/cleanup.js';
import { tempDir } from '../../helpers/tmp.js';

afterEach(runCleanups);

function withFile(doc: unknown): { cwd: string; dir: string } {
  const cwd = tempDir();
  const dir = join(cwd, 'conf');
  mkdirSync(dir);
  writeFileSync(join(dir, 'tapedeck.config.json'), JSON.stringify(doc));
  return { cwd, dir };
}

describe('the sandbox section of the config', () => {
  it('has defaults for everything', () => {
    const { config } = resolveConfig({ cwd: tempDir(), env: {}, flags: [] });
    expect(config.sandbox).toMatchObject({
      profile: 'standard',
      defaultSeed: 'recordings',
      tenants: { idleDays: 30, keyOverlapHours: 24 },
      quotas: { resources: 10_000, requestsPerDay: 100_000, bytes: 52_428_800 },
    });
    expect(config.sandbox.spec).toBeUndefined();
  });

  it('resolves paths against the config file, but never a preset name', () => {
    const { cwd, dir } = withFile({
      sandbox: {
        spec: 'stripe.json',
        profile: 'profiles/acme.json',
        seeds: { demo: 'seeds/demo' },
      },
    });
    const { config } = resolveConfig({
      cwd,
      env: {},
      configFile: join(dir, 'tapedeck.config.json'),
      flags: [],
    });
    expect(config.sandbox.spec).toBe(join(dir, 'stripe.json'));
    expect(config.sandbox.profile).toBe(join(dir, 'profiles/acme.json'));
    expect(config.sandbox.seeds).toEqual({ demo: join(dir, 'seeds/demo') });
    const preset = withFile({ sandbox: { profile: 'stripe' } });
    const resolved = resolveConfig({
      cwd: preset.cwd,
      env: {},
      configFile: join(preset.dir, 'tapedeck.config.json'),
      flags: [],
    });
    expect(resolved.config.sandbox.profile).toBe('stripe');
  });

  it('takes a flag over the environment over the file over the default', () => {
    const { cwd, dir } = withFile({ sandbox: { spec: 'file.json', profile: 'github' } });
    const configFile = join(dir, 'tapedeck.config.json');
    const fromEnv = resolveConfig({
      cwd,
      env: { TAPEDECK_SANDBOX_SPEC: 'env.json', TAPEDECK_SANDBOX_PROFILE: 'stripe' },
      configFile,
      flags: [],
    });
    expect(fromEnv.config.sandbox.spec).toBe(join(cwd, 'env.json'));
    expect(fromEnv.config.sandbox.profile).toBe('stripe');
    const fromFlag = resolveConfig({
      cwd,
      env: { TAPEDECK_SANDBOX_SPEC: 'env.json' },
      configFile,
      flags: [{ pointer: '/sandbox/spec', value: 'flag.json', flag: '--spec' }],
    });
    expect(fromFlag.config.sandbox.spec).toBe(join(cwd, 'flag.json'));
    expect(fromFlag.config.sandbox.profile).toBe('github');
    expect(fromFlag.sources.get('/sandbox/spec')).toBe('--spec');
  });

  it('refuses unknown members and bad values, naming the pointer', () => {
    const bad = withFile({ sandbox: { quotas: { resources: 0 }, tenant: {} } });
    expect(() =>
      resolveConfig({
        cwd: bad.cwd,
        env: {},
        configFile: join(bad.dir, 'tapedeck.config.json'),
        flags: [],
      }),
    ).toThrow(/sandbox/);
    const seeds = withFile({ sandbox: { seeds: { empty: 'x' } } });
    expect(() =>
      resolveConfig({
        cwd: seeds.cwd,
        env: {},
        configFile: join(seeds.dir, 'tapedeck.config.json'),
        flags: [],
      }),
    ).toThrow(/TD_CONFIG_INVALID|invalid/i);
  });
});
