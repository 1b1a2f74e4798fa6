/**
 * `drift --github`: one sticky comment on the pull request, created on the first run and
 * updated on every later one (found by the hidden marker the Markdown report carries).
 */
import { readFileSync } from 'node:fs';
import { TapedeckError } from '../../core/errors.js';
import { DRIFT_COMMENT_MARKER } from '../../core/render/drift-markdown.js';

export const DEFAULT_GITHUB_API_URL = 'https://api.github.com';

/** GitHub refuses comment bodies longer than this many characters. */
export const GITHUB_COMMENT_LIMIT = 65_536;

export interface GitHubTarget {
  readonly apiUrl: string;
  readonly token: string;
  readonly repository: string;
  readonly pr: number;
}

/**
 * Where to post, from the standard Actions environment: GITHUB_TOKEN, GITHUB_REPOSITORY,
 * GITHUB_API_URL, and the PR from `--pr` or the event payload at GITHUB_EVENT_PATH.
 */
export function resolveGitHubTarget(
  env: Readonly<Record<string, string | undefined>>,
  prFlag: number | undefined,
): GitHubTarget {
  const token = env['GITHUB_TOKEN']?.trim();
  if (token === undefined || token === '') {
    throw new TapedeckError(
      'TD_GITHUB_FAILED',
      '--github needs a token: GITHUB_TOKEN is not set.',
      {
        hint: 'In a workflow: `env: GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}` with `permissions: pull-requests: write`.',
      },
    );
  }
  const repository = env['GITHUB_REPOSITORY']?.trim() ?? '';
  if (!/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(repository)) {
    throw new TapedeckError(
      'TD_GITHUB_FAILED',
      repository === ''
        ? '--github needs the repository: GITHUB_REPOSITORY is not set.'
        : `GITHUB_REPOSITORY=${JSON.stringify(repository)} is not owner/repo.`,
      { hint: 'GitHub Actions sets it; elsewhere set GITHUB_REPOSITORY=owner/repo.' },
    );
  }
  const apiUrl = env['GITHUB_API_URL']?.trim() || DEFAULT_GITHUB_API_URL;
  try {
    const url = new URL(apiUrl);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('scheme');
  } catch {
    throw new TapedeckError(
      'TD_GITHUB_FAILED',
      `GITHUB_API_URL=${JSON.stringify(apiUrl)} is not an http(s) URL.`,
      { hint: `Leave it unset for ${DEFAULT_GITHUB_API_URL}.` },
    );
  }
  const pr = prFlag ?? prFromEvent(env['GITHUB_EVENT_PATH']);
  if (pr === undefined) {
    throw new TapedeckError(
      'TD_GITHUB_FAILED',
      '--github needs a pull request: pass --pr N, or run in a workflow triggered by a pull request.',
      {
        hint: 'A scheduled workflow has no pull request of its own: pass --pr with the number of the PR that tracks drift (docs/drift.md).',
      },
    );
  }
  return { apiUrl, token, repository, pr };
}

/** `pull_request.number` (or `issue.number`, for issue_comment events) from the event payload. */
function prFromEvent(path: string | undefined): number | undefined {
  if (path === undefined || path === '') return undefined;
  let event: unknown;
  try {
    event = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new TapedeckError(
      'TD_GITHUB_FAILED',
      `Cannot read the event payload GITHUB_EVENT_PATH=${path}: ${(error as Error).message}.`,
      { cause: error, hint: 'Pass --pr N instead.' },
    );
  }
  const e = event as { pull_request?: { number?: unknown }; issue?: { number?: unknown } };
  const n = e.pull_request?.number ?? e.issue?.number;
  return typeof n === 'number' && Number.isInteger(n) && n > 0 ? n : undefined;
}

export interface PostedComment {
  readonly action: 'created' | 'updated';
  readonly id: number;
  readonly url: string;
}

/** One issue comment as the sticky-comment logic needs it. */
export interface IssueComment {
  readonly id: number;
  readonly body: string;
  readonly htmlUrl: string;
  readonly login: string | undefined;
}

/**
 * The port `drift --github` posts through: the comments of one repository's issues and pull
 * requests, and who the token belongs to. `adapters/github` implements it over the REST API;
 * app/compose builds it from a GitHubTarget.
 */
export interface IssueComments {
  listIssueComments(pr: number): Promise<readonly IssueComment[]>;
  createIssueComment(pr: number, body: string): Promise<IssueComment>;
  updateIssueComment(id: number, body: string): Promise<IssueComment>;
  /** The login of the token's user, when the API says. */
  login(): Promise<string | undefined>;
}

/**
 * Creates the drift comment, or updates the one a previous run left (the one carrying the
 * marker; when several do, the one written by this token's user, else the oldest).
 */
export async function upsertStickyComment(
  comments: IssueComments,
  pr: number,
  body: string,
): Promise<PostedComment> {
  const ours = (await comments.listIssueComments(pr)).filter((c) =>
    c.body.includes(DRIFT_COMMENT_MARKER),
  );
  let existing: IssueComment | undefined = ours[0];
  if (ours.length > 1) {
    const login = await comments.login();
    existing = ours.find((c) => login !== undefined && c.login === login) ?? ours[0];
  }
  const posted =
    existing === undefined
      ? await comments.createIssueComment(pr, body)
      : await comments.updateIssueComment(existing.id, body);
  return {
    action: existing === undefined ? 'created' : 'updated',
    id: posted.id,
    url: posted.htmlUrl,
  };
}
