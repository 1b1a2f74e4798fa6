/**
 * A local HTTP server (127.0.0.1, port 0) that plays the few GitHub REST endpoints
 * `drift --github` uses, and checks every call the way GitHub would: the bearer token, the
 * Accept and X-GitHub-Api-Version headers, the User-Agent, paths and JSON bodies. Anything
 * wrong is recorded in `violations` (and answered as GitHub answers it), so a test asserts both
 * the outcome and that no call was malformed.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo, Socket } from 'node:net';
import { defer } from './cleanup.js';

export interface FakeComment {
  id: number;
  body: string;
  user: { login: string };
  html_url: string;
}

export interface FakeCall {
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly body: unknown;
  readonly headers: IncomingMessage['headers'];
}

export interface GitHubFakeOptions {
  readonly token: string;
  /** `owner/repo` that exists. */
  readonly repository: string;
  /** Pull requests that exist. */
  readonly prs: readonly number[];
  /** The login of the token's user; `undefined` makes GET /user answer 403 (as for GITHUB_TOKEN). */
  readonly login?: string;
  /** Comments per page (GitHub allows up to 100); small to exercise pagination. */
  readonly pageSize?: number;
}

export interface GitHubFake {
  readonly url: string;
  readonly calls: FakeCall[];
  readonly violations: string[];
  /** Comments by PR number. */
  readonly comments: Map<number, FakeComment[]>;
  /** Answer everything with a rate-limit 403 until the given epoch second. */
  rateLimitUntil: number | undefined;
  addComment(pr: number, login: string, body: string): FakeComment;
  close(): Promise<void>;
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}

export async function startGitHubFake(options: GitHubFakeOptions): Promise<GitHubFake> {
  const calls: FakeCall[] = [];
  const violations: string[] = [];
  const comments = new Map<number, FakeComment[]>(options.prs.map((n) => [n, []]));
  let nextId = 1000;
  const pageSize = options.pageSize ?? 100;
  const sockets = new Set<Socket>();

  const fake: GitHubFake = {
    url: '',
    calls,
    violations,
    comments,
    rateLimitUntil: undefined,
    addComment(pr, login, body) {
      const comment: FakeComment = {
        id: nextId++,
        body,
        user: { login },
        html_url: `https://github.example/${options.repository}/pull/${pr}#issuecomment-${nextId}`,
      };
      comments.get(pr)!.push(comment);
      return comment;
    },
    close: () => Promise.resolve(),
  };

  const handle = (req: IncomingMessage, res: ServerResponse, raw: string) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    let body: unknown;
    if (raw !== '') {
      try {
        body = JSON.parse(raw);
      } catch {
        violations.push(`${req.method} ${url.pathname}: body is not JSON`);
      }
    }
    calls.push({
      method: req.method ?? '',
      path: url.pathname,
      query: url.search,
      body,
      headers: req.headers,
    });
    const where = `${req.method} ${url.pathname}`;
    if (req.headers.accept !== 'application/vnd.github+json')
      violations.push(`${where}: accept is ${req.headers.accept}`);
    if (req.headers['x-github-api-version'] !== '2022-11-28')
      violations.push(
        `${where}: x-github-api-version is ${String(req.headers['x-github-api-version'])}`,
      );
    if (!req.headers['user-agent']?.startsWith('tapedeck/'))
      violations.push(`${where}: user-agent is ${req.headers['user-agent']}`);
    if (req.headers.authorization !== `Bearer ${options.token}`)
      return send(res, 401, {
        message: 'Bad credentials',
        documentation_url: 'https://docs.github.com/rest',
      });
    if (fake.rateLimitUntil !== undefined) {
      return send(
        res,
        403,
        { message: 'API rate limit exceeded for installation.' },
        { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(fake.rateLimitUntil) },
      );
    }
    if (req.method === 'GET' && url.pathname === '/user') {
      return options.login === undefined
        ? send(res, 403, { message: 'Resource not accessible by integration' })
        : send(res, 200, { login: options.login });
    }
    const repo = /^\/repos\/([^/]+)\/([^/]+)\/issues\/(.+)$/.exec(url.pathname);
    if (repo === null || `${repo[1]}/${repo[2]}` !== options.repository)
      return send(res, 404, { message: 'Not Found' });
    const rest = repo[3]!;
    const list = /^(\d+)\/comments$/.exec(rest);
    if (list !== null) {
      const pr = Number(list[1]);
      const existing = comments.get(pr);
      if (existing === undefined) return send(res, 404, { message: 'Not Found' });
      if (req.method === 'GET') {
        const perPage = Number(url.searchParams.get('per_page') ?? '30');
        if (perPage !== 100) violations.push(`${where}: per_page is ${perPage}, not 100`);
        const page = Number(url.searchParams.get('page') ?? '1');
        const slice = existing.slice((page - 1) * pageSize, page * pageSize);
        const headers: Record<string, string> = {};
        if (page * pageSize < existing.length) {
          const next = new URL(url.href);
          next.searchParams.set('page', String(page + 1));
          headers['link'] = `<${fake.url}${next.pathname}${next.search}>; rel="next"`;
        }
        return send(res, 200, slice, headers);
      }
      if (req.method === 'POST') {
        const text = (body as { body?: unknown } | undefined)?.body;
        if (typeof text !== 'string') return send(res, 422, { message: 'body is required' });
        if (req.headers['content-type'] !== 'application/json')
          violations.push(`${where}: content-type is ${req.headers['content-type']}`);
        return send(res, 201, fake.addComment(pr, options.login ?? 'github-actions[bot]', text));
      }
    }
    const one = /^comments\/(\d+)$/.exec(rest);
    if (one !== null && req.method === 'PATCH') {
      const id = Number(one[1]);
      const comment = [...comments.values()].flat().find((c) => c.id === id);
      if (comment === undefined) return send(res, 404, { message: 'Not Found' });
      const text = (body as { body?: unknown } | undefined)?.body;
      if (typeof text !== 'string') return send(res, 422, { message: 'body is required' });
      if (req.headers['content-type'] !== 'application/json')
        violations.push(`${where}: content-type is ${req.headers['content-type']}`);
      comment.body = text;
      return send(res, 200, comment);
    }
    violations.push(`${where}: unexpected call`);
    return send(res, 404, { message: 'Not Found' });
  };

  const server = createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (raw += chunk));
    req.on('end', () => handle(req, res, raw));
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  Object.assign(fake, { url: `http://127.0.0.1:${port}` });
  let closed: Promise<void> | undefined;
  fake.close = () =>
    (closed ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const s of sockets) s.destroy();
    }));
  defer(() => fake.close());
  return fake;
}
