import type { Command } from 'commander';
import { makeLogger } from '../../app/compose/compose.js';
import { runDemo } from '../../app/compose/demo.js';
import { EXIT, FlagSet, globalsOf, loadConfig, parsePort } from '../common.js';
import type { CliContext } from '../context.js';

interface DemoOptions {
  cassettes?: string;
  serve?: boolean;
  port?: number;
}

export function registerDemo(program: Command, cli: CliContext): void {
  program
    .command('demo')
    .summary('record a built-in demo API, stop it, and replay it byte for byte')
    .description(
      'Starts a small demo API, records a client flow through tapedeck record, stops the API, ' +
        'replays the flow from the cassette and checks every answer is identical. Needs no setup.',
    )
    .option('-c, --cassettes <dir>', 'where to write the demo cassette (default: a temp folder)')
    .option('--serve', 'keep the replay server running afterwards, until Ctrl-C')
    .option('-p, --port <n>', 'port for the replay server with --serve', parsePort, 8080)
    .action(async (options: DemoOptions, command: Command) => {
      const { config } = loadConfig(cli.io, cli.cwd, globalsOf(command), new FlagSet());
      const { logger, style } = makeLogger(
        {
          ...config,
          log: { ...config.log, level: config.log.level === 'info' ? 'warn' : config.log.level },
        },
        cli.io,
      );
      const ok = await runDemo(config, cli.io, logger, style, {
        cassettes: options.cassettes,
        serve: options.serve === true,
        port: options.serve === true ? (options.port ?? 8080) : 0,
        stop: options.serve === true ? cli.stopSignal() : Promise.resolve('done'),
      });
      cli.exitCode = ok ? EXIT.ok : EXIT.failed;
    });
}
