import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ResolvedConfig } from '../../../src/app/config/config.js';
import type { CliContext } from '../../../src/cli/context.js';
import {
  CASSETTES,
  commandConfig,
  declareOptions,
  DEFAULTS_NOTE,
  fromCwd,
  helpDefault,
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

describe('defaults in help', () => {
  it('shows the built-in default of a config-backed option that takes a value', () => {
    expect(helpDefault('-p, --port <n>', '/server/port')).toBe('8080');
    expect(helpDefault('-c, --cassettes <dir>', '/cassettes')).toBe('"cassettes"');
    expect(helpDefault('--fail-on <level>', '/drift/failOn')).toBe('"breaking"');
  });

  it('shows none for a flag without a value, an empty list, no default or no pointer', () => {
    expect(helpDefault('--strict', '/replay/strict')).toBeUndefined();
    expect(helpDefault('--no-learn', '/drift/learn')).toBeUndefined();
    expect(helpDefault('-t, --target <url>', '/upstream/target')).toBeUndefined();
    expect(helpDefault('--header <h>', '/match/headers')).toBeUndefined();
    expect(helpDefault('--out <file>', undefined)).toBeUndefined();
  });

  it('puts the default and where else values come from in the help text', () => {
    let out = '';
    const command = new Command('probe').configureOutput({ writeOut: (s) => (out += s) });
    declareOptions(command, OPTIONS).outputHelp();
    const help = out.replace(/\s+/g, ' ');
    expect(help).toContain('port to listen on (0 picks a free one) (default: 8080)');
    expect(help).toContain('cassettes directory (default: "cassettes")');
    expect(help).toContain(DEFAULTS_NOTE.replace(/\s+/g, ' '));
    expect(help).not.toMatch(/--no-learn x \(default/);
  });

  it('gives commander no default: a config file value still stands', () => {
    const cwd = tempDir();
    writeFileSync(
      join(cwd, 'tapedeck.config.json'),
      JSON.stringify({ server: { port: 9999 }, cassettes: 'tapes' }),
    );
    const { config, values } = run([], cwd);
    expect(config.config.server.port).toBe(9999);
    expect(config.config.cassettes).toBe(join(cwd, 'tapes'));
    expect(values).toEqual({ learn: true });
  });
});
