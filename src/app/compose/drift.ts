/**
 * The composition root of `tapedeck drift`: builds the adapters (cassette store, undici pool to
 * the target, SQLite history, redaction, the GitHub client) from the configuration and hands
 * them to the use case in app/drift. The CLI loads this module only when drift runs.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { GitHubClient } from '../../adapters/github/github-client.js';
import { NodeBodyCodec } from '../../adapters/http/body-codec.js';
import { openSqliteState } from '../../adapters/state/sqlite/index.js';
import { systemClock } from '../../adapters/system/system.js';
import { UndiciUpstream } from '../../adapters/http/undici-upstream.js';
import { TapedeckError } from '../../core/errors.js';
import { liveCredentials } from '../drift/credentials.js';
import type { Logger } from '../../core/ports/index.js';
import { cassetteStore, loadRedaction } from './common.js';
import { loadCompiledSpec } from './spec.js';
import type { TapedeckConfig } from '../config/config.js';
import {
  runDriftCommand,
  type DriftCommandOutcome,
  type DriftCommandRequest,
  type DriftJobRequest,
} from '../drift/command.js';
import { runDrift, type DriftRun, type SpecCheck } from '../drift/run.js';
import {
  upsertStickyComment,
  type GitHubTarget,
  type IssueComments,
  type PostedComment,
} from '../drift/github.js';
import { checkResponseAgainstSpec } from '../mock/spec.js';
import { checkTarget, resolveEgress } from '../record/target.js';
import { systemResolver } from '../../adapters/http/egress-connect.js';
import type { Resolver } from '../../core/http/egress.js';
import { VERSION } from '../version.js';

export { liveCredentials } from '../drift/credentials.js';
export {
  actionsRunUrl,
  commentBody,
  driftFails,
  driftMarkdown,
  nothingChecked,
  type ReportFiles,
} from '../drift/report.js';

export interface DriftJobOptions extends DriftJobRequest {
  /** Replaces the wait between retries (tests). */
  readonly sleep?: (ms: number) => Promise<unknown>;
  /** How names resolve, at start and at each connection (tests: an answer that changes). */
  readonly resolver?: Resolver;
}

/** `--spec FILE`: loaded and compiled once (TD_SPEC_INVALID names the file and pointer). */
async function specChecker(file: string | undefined): Promise<SpecCheck | undefined> {
  if (file === undefined) return undefined;
  const spec = await loadCompiledSpec(file);
  return (request, response) => checkResponseAgainstSpec(spec, request, response);
}

/** Runs the drift job with adapters built from `config`. */
export async function composeDrift(
  config: TapedeckConfig,
  env: Readonly<Record<string, string | undefined>>,
  logger: Logger,
  options: DriftJobOptions,
): Promise<DriftRun> {
  const target = checkTarget(config.drift.target ?? config.upstream.target, config, 'drift');
  const resolver = options.resolver ?? systemResolver();
  const policy = await resolveEgress(target, config, resolver);
  const credentials = liveCredentials(config, env);
  const spec = await specChecker(options.spec);
  // Persistent: the same key as the recording, or live pseudonyms would differ from recorded ones.
  const redaction = loadRedaction(config, env, logger, true);
  const store = cassetteStore(config.cassettes, true);
  const upstream = new UndiciUpstream({
    target: target.href,
    timeoutMs: config.drift.timeoutMs,
    connections: Math.max(4, config.drift.concurrency * 2),
    egress: { policy, resolver, logger },
  });
  const state = openSqliteState(config.stateDir);
  try {
    return await runDrift(
      {
        store,
        upstream,
        codec: new NodeBodyCodec({ maxDecodedBytes: config.maxBodyBytes }),
        clock: systemClock,
        logger,
        redaction,
        history: state.driftHistory,
        ...(spec === undefined ? {} : { spec }),
        ...(options.sleep === undefined ? {} : { sleep: options.sleep }),
      },
      {
        target: target.href.replace(/\/$/, ''),
        concurrency: config.drift.concurrency,
        retries: config.drift.retries,
        timeoutMs: config.drift.timeoutMs,
        maxBodyBytes: config.maxBodyBytes,
        learn: config.drift.learn,
        ignore: config.drift.ignore,
        ignorePerCassette: config.drift.ignorePerCassette,
        headers: config.drift.headers,
        credentials,
        forwarded: config.upstream.forwardedHeaders,
        update: options.update,
        ...(options.only === undefined ? {} : { only: options.only }),
        ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
      },
    );
  } finally {
    await state.close();
    await upstream.close();
  }
}

/** The GitHub REST client for the target's repository: the port `drift --github` posts through. */
export function issueComments(target: GitHubTarget): IssueComments {
  return new GitHubClient({
    apiUrl: target.apiUrl,
    token: target.token,
    repository: target.repository,
    userAgent: `tapedeck/${VERSION}`,
  });
}

function writeReportFile(file: string, text: string): void {
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
  } catch (error) {
    throw new TapedeckError(
      'TD_USAGE',
      `Cannot write the report to ${file}: ${(error as Error).message}.`,
      { cause: error, hint: 'Check the --out / --json path.' },
    );
  }
}

/** `tapedeck drift`: the use case with this configuration's adapters. */
export function driftCommand(
  config: TapedeckConfig,
  env: Readonly<Record<string, string | undefined>>,
  logger: Logger,
  request: DriftCommandRequest,
): Promise<DriftCommandOutcome> {
  return runDriftCommand(request, {
    env,
    runJob: (job) => composeDrift(config, env, logger, job),
    writeReport: writeReportFile,
    issueComments,
  });
}

/**
 * Creates or updates the sticky drift comment (`resolveGitHubTarget` says where), through the
 * GitHub REST client.
 */
export function postStickyComment(target: GitHubTarget, body: string): Promise<PostedComment> {
  return upsertStickyComment(issueComments(target), target.pr, body);
}
