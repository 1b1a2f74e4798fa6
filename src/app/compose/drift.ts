/**
 * The composition root of `tapedeck drift`: builds the adapters (cassette store, undici pool to
 * the target, SQLite history, redaction) from the configuration, runs the job, and delivers the
 * report (Markdown file, JSON file, GitHub comment).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { NodeBodyCodec } from '../../adapters/http/body-codec.js';
import { openSqliteState } from '../../adapters/state/sqlite/index.js';
import { systemClock } from '../../adapters/system/system.js';
import { UndiciUpstream } from '../../adapters/http/undici-upstream.js';
import type { DriftReport } from '../../core/drift/model.js';
import { UNCHECKED_REASON_TEXT } from '../../core/drift/verdict.js';
import { TapedeckError } from '../../core/errors.js';
import { MIN_TRACKED_LENGTH } from '../../core/redaction/registry.js';
import type { Logger } from '../../core/ports/index.js';
import { renderDriftMarkdown } from '../../core/render/drift-markdown.js';
import { cassetteStore, loadRedaction } from './common.js';
import { loadCompiledSpec } from './spec.js';
import type { FailOn, TapedeckConfig } from '../config/config.js';
import { runDrift, type DriftProgress, type DriftRun, type SpecCheck } from '../drift/run.js';
import {
  GITHUB_COMMENT_LIMIT,
  postStickyComment,
  type GitHubTarget,
  type PostedComment,
} from '../drift/github.js';
import { checkResponseAgainstSpec } from '../mock/spec.js';
import { checkTarget } from '../record/target.js';

export interface DriftJobOptions {
  readonly update: boolean;
  readonly only?: readonly string[];
  readonly onProgress?: (progress: DriftProgress) => void;
  /** `--spec FILE`: checked against both sides when a spec checker is available. */
  readonly spec?: string;
  /** Replaces the wait between retries (tests). */
  readonly sleep?: (ms: number) => Promise<unknown>;
}

/** A credential and, for `Scheme token`, the token alone: each must be trackable. */
function credentialParts(value: string): string[] {
  const bare = /^\S+\s+(\S+)$/.exec(value.trim())?.[1];
  return bare === undefined ? [value.trim()] : [value.trim(), bare];
}

/** Real credentials from the environment, by request header, as `drift.credentials` maps them. */
export function liveCredentials(
  config: TapedeckConfig,
  env: Readonly<Record<string, string | undefined>>,
): Map<string, string> {
  const out = new Map<string, string>();
  const missing: string[] = [];
  const short: string[] = [];
  for (const [header, variable] of Object.entries(config.drift.credentials)) {
    const value = env[variable];
    if (value === undefined || value === '') missing.push(`${header} (from ${variable})`);
    else if (credentialParts(value).some((p) => p.length < MIN_TRACKED_LENGTH))
      short.push(variable);
    else out.set(header.toLowerCase(), value);
  }
  if (short.length > 0) {
    // Value tracking finds a secret in an answer only from MIN_TRACKED_LENGTH characters on: a
    // shorter one echoed by the API could reach a report. Refuse before anything is sent.
    throw new TapedeckError(
      'TD_CONFIG_INVALID',
      `drift.credentials: ${short.join(', ')} holds a credential shorter than ${MIN_TRACKED_LENGTH} characters; drift cannot guarantee to keep it out of its reports.`,
      {
        hint: 'Check the variable (a truncated or placeholder secret?); real credentials are longer.',
      },
    );
  }
  if (missing.length > 0) {
    throw new TapedeckError(
      'TD_CONFIG_INVALID',
      `drift.credentials names environment variables that are not set: ${missing.join(', ')}.`,
      {
        hint: 'Set them from your secret store (in a workflow: `env:` from `secrets.`), or remove the entries.',
      },
    );
  }
  return out;
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
  const credentials = liveCredentials(config, env);
  const spec = await specChecker(options.spec);
  // Persistent: the same key as the recording, or live pseudonyms would differ from recorded ones.
  const redaction = loadRedaction(config, env, logger, true);
  const store = cassetteStore(config.cassettes, true);
  const upstream = new UndiciUpstream({
    target: target.href,
    timeoutMs: config.drift.timeoutMs,
    connections: Math.max(4, config.drift.concurrency * 2),
  });
  const state = openSqliteState(config.stateDir);
  try {
    return await runDrift(
      {
        store,
        upstream,
        codec: new NodeBodyCodec(),
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

/** Does the report fail the run at this `--fail-on` level? */
export function driftFails(report: DriftReport, failOn: FailOn): boolean {
  switch (failOn) {
    case 'breaking':
      return report.totals.breaking > 0;
    case 'any':
      return report.totals.breaking + report.totals.nonBreaking > 0;
    case 'none':
      return false;
  }
}

/**
 * Why a run checked nothing (verdict `unchecked`: exit 4, never "clean"), as `5 timed out, 2
 * rate limited (429)`; undefined when something was checked.
 */
export function nothingChecked(report: DriftReport): string | undefined {
  if (report.verdict !== 'unchecked') return undefined;
  const reasons = new Map<string, number>();
  for (const i of report.interactions) {
    const text = i.unchecked === undefined ? 'unknown' : UNCHECKED_REASON_TEXT[i.unchecked.reason];
    reasons.set(text, (reasons.get(text) ?? 0) + 1);
  }
  return [...reasons].map(([text, n]) => `${n} ${text}`).join(', ');
}

/** The run's page on GitHub Actions, when running there. */
export function actionsRunUrl(
  env: Readonly<Record<string, string | undefined>>,
): string | undefined {
  const server = env['GITHUB_SERVER_URL'];
  const repo = env['GITHUB_REPOSITORY'];
  const id = env['GITHUB_RUN_ID'];
  return server && repo && id ? `${server}/${repo}/actions/runs/${id}` : undefined;
}

/** The Markdown report, with what `--update` re-recorded after it. */
export function driftMarkdown(
  run: DriftRun,
  options: { maxDetails?: number; runUrl?: string } = {},
): string {
  let text = renderDriftMarkdown(run.report, options);
  if (run.updated.length > 0 || run.notUpdated.length > 0) {
    const lines = ['', `### Re-recorded with \`--update\` (${run.updated.length})`, ''];
    for (const u of run.updated)
      lines.push(`- \`${u.cassette}\` #${u.index} \`${u.method} ${u.target}\``);
    for (const u of run.notUpdated)
      lines.push(
        `- not updated: \`${u.cassette}\` #${u.index} \`${u.method} ${u.target}\`: ${u.why}`,
      );
    text = `${text.replace(/\n+$/, '')}\n${lines.join('\n')}\n`;
  }
  return text;
}

/** The comment body for GitHub: as many details as fit GitHub's limit. */
export function commentBody(run: DriftRun, runUrl: string | undefined): string {
  const base = runUrl === undefined ? {} : { runUrl };
  for (const maxDetails of [undefined, 100, 40, 10, 0]) {
    const body = driftMarkdown(run, maxDetails === undefined ? base : { ...base, maxDetails });
    if (body.length <= GITHUB_COMMENT_LIMIT) return body;
  }
  return driftMarkdown(run, { ...base, maxDetails: 0 }).slice(0, GITHUB_COMMENT_LIMIT);
}

export interface ReportFiles {
  /** `--out FILE`: the Markdown report. */
  readonly out?: string;
  /** `--json FILE`: the JSON report. */
  readonly json?: string;
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

/** Writes the Markdown and JSON reports; returns the files written. */
export function writeDriftReports(
  run: DriftRun,
  files: ReportFiles,
  env: Readonly<Record<string, string | undefined>>,
): string[] {
  const runUrl = actionsRunUrl(env);
  const written: string[] = [];
  if (files.out !== undefined) {
    writeReportFile(files.out, driftMarkdown(run, runUrl === undefined ? {} : { runUrl }));
    written.push(files.out);
  }
  if (files.json !== undefined) {
    writeReportFile(files.json, `${JSON.stringify(run.report, null, 2)}\n`);
    written.push(files.json);
  }
  return written;
}

/** Creates or updates the sticky drift comment (`resolveGitHubTarget` says where). */
export function postDriftComment(
  run: DriftRun,
  target: GitHubTarget,
  env: Readonly<Record<string, string | undefined>>,
): Promise<PostedComment> {
  return postStickyComment(target, commentBody(run, actionsRunUrl(env)));
}
