/**
 * `tapedeck drift` as one use case: check where to post before anything is sent, run the job,
 * write the reports, post the sticky comment, and say whether the result fails the command.
 * The CLI parses flags and renders the outcome; app/compose/drift.ts supplies the adapters.
 */
import { isTapedeckError, type TapedeckError } from '../../core/errors.js';
import type { FailOn } from '../../core/modes.js';
import { renderDriftSummary } from '../../core/render/drift-text.js';
import type { Style } from '../../core/render/text.js';
import {
  resolveGitHubTarget,
  upsertStickyComment,
  type GitHubTarget,
  type IssueComments,
  type PostedComment,
} from './github.js';
import { actionsRunUrl, commentBody, driftOutcomeError, reportFileTexts } from './report.js';
import type { DriftProgress, DriftRun } from './run.js';

export interface DriftCommandRequest {
  readonly failOn: FailOn;
  readonly update: boolean;
  /** `--cassette NAME…`: only these. */
  readonly only?: readonly string[];
  /** `--spec FILE`, resolved. */
  readonly spec?: string;
  /** `--out FILE`, resolved: the Markdown report. */
  readonly out?: string;
  /** `--json FILE`, resolved: the JSON report. */
  readonly json?: string;
  /** `--github`, with `--pr N` when given. */
  readonly github?: { readonly pr?: number };
  readonly onProgress?: (progress: DriftProgress) => void;
  /** Colours of the summary text. */
  readonly style: Style;
}

export interface DriftJobRequest {
  readonly update: boolean;
  readonly only?: readonly string[];
  readonly spec?: string;
  readonly onProgress?: (progress: DriftProgress) => void;
}

export interface DriftCommandDeps {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Runs the job with adapters built from the configuration. */
  runJob(request: DriftJobRequest): Promise<DriftRun>;
  /** Writes one report file (TD_USAGE when the path cannot be written). */
  writeReport(file: string, text: string): void;
  /** The comments of the pull request's repository. */
  issueComments(target: GitHubTarget): IssueComments;
}

export interface DriftCommandOutcome {
  readonly run: DriftRun;
  /** The summary printed at the end, styled. */
  readonly summary: string;
  /** Report files written, in order. */
  readonly written: readonly string[];
  readonly comment?: PostedComment & { readonly pr: number };
  /**
   * Why the command fails, though it ran to the end: TD_GITHUB_FAILED when the comment could
   * not be posted (the files are written by then), else TD_DRIFT_UNCHECKED when nothing could
   * be checked, else TD_DRIFT_FOUND at the `--fail-on` level. Undefined: exit 0.
   */
  readonly failure?: TapedeckError;
}

export async function runDriftCommand(
  request: DriftCommandRequest,
  deps: DriftCommandDeps,
): Promise<DriftCommandOutcome> {
  // Checked before anything is sent: a missing token should not cost a whole run.
  const github =
    request.github === undefined ? undefined : resolveGitHubTarget(deps.env, request.github.pr);
  const run = await deps.runJob({
    update: request.update,
    ...(request.only === undefined ? {} : { only: request.only }),
    ...(request.spec === undefined ? {} : { spec: request.spec }),
    ...(request.onProgress === undefined ? {} : { onProgress: request.onProgress }),
  });
  const written: string[] = [];
  for (const [file, text] of reportFileTexts(run, request, deps.env)) {
    deps.writeReport(file, text);
    written.push(file);
  }
  const summary = renderDriftSummary(run.report, request.style).replace(/\n*$/, '\n');
  const base = { run, summary, written };
  if (github !== undefined) {
    try {
      const posted = await upsertStickyComment(
        deps.issueComments(github),
        github.pr,
        commentBody(run, actionsRunUrl(deps.env)),
      );
      const comment = { ...posted, pr: github.pr };
      const failure = driftOutcomeError(run.report, request.failOn);
      return failure === undefined ? { ...base, comment } : { ...base, comment, failure };
    } catch (error) {
      // The summary and the files are not lost: the CLI prints them, then this error.
      if (isTapedeckError(error)) return { ...base, failure: error };
      throw error;
    }
  }
  const failure = driftOutcomeError(run.report, request.failOn);
  return failure === undefined ? base : { ...base, failure };
}
