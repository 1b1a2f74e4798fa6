import { Command, CommanderError } from 'commander';
import { DEFAULTS } from '../app/config/config.js';
import { VERSION } from '../app/version.js';
import { isTapedeckError } from '../core/errors.js';
import { LOG_FORMATS, LOG_LEVELS } from '../core/modes.js';
import { EXIT, failWith, parseChoice, wordList } from './common.js';
import type { CliContext } from './context.js';
import { registerDemo } from './commands/demo.js';
import { registerDrift } from './commands/drift.js';
import { registerExport } from './commands/export.js';
import { registerImport } from './commands/import.js';
import { registerInit } from './commands/init.js';
import { registerJournal } from './commands/journal.js';
import { registerMock } from './commands/mock.js';
import { registerReadiness } from './commands/readiness.js';
import { registerRedact } from './commands/redact.js';
import { registerRecord } from './commands/record.js';
import { registerReplay } from './commands/replay.js';
import { registerSandbox } from './commands/sandbox.js';
import { registerScenarios } from './commands/scenarios.js';
import { registerClock } from './commands/clock.js';
import { registerTenants } from './commands/tenants.js';
import { registerTrigger } from './commands/trigger.js';
import { registerWebhooks } from './commands/webhooks.js';
import { registerVerify } from './commands/verify.js';

function stopSignal(): Promise<string> {
  return new Promise((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        // A second Ctrl-C: the person does not want to wait for the drain.
        process.stderr.write('tapedeck: interrupted again, exiting without waiting\n');
        process.exit(EXIT.interrupted);
      }
      stopping = true;
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

export function buildProgram(cli: CliContext): Command {
  const program = new Command('tapedeck')
    .description('Record-and-replay fidelity proxy for HTTP APIs.')
    .version(VERSION, '-V, --version')
    .option(
      '--config <file>',
      'config file (default: tapedeck.config.json here or in a parent folder)',
    )
    // The defaults are in the help text only: a commander default would override the config.
    .option(
      '--log-level <level>',
      `${wordList(LOG_LEVELS)} (default: ${JSON.stringify(DEFAULTS.log.level)})`,
      parseChoice(LOG_LEVELS),
    )
    .option(
      '--log-format <format>',
      `${wordList(LOG_FORMATS)} (default: ${JSON.stringify(DEFAULTS.log.format)})`,
      parseChoice(LOG_FORMATS),
    )
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({
      writeOut: (s) => cli.io.stdout.write(s),
      writeErr: (s) => cli.io.stderr.write(s),
    })
    .exitOverride()
    .addHelpText(
      'after',
      '\nExit codes: 0 ok, 1 verify problems, strict misses or drift found, 2 bad flags or config, 3 bad cassettes,\n4 network/disk/state failure, 70 internal error. Docs: README.md and docs/.',
    );
  registerRecord(program, cli);
  registerReplay(program, cli);
  registerVerify(program, cli);
  registerDrift(program, cli);
  registerMock(program, cli);
  registerSandbox(program, cli);
  registerTenants(program, cli);
  registerClock(program, cli);
  registerScenarios(program, cli);
  registerWebhooks(program, cli);
  registerTrigger(program, cli);
  registerJournal(program, cli);
  registerReadiness(program, cli);
  registerRedact(program, cli);
  registerImport(program, cli);
  registerExport(program, cli);
  registerInit(program, cli);
  registerDemo(program, cli);
  return program;
}

/** Entry point of bin/tapedeck. The only place that exits the process. */
export async function main(argv: readonly string[]): Promise<void> {
  // A reader that stops early (`tapedeck … | head`) closes the pipe: the output is no longer
  // wanted, which is no error of ours. Exit at once, with the conventional 141 (128 + SIGPIPE).
  for (const stream of [process.stdout, process.stderr])
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(141);
      throw error;
    });
  const cli: CliContext = {
    io: { stdout: process.stdout, stderr: process.stderr, env: process.env },
    cwd: process.cwd(),
    exitCode: EXIT.ok,
    stopSignal,
  };
  const program = buildProgram(cli);
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      cli.exitCode = error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    } else if (isTapedeckError(error)) {
      failWith(cli, error);
    } else {
      cli.io.stderr.write(
        `tapedeck: internal error (TD_INTERNAL), please report it:\n${String((error as Error).stack ?? error)}\n`,
      );
      cli.exitCode = EXIT.internal;
    }
  }
  // A pipe takes what was written asynchronously: exiting at once would cut a long output
  // (`sandbox --explain --json` is 260 kB). An empty write calls back once all before it left.
  await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  process.exit(cli.exitCode);
}

function flushed(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    if (stream.destroyed || !stream.writable) resolve();
    else stream.write('', () => resolve());
  });
}
