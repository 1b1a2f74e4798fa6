import { InvalidArgumentError, type Command } from 'commander';
import { resolve } from 'node:path';
import { makeLogger } from '../../app/compose/compose.js';
import { FAIL_ON } from '../../core/modes.js';
import type { DriftProgress } from '../../app/drift/run.js';
import { EXIT, failWith, parseChoice } from '../common.js';
import type { CliContext } from '../context.js';
import {
  CASSETTES,
  commandConfig,
  declareOptions,
  onlyWhenFalse,
  type CliOption,
} from '../options.js';

/** What the action reads itself; the config flags are read through OPTIONS. */
interface DriftOptions {
  cassette?: string[];
  out?: string;
  json?: string | true;
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

const OPTIONS: readonly CliOption[] = [
  {
    flags: '-t, --target <url>',
    description: 'the live (staging) API; drift.target or upstream.target by default',
    pointer: '/drift/target',
  },
  CASSETTES,
  {
    flags: '--cassette <name>',
    description: 'check only this cassette (repeatable)',
    parse: (v: string, prev: string[] = []) => [...prev, v],
  },
  {
    flags: '--out <file>',
    description: 'write the Markdown report (made for a pull-request comment)',
  },
  {
    flags: '--json [file]',
    description: 'write the JSON report to a file, or to stdout without one',
  },
  {
    flags: '--fail-on <level>',
    description: 'exit 1 on breaking drift, any drift, or never',
    parse: parseChoice(FAIL_ON),
    pointer: '/drift/failOn',
  },
  {
    flags: '--concurrency <n>',
    description: 'cassettes checked at once',
    parse: positiveInt('--concurrency'),
    pointer: '/drift/concurrency',
  },
  {
    flags: '--timeout <ms>',
    description: 'time allowed per request, in milliseconds',
    parse: positiveInt('--timeout'),
    pointer: '/drift/timeoutMs',
  },
  {
    flags: '--retries <n>',
    description: 'retries for idempotent requests',
    parse: positiveInt('--retries', 0),
    pointer: '/drift/retries',
  },
  {
    flags: '--no-learn',
    description: 'send each request once (no noise learning from a second call)',
    pointer: '/drift/learn',
    toConfig: onlyWhenFalse,
  },
  { flags: '--spec <file>', description: 'also say which side violates this OpenAPI spec' },
  {
    flags: '--github',
    description: 'create or update the sticky drift comment on the pull request',
  },
  {
    flags: '--pr <n>',
    description: 'pull request number (default: from GITHUB_EVENT_PATH)',
    parse: positiveInt('--pr'),
  },
  { flags: '--update', description: 're-record drifted interactions (redacted, atomically)' },
];

export function registerDrift(program: Command, cli: CliContext): void {
  declareOptions(
    program
      .command('drift')
      .summary('re-send recorded requests to a live API and report what changed')
      .description(
        'Re-send every recorded request (GET, HEAD and OPTIONS; others only when marked "replayable") to ' +
          '--target, redact the live answers exactly as a recording is redacted, and compare them with the ' +
          'cassettes: status, selected headers and bodies, classed as breaking, non-breaking or noise. What ' +
          'could not be checked (timeouts, network errors, 429) is reported as such, never as drift. ' +
          'See docs/drift.md.',
      ),
    OPTIONS,
  )
    .addHelpText(
      'after',
      '\nExit codes: 0 no drift at the --fail-on level, 1 drift found (TD_DRIFT_FOUND), 2 bad flags or\n' +
        'config, 3 bad cassettes, 4 nothing could be checked (TD_DRIFT_UNCHECKED) or GitHub failed.\n\n' +
        'Examples:\n  tapedeck drift --target https://staging.example.com --out drift.md --json drift.json\n' +
        '  tapedeck drift --github --fail-on none        # in a workflow, see docs/examples/drift-nightly.yml',
    )
    .action(async (options: DriftOptions, command: Command) => {
      const { config } = commandConfig(cli, command, options, OPTIONS);
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
