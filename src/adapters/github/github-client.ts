import { request } from 'undici';
import { TapedeckError } from '../../core/errors.js';

/** The REST API version this client speaks (sent as X-GitHub-Api-Version). */
export const GITHUB_API_VERSION = '2022-11-28';

export interface GitHubClientOptions {
  /** https://api.github.com, or a GitHub Enterprise Server's /api/v3 URL. */
  readonly apiUrl: string;
  /** Never logged, never in an error message. */
  readonly token: string;
  /** `owner/repo`. */
  readonly repository: string;
  readonly userAgent: string;
  readonly timeoutMs?: number;
}

export interface GitHubComment {
  readonly id: number;
  readonly body: string;
  readonly htmlUrl: string;
  readonly login: string | undefined;
}

/** One page at most this big; the API's maximum. */
const PER_PAGE = 100;
/** Pages read at most when listing comments (10,000 comments): a bound, not a limit in practice. */
const MAX_PAGES = 100;

/**
 * The few GitHub REST calls `drift --github` needs: issue comments of a pull request (a PR is an
 * issue for comments) and the token's own login. Redirects are not followed; `Link` pages are
 * followed only on the API's own origin, so the token never travels anywhere else.
 */
export class GitHubClient {
  private readonly base: URL;

  constructor(private readonly options: GitHubClientOptions) {
    this.base = new URL(options.apiUrl.endsWith('/') ? options.apiUrl : `${options.apiUrl}/`);
  }

  private repoPath(): string {
    const [owner, repo] = this.options.repository.split('/');
    return `repos/${encodeURIComponent(owner ?? '')}/${encodeURIComponent(repo ?? '')}`;
  }

  /** Every issue comment of the pull request, oldest first, across pages. */
  async listIssueComments(pr: number): Promise<GitHubComment[]> {
    const out: GitHubComment[] = [];
    let url: URL | undefined = new URL(
      `${this.repoPath()}/issues/${pr}/comments?per_page=${PER_PAGE}`,
      this.base,
    );
    for (let page = 0; url !== undefined && page < MAX_PAGES; page++) {
      const { json, headers } = await this.call('GET', url, undefined, `pull request #${pr}`);
      if (!Array.isArray(json)) throw this.unexpected('GET', url);
      for (const item of json) out.push(toComment(item));
      url = this.nextPage(headers['link']);
    }
    return out;
  }

  async createIssueComment(pr: number, body: string): Promise<GitHubComment> {
    const url = new URL(`${this.repoPath()}/issues/${pr}/comments`, this.base);
    const { json } = await this.call('POST', url, { body }, `pull request #${pr}`);
    return toComment(json);
  }

  async updateIssueComment(id: number, body: string): Promise<GitHubComment> {
    const url = new URL(`${this.repoPath()}/issues/comments/${id}`, this.base);
    const { json } = await this.call('PATCH', url, { body }, `comment ${id}`);
    return toComment(json);
  }

  /**
   * The login the token acts as, or undefined when the API will not say (an Actions
   * GITHUB_TOKEN gets 403 on /user): then comments cannot be told apart by author.
   */
  async login(): Promise<string | undefined> {
    try {
      const { json } = await this.call('GET', new URL('user', this.base), undefined, 'the token');
      const login = (json as { login?: unknown }).login;
      return typeof login === 'string' ? login : undefined;
    } catch (error) {
      if (error instanceof TapedeckError && [403, 404].includes(error.details['status'] as number))
        return undefined;
      throw error;
    }
  }

  private nextPage(link: string | string[] | undefined): URL | undefined {
    const value = Array.isArray(link) ? link.join(',') : link;
    if (value === undefined) return undefined;
    const m = /<([^>]+)>\s*;\s*rel="?next"?/.exec(value);
    if (m === null) return undefined;
    const next = new URL(m[1]!, this.base);
    // The token goes to the API's own origin only.
    return next.origin === this.base.origin ? next : undefined;
  }

  private unexpected(method: string, url: URL): TapedeckError {
    return new TapedeckError(
      'TD_GITHUB_FAILED',
      `GitHub answered ${method} ${url.pathname} with something that is not the expected JSON.`,
      { details: { method, path: url.pathname }, hint: 'Check GITHUB_API_URL.' },
    );
  }

  private async call(
    method: 'GET' | 'POST' | 'PATCH',
    url: URL,
    body: unknown,
    what: string,
  ): Promise<{ json: unknown; headers: Record<string, string | string[] | undefined> }> {
    let response;
    try {
      response = await request(url, {
        method,
        headers: {
          accept: 'application/vnd.github+json',
          authorization: `Bearer ${this.options.token}`,
          'x-github-api-version': GITHUB_API_VERSION,
          'user-agent': this.options.userAgent,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? null : JSON.stringify(body),
        headersTimeout: this.options.timeoutMs ?? 30_000,
        bodyTimeout: this.options.timeoutMs ?? 30_000,
      });
    } catch (error) {
      const code = (error as { code?: string }).code ?? (error as Error).name;
      throw new TapedeckError(
        'TD_GITHUB_FAILED',
        `Could not reach the GitHub API at ${this.base.origin} (${code}).`,
        {
          cause: error,
          details: { method, path: url.pathname },
          hint: 'Check GITHUB_API_URL and the network.',
        },
      );
    }
    const text = await response.body.text();
    const { statusCode: status, headers } = response;
    if (status >= 200 && status < 300) {
      try {
        return { json: text === '' ? null : (JSON.parse(text) as unknown), headers };
      } catch {
        throw this.unexpected(method, url);
      }
    }
    throw describeGitHubFailure(status, headers, method, url, what, this.options.repository, text);
  }
}

function toComment(item: unknown): GitHubComment {
  const c = item as {
    id?: unknown;
    body?: unknown;
    html_url?: unknown;
    user?: { login?: unknown };
  };
  return {
    id: typeof c.id === 'number' ? c.id : -1,
    body: typeof c.body === 'string' ? c.body : '',
    htmlUrl: typeof c.html_url === 'string' ? c.html_url : '',
    login: typeof c.user?.login === 'string' ? c.user.login : undefined,
  };
}

function header(headers: Record<string, string | string[] | undefined>, name: string) {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** GitHub's own message from an error body (`{"message": "Bad credentials"}`), short. */
function githubMessage(text: string): string {
  try {
    const message = (JSON.parse(text) as { message?: unknown }).message;
    return typeof message === 'string' ? `: ${message.slice(0, 200)}` : '';
  } catch {
    return '';
  }
}

/** A GitHub error status as a TapedeckError that says what to do. */
export function describeGitHubFailure(
  status: number,
  headers: Record<string, string | string[] | undefined>,
  method: string,
  url: URL,
  what: string,
  repository: string,
  text: string,
): TapedeckError {
  const details = { status, method, path: url.pathname };
  const said = githubMessage(text);
  const remaining = header(headers, 'x-ratelimit-remaining');
  const reset = Number(header(headers, 'x-ratelimit-reset'));
  const retryAfter = header(headers, 'retry-after');
  // A secondary rate limit may come as a bare 403 that only says so in its message.
  const limited = remaining === '0' || retryAfter !== undefined || /rate limit/i.test(said);
  if (status === 429 || (status === 403 && limited)) {
    const when =
      Number.isFinite(reset) && reset > 0
        ? `the limit resets at ${new Date(reset * 1000).toISOString()}`
        : retryAfter !== undefined
          ? `retry after ${retryAfter} s`
          : 'retry later';
    return new TapedeckError(
      'TD_GITHUB_FAILED',
      `GitHub rate-limited ${method} ${url.pathname} (${status}${said}); ${when}.`,
      {
        details: { ...details, ...(Number.isFinite(reset) ? { resetAt: reset } : {}) },
        hint: 'The drift report files were still written; post the comment again once the limit resets.',
      },
    );
  }
  if (status === 401) {
    return new TapedeckError('TD_GITHUB_FAILED', `GitHub rejected the token (401${said}).`, {
      details,
      hint: 'Check GITHUB_TOKEN: it may be expired, revoked or mistyped.',
    });
  }
  if (status === 404) {
    return new TapedeckError(
      'TD_GITHUB_FAILED',
      `GitHub found no ${what} in ${repository} (404 on ${method} ${url.pathname}).`,
      {
        details,
        hint: 'Check GITHUB_REPOSITORY and the PR number; a token without access to the repository also gets 404.',
      },
    );
  }
  if (status === 403) {
    return new TapedeckError(
      'TD_GITHUB_FAILED',
      `GitHub refused ${method} ${url.pathname} (403${said}).`,
      {
        details,
        hint: 'The token needs permission to write pull-request comments (`permissions: pull-requests: write` in the workflow).',
      },
    );
  }
  return new TapedeckError(
    'TD_GITHUB_FAILED',
    `GitHub answered ${method} ${url.pathname} with ${status}${said}.`,
    { details, hint: 'Retry later; GitHub may be having trouble.' },
  );
}
