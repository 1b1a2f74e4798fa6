import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { DEFAULTS, type ResolvedConfig } from '../app/config/config.js';
import { FlagSet, globalsOf, loadConfig, parsePort } from './common.js';
import type { CliContext } from './context.js';

/**
 * One command-line option, written once: its commander spelling and help and, when it overrides
 * a config value, the JSON pointer it sets. A command lists its options in help order;
 * `declareOptions` adds them and `commandConfig` reads back those that set config, so a flag's
 * name, its pointer and its help never drift apart.
 */
export interface CliOption {
  readonly flags: string;
  readonly description: string;
  readonly parse?: (value: string, previous: never) => unknown;
  /** The config value this option overrides. */
  readonly pointer?: string;
  /** The config value from what commander parsed (undefined when not given); the value itself by default. */
  readonly toConfig?: (parsed: unknown, cwd: string) => unknown;
}

export const PORT: CliOption = {
  flags: '-p, --port <n>',
  description: 'port to listen on (0 picks a free one)',
  parse: parsePort,
  pointer: '/server/port',
};

export const HOST: CliOption = {
  flags: '--host <address>',
  description: 'address to listen on',
  pointer: '/server/host',
};

export const CASSETTES: CliOption = {
  flags: '-c, --cassettes <dir>',
  description: 'cassettes directory',
  pointer: '/cassettes',
};

/** `--json` of the servers (record, replay, mock). */
export const SERVER_JSON: CliOption = {
  flags: '--json',
  description: 'print the listening line and the summary as JSON',
};

/** A `--no-…` flag: false when given; otherwise nothing is set and the config's value stands. */
export function onlyWhenFalse(parsed: unknown): false | undefined {
  return parsed === false ? false : undefined;
}

/** A file flag, resolved against the working directory (config paths resolve elsewhere). */
export function fromCwd(parsed: unknown, cwd: string): string | undefined {
  return typeof parsed === 'string' ? resolve(cwd, parsed) : undefined;
}

/**
 * The built-in default of the config value at `pointer`, as help shows it (`8080`,
 * `"cassettes"`), or undefined when there is none worth showing: no default, an empty list, or
 * a flag that takes no value (`--strict`, `--no-learn` say what they do by being given).
 */
export function helpDefault(flags: string, pointer: string | undefined): string | undefined {
  if (pointer === undefined || !/[<[]/.test(flags)) return undefined;
  let value: unknown = DEFAULTS;
  for (const key of pointer.split('/').slice(1))
    value =
      typeof value === 'object' && value !== null
        ? (value as Record<string, unknown>)[key]
        : undefined;
  if (value === undefined || (Array.isArray(value) && value.length === 0)) return undefined;
  return JSON.stringify(value);
}

/** Under the options of a command that shows config defaults: where else a value can come from. */
export const DEFAULTS_NOTE =
  'Defaults shown are built in; tapedeck.config.json and TAPEDECK_* variables may set\n' +
  'others, and a flag wins over both.';

/**
 * Adds `options` to `command`, in order. A config-backed option's help shows its default the
 * way commander shows its own, `(default: 8080)`, without giving commander the value: a
 * commander default would count as given and override tapedeck.config.json.
 */
export function declareOptions(command: Command, options: readonly CliOption[]): Command {
  for (const o of options) {
    const shown = helpDefault(o.flags, o.pointer);
    const option = new Option(
      o.flags,
      shown === undefined ? o.description : `${o.description} (default: ${shown})`,
    );
    // Commander passes each parser the option's previous value, of the parser's own type.
    const parse = o.parse as ((value: string, previous: unknown) => unknown) | undefined;
    command.addOption(parse === undefined ? option : option.argParser(parse));
  }
  if (options.some((o) => helpDefault(o.flags, o.pointer) !== undefined))
    command.addHelpText('after', `\n${DEFAULTS_NOTE}`);
  return command;
}

/** The config of a command run: files, environment, global flags, then `options`' flags. */
export function commandConfig(
  cli: CliContext,
  command: Command,
  values: object,
  options: readonly CliOption[],
): ResolvedConfig {
  const flags = new FlagSet();
  for (const o of options) {
    if (o.pointer === undefined) continue;
    const option = new Option(o.flags);
    const parsed = (values as Record<string, unknown>)[option.attributeName()];
    flags.set(
      o.pointer,
      o.toConfig === undefined ? parsed : o.toConfig(parsed, cli.cwd),
      option.long ?? o.flags,
    );
  }
  return loadConfig(cli.io, cli.cwd, globalsOf(command), flags);
}

/**
 * The maker of a command group's subcommands (`tenants create`, `webhooks add`): summary and
 * description from one text, the group's exit-code help, its arguments, and its own options after
 * the ones the whole group shares.
 */
export function subcommandsOf(group: Command, exitHelp: string, shared: readonly CliOption[]) {
  return (
    name: string,
    summary: string,
    extra: readonly CliOption[],
    args: readonly (readonly [string, string])[],
  ): { command: Command; options: readonly CliOption[] } => {
    const command = group
      .command(name)
      .summary(summary)
      .description(`${summary[0]!.toUpperCase()}${summary.slice(1)}.`)
      .addHelpText('after', exitHelp);
    for (const [arg, help] of args) command.argument(arg, help);
    const options = [...extra, ...shared];
    declareOptions(command, options);
    return { command, options };
  };
}
