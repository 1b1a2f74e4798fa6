import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULTS, resolveConfig } from '../../src/app/config/config.js';
import { dependsOnTapedeck, PACKAGE_NAME, STARTER_CONFIG } from '../../src/app/config/init.js';
import { TapedeckError } from '../../src/core/errors.js';
import { tempDir } from '../helpers/tmp.js';

function configError(run: () => unknown): TapedeckError {
  try {
    run();
  } catch (error) {
    if (error instanceof TapedeckError) return error;
    throw error;
  }
  throw new Error('expected a TapedeckError');
}

describe('resolveConfig', () => {
  it('uses the defaults when there is no file, env or flag', () => {
    const cwd = tempDir();
    const { config, file } = resolveConfig({ cwd, env: {}, flags: [] });
    expect(file).toBeUndefined();
    expect(config.server).toEqual(DEFAULTS.server);
    expect(config.cassettes).toBe(join(cwd, 'cassettes'));
  });

  it('applies flag > environment > file > default', () => {
    const cwd = tempDir();
    writeFileSync(
      join(cwd, 'tapedeck.config.json'),
      JSON.stringify({ server: { port: 1111, host: '::1' }, record: { mode: 'all' } }),
    );
    const { config, sources } = resolveConfig({
      cwd,
      env: { TAPEDECK_PORT: '2222', TAPEDECK_HOST: '127.0.0.1' },
      flags: [{ pointer: '/server/port', value: 3333, flag: '--port' }],
    });
    expect(config.server.port).toBe(3333);
    expect(config.server.host).toBe('127.0.0.1');
    expect(config.record.mode).toBe('all');
    expect(config.record.cassette).toBe('default');
    expect(sources.get('/server/port')).toBe('--port');
    expect(sources.get('/server/host')).toBe('TAPEDECK_HOST');
    expect(sources.get('/record/cassette')).toBe('default');
  });

  it('finds the config file in a parent folder and resolves its paths against it', () => {
    const root = tempDir();
    const deep = join(root, 'a', 'b');
    mkdirSync(deep, { recursive: true });
    writeFileSync(join(root, 'tapedeck.config.json'), '{ "cassettes": "recordings" }');
    const { config, file } = resolveConfig({ cwd: deep, env: {}, flags: [] });
    expect(file).toBe(join(root, 'tapedeck.config.json'));
    expect(config.cassettes).toBe(join(root, 'recordings'));
    expect(config.stateDir).toBe(join(deep, '.tapedeck'));
  });

  it('reads the commented starter config that init writes', () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'tapedeck.config.json'), STARTER_CONFIG);
    const { config } = resolveConfig({ cwd, env: {}, flags: [] });
    expect(config.replay.missStatus).toBe(599);
    expect(config.record.mode).toBe('new');
  });

  it('names the file and the JSON path of every invalid value', () => {
    const cwd = tempDir();
    writeFileSync(
      join(cwd, 'tapedeck.config.json'),
      JSON.stringify({ server: { port: 'eighty' }, replay: { onMiss: 'explode' }, colour: 'red' }),
    );
    const error = configError(() => resolveConfig({ cwd, env: {}, flags: [] }));
    expect(error.code).toBe('TD_CONFIG_INVALID');
    expect(error.message).toContain(join(cwd, 'tapedeck.config.json'));
    expect(error.message).toContain('/server/port: must be integer');
    expect(error.message).toContain(
      '/replay/onMiss: must be one of "error", "passthrough", "record"',
    );
    expect(error.message).toContain('/colour: is not a known property');
  });

  it('says where a bad JSON comma is', () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'tapedeck.config.json'), '{\n  // ok\n  "cassettes": "c",\n}\n');
    const error = configError(() => resolveConfig({ cwd, env: {}, flags: [] }));
    expect(error.message).toMatch(/not valid JSON at line 4, column 1/);
  });

  it('names the environment variable or flag that set a bad value', () => {
    const cwd = tempDir();
    expect(
      configError(() => resolveConfig({ cwd, env: { TAPEDECK_PORT: 'http' }, flags: [] })).message,
    ).toContain('TAPEDECK_PORT');
    const error = configError(() =>
      resolveConfig({ cwd, env: { TAPEDECK_ON_MISS: 'maybe' }, flags: [] }),
    );
    expect(error.message).toContain('/replay/onMiss (from TAPEDECK_ON_MISS)');
    const flagError = configError(() =>
      resolveConfig({
        cwd,
        env: {},
        flags: [{ pointer: '/upstream/target', value: 'ftp://x', flag: '--target' }],
      }),
    );
    expect(flagError.message).toContain('/upstream/target (from --target)');
  });

  it('fails clearly for a --config file that does not exist', () => {
    const cwd = tempDir();
    const error = configError(() =>
      resolveConfig({ cwd, env: {}, configFile: 'nope.json', flags: [] }),
    );
    expect(error.code).toBe('TD_CONFIG_NOT_FOUND');
    expect(error.hint).toContain('tapedeck init');
  });

  it('rejects a bad JSON path in match.ignoreBodyPaths at startup', () => {
    const cwd = tempDir();
    writeFileSync(
      join(cwd, 'tapedeck.config.json'),
      JSON.stringify({ match: { ignoreBodyPaths: ['requestId'] } }),
    );
    expect(configError(() => resolveConfig({ cwd, env: {}, flags: [] })).message).toContain(
      'must start with "$"',
    );
  });

  it('freezes the result', () => {
    const { config } = resolveConfig({ cwd: tempDir(), env: {}, flags: [] });
    expect(Object.isFrozen(config.server)).toBe(true);
  });
});

describe('the npm package name', () => {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    name: string;
    bin: Record<string, string>;
  };

  it('is tapedeck-proxy (tapedeck on npm is unrelated); the command stays tapedeck', () => {
    expect(pkg.name).toBe(PACKAGE_NAME);
    expect(PACKAGE_NAME).toBe('tapedeck-proxy');
    expect(Object.keys(pkg.bin)).toEqual(['tapedeck']);
    const lock = JSON.parse(
      readFileSync(new URL('../../package-lock.json', import.meta.url), 'utf8'),
    ) as { name: string; packages: Record<string, { name?: string }> };
    expect(lock.name).toBe(PACKAGE_NAME);
    expect(lock.packages['']?.name).toBe(PACKAGE_NAME);
  });

  it('is where the starter config points its editor schema', () => {
    expect(STARTER_CONFIG).toContain(
      `"$schema": "./node_modules/${PACKAGE_NAME}/schemas/config.schema.json"`,
    );
  });

  it('tells init whether npx tapedeck will run the local bin', () => {
    const bare = tempDir();
    expect(dependsOnTapedeck(bare)).toBe(false);
    writeFileSync(
      join(bare, 'package.json'),
      JSON.stringify({ devDependencies: { tapedeck: '1' } }),
    );
    expect(dependsOnTapedeck(bare)).toBe(false);
    writeFileSync(
      join(bare, 'package.json'),
      JSON.stringify({ devDependencies: { [PACKAGE_NAME]: '^0.1.0' } }),
    );
    expect(dependsOnTapedeck(bare)).toBe(true);
    writeFileSync(join(bare, 'package.json'), '{ not json');
    expect(dependsOnTapedeck(bare)).toBe(false);
  });
});

describe('a misspelled config key', () => {
  it('is named with the nearest allowed key and the keys allowed at its place', () => {
    const cwd = tempDir();
    writeFileSync(
      join(cwd, 'tapedeck.config.json'),
      JSON.stringify({ upstrem: { target: 'http://127.0.0.1:1' }, replay: { onMis: 'error' } }),
    );
    const error = configError(() => resolveConfig({ cwd, env: {}, flags: [] }));
    expect(error.code).toBe('TD_CONFIG_INVALID');
    expect(error.message).toContain(
      'at /upstrem: is not a known property; did you mean "upstream"? Allowed here: $schema, cassettes, redactionRules,',
    );
    expect(error.message).toContain(
      'at /replay/onMis: is not a known property; did you mean "onMiss"? Allowed here: onMiss, missStatus, latency, strict, spec',
    );
  });
});
