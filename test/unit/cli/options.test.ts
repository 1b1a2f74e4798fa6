import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { ResolvedConfig } from '../../../src/app/config/config.js';
import type { CliContext } from '../../../src/cli/context.js';
import {
  CASSETTES,
  commandConfig,
  declareOptions,
  fromCwd,
  onlyWhenFalse,
  PORT,
  type CliOption,
} from '../../../src/cli/options.js';
import { tempDir } from '../../helpers/tmp.js';

const OPTIONS: readonly CliOption[] = [
  PORT,
  CASSETTES,
  { flags: '--no-learn', description: 'x', pointer: '/drift/learn', toConfig: onlyWhenFalse },
  { flags: '--spec <file>', description: 'x', pointer: '/replay/spec', toConfig: fromCwd },
  {
    flags: '--cassette <name>',
    description: 'repeatable, not config',
    parse: (v: string, prev: string[] = []) => [...prev, v],
  },
];

/** Parses `argv` with OPTIONS and resolves the config the way a command's action does. */
function run(argv: readonly string[], cwd: string): { config: ResolvedConfig; values: unknown } {
  const cli: CliContext = {
    io: { stdout: { write: () => true }, stderr: { write: () => true }, env: {} },
    cwd,
    exitCode: 0,
    stopSignal: () => new Promise(() => {}),
  };
  let result: { config: ResolvedConfig; values: unknown } | undefined;
  const program = new Command().exitOverride();
  declareOptions(program.command('probe'), OPTIONS).action((values: object, command: Command) => {
    result = { config: commandConfig(cli, command, values, OPTIONS), values };
  });
  program.parse(['probe', ...argv], { from: 'user' });
  return result!;
}

describe('CLI options written once', () => {
  it('sets each given config flag at its pointer, and leaves the rest to the config', () => {
    const cwd = tempDir();
    const { config } = run(['-p', '0', '--cassettes', 'tapes', '--spec', 'api.yaml'], cwd).config;
    expect(config.server.port).toBe(0);
    expect(config.cassettes).toBe(join(cwd, 'tapes'));
    expect(config.replay.spec).toBe(join(cwd, 'api.yaml'));
    // Not given: the defaults stand, --no-learn included.
    expect(config.drift.learn).toBe(true);
  });

  it('sets false for a given --no- flag, and keeps a parser with a previous value', () => {
    const { config, values } = run(['--no-learn', '--cassette', 'a', '--cassette', 'b'], tempDir());
    expect(config.config.drift.learn).toBe(false);
    expect((values as { cassette: string[] }).cassette).toEqual(['a', 'b']);
  });

  it('says which flag set a value', () => {
    const { sources } = run(['--port', '8081'], tempDir()).config;
    expect(sources.get('/server/port')).toContain('--port');
  });
});
