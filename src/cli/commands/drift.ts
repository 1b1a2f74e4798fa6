import { InvalidArgumentError, type Command } from 'commander';
import { resolve } from 'node:path';
import { makeLogger } from '../../app/compose/compose.js';
import { FAIL_ON, type FailOn } from '../../core/modes.js';
import type { DriftProgress } from '../../app/drift/run.js';
import { EXIT, failWith, FlagSet, globalsOf, loadConfig, parseChoice } from '../common.js';
import type { CliContext } from '../context.js';

interface DriftOptions {
  target?: string;
  cassettes?: string;
  cassette?: string[];
  out?: string;
  json?: string | true;
  markdown?: boolean;
  failOn?: FailOn;
  concurrency?: number;
  timeout?: number;
  retries?: number;
  learn?: boolean;
  spec?: string;
  github?: boolean;
  pr?: number;
  update?: boolean;
}

function positiveInt(what: string, min = 1) {
  return (value: string): number => {
    if (!/^\d+$/.test(value) || Number(value) < min)
      throw new InvalidArgumentError(`${what} must be a whole number of at least ${min}.`);
    return Number(value);
  };
}

/** A progress bar on a TTY; plain lines every 10% (or every 5 s) otherwise. */
export function progressReporter(stream: { write(s: string): unknown; isTTY?: boolean }) {
  const tty = stream.isTTY === true;
  let lastDraw = 0;
  let lastTenth = -1;
  let lastLine = 0;
  let drawn = false;
  const report = ({ done, total }: DriftProgress) => {
    const now = performance.now();
    if (tty) {
      if (done < total && now - lastDraw < 80) return;
      lastDraw = now;
      const width = 28;
      const filled = total === 0 ? width : Math.round((done / total) * width);
      stream.write(
        `\r  drift [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}\u001b[K`,
      );
      drawn = true;
      return;
    }
    const tenth = total === 0 ? 10 : Math.floor((done / total) * 10);
    if (tenth === lastTenth && now - lastLine < 5_000 && done < total) return;
    if (done === total && lastTenth === 10) return;
    lastTenth = tenth;
    lastLine = now;
    stream.write(`drift: ${done}/${total} interaction(s) checked\n`);
  };
  const end = () => {
    if (tty && drawn) stream.write('\r\u001b[K');
  };
  return { report, end };
}

export function registerDrift(program: Command, cli: CliContext): void {
  program
    .command('drift')
    .summary('re-send recorded requests to a live API and report what changed')
    .description(
      'Re-send every recorded request (GET, HEAD and OPTIONS; others only when marked "replayable") to ' +
        '--target, redact the live answers exactly as a recording is redacted, and compare them with the ' +
        'cassettes: status, selected headers and bodies, classed as breaking, non-breaking or noise. What ' +
        'could not be checked (timeouts, network errors, 429) is reported as such, never as drift. ' +
        'See docs/drift.md.',
    )
    .option(
      '-t, --target <url>',
      'the live (staging) API; drift.target or upstream.target by default',
    )
    .option('-c, --cassettes <dir>', 'cassettes directory')
    .option(
      '--cassette <name>',
      'check only this cassette (repeatable)',
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .option('--out <file>', 'write the Markdown report (made for a pull-request comment)')
    .option('--json [file]', 'write the JSON report to a file, or to stdout without one')
    .option(
      '--fail-on <level>',
      'exit 1 on breaking drift (default), any drift, or never',
      parseChoice(FAIL_ON),
    )
    .option('--concurrency <n>', 'cassettes checked at once', positiveInt('--concurrency'))
    .option('--timeout <ms>', 'time allowed per request, in milliseconds', positiveInt('--timeout'))
    .option('--retries <n>', 'retries for idempotent requests', positiveInt('--retries', 0))
    .option('--no-learn', 'send each request once (no noise learning from a second call)')
    .option('--spec <file>', 'also say which side violates this OpenAPI spec')
    .option('--github', 'create or update the sticky drift comment on the pull request')
    .option(
      '--pr <n>',
      'pull request number (default: from GITHUB_EVENT_PATH)',
      positiveInt('--pr'),
    )
    .option('--update', 're-record drifted interactions (redacted, atomically)')
    .addHelpText(
      'after',
      '\nExit codes: 0 no drift at the --fail-on level, 1 drift found (TD_DRIFT_FOUND), 2 bad flags or\n' +
        'config, 3 bad cassettes, 4 nothing could be checked (TD_DRIFT_UNCHECKED) or GitHub failed.\n\n' +
        'Examples:\n  tapedeck drift --target https://staging.example.com --out drift.md --json drift.json\n' +
        '  tapedeck drift --github --fail-on none        # in a workflow, see docs/examples/drift-nightly.yml',
    )
    .action(async (options: DriftOptions, command: Command) => {
      const flags = new FlagSet()
        .set('/drift/target', options.target, '--target')
        .set('/cassettes', options.cassettes, '--cassettes')
        .set('/drift/failOn', options.failOn, '--fail-on')
        .set('/drift/concurrency', options.concurrency, '--concurrency')
        .set('/drift/timeoutMs', options.timeout, '--timeout')
        .set('/drift/retries', options.retries, '--retries')
        .set('/drift/learn', options.learn === false ? false : undefined, '--no-learn');
      const { config } = loadConfig(cli.io, cli.cwd, globalsOf(command), flags);
      const { logger, style } = makeLogger(config, cli.io);
      // Loaded here, not at start-up: the other commands never need undici or json-diff-ts.
      const { driftCommand } = await import('../../app/compose/drift.js');
      const progress = progressReporter(cli.io.stderr);
      let outcome;
      try {
        outcome = await driftCommand(config, cli.io.env, logger, {
          failOn: config.drift.failOn,
          update: options.update === true,
          style,
          onProgress: progress.report,
          ...(options.cassette === undefined ? {} : { only: options.cassette }),
          ...(options.spec === undefined ? {} : { spec: resolve(cli.cwd, options.spec) }),
          ...(options.out === undefined ? {} : { out: resolve(cli.cwd, options.out) }),
          ...(typeof options.json === 'string' ? { json: resolve(cli.cwd, options.json) } : {}),
          ...(options.github === true
            ? { github: options.pr === undefined ? {} : { pr: options.pr } }
            : {}),
        });
      } finally {
        progress.end();
      }
      const { run } = outcome;
      const jsonToStdout = options.json === true;
      const summaryStream = jsonToStdout ? cli.io.stderr : cli.io.stdout;
      if (jsonToStdout) cli.io.stdout.write(`${JSON.stringify(run.report, null, 2)}\n`);
      summaryStream.write(outcome.summary);
      if (run.updated.length > 0 || run.notUpdated.length > 0) {
        summaryStream.write(
          `re-recorded ${run.updated.length} drifted interaction(s)${run.notUpdated.length > 0 ? `; ${run.notUpdated.length} not updated (see the report)` : ''}\n`,
        );
      }
      for (const file of outcome.written) summaryStream.write(`wrote ${file}\n`);
      if (outcome.comment !== undefined) {
        summaryStream.write(
          `${outcome.comment.action} the drift comment on pull request #${outcome.comment.pr}: ${outcome.comment.url}\n`,
        );
      }
      // TD_DRIFT_FOUND, TD_DRIFT_UNCHECKED or TD_GITHUB_FAILED: rendered, and mapped to the exit
      // code, as main renders a thrown error.
      if (outcome.failure === undefined) cli.exitCode = EXIT.ok;
      else failWith(cli, outcome.failure);
    });
}
