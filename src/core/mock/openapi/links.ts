import type { JsonValue } from '../../json.js';

/**
 * Links in the mock's answers stay on the mock. A spec's examples are written against its
 * production servers (GitHub's `Link: <https://api.github.com/resource?page=2>; rel="next"`, a
 * repository's `url: https://api.github.com/repos/octocat/Hello-World`); sent as written, a client
 * that follows them (`octokit.paginate`) leaves the sandbox for production. Every URL in a `Link`
 * or `Location` header, and every string in a JSON body, that starts with one of the spec's
 * server URLs is rewritten to the mock's origin (see mockOrigin for which origin, and why it
 * is safe). URLs elsewhere (`html_url: https://github.com/...`, a CDN) are left as written: they
 * are not the API and the mock does not serve them.
 *
 * Pagination through `Link` terminates (see paginationLinks): the example's `next` is the same on
 * every page, so a rewritten copy of it would send a client round the same page for ever.
 */

/** A server URL of the spec, split: `https://api.github.com` + `` / `https://api.stripe.com` + `/v1`. */
export interface SpecServer {
  /** Lower-cased `host[:port]`. */
  readonly authority: string;
  /** The path under it, without a trailing slash (`''` for the root). */
  readonly basePath: string;
}

/** When the example's `rel="last"` names no page: the mock's last page of a paged list. */
export const DEFAULT_LAST_PAGE = 3;

const ABSOLUTE = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)([^?#]*)(.*)$/i;

type Node = Record<string, unknown>;
const isRecord = (v: unknown): v is Node =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function serverOf(url: string, variables: unknown): SpecServer | undefined {
  const expanded = url.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const variable = isRecord(variables) ? variables[name] : undefined;
    return isRecord(variable) && typeof variable['default'] === 'string' ? variable['default'] : '';
  });
  const m = ABSOLUTE.exec(expanded);
  // A relative server URL (`/v1`) is relative to wherever the spec is served: links written
  // with it already stay on the mock.
  if (!m || m[2] === '' || !/^https?$/i.test(m[1] ?? '')) return undefined;
  const authority = (m[2] ?? '').toLowerCase().replace(/^[^@]*@/, '');
  return { authority, basePath: (m[3] ?? '').replace(/\/+$/, '') };
}

/**
 * The spec's absolute server URLs: OpenAPI 3 root `servers` (variables at their defaults),
 * Swagger 2.0 `host` + `basePath`. Path- and operation-level `servers` are not read: an API
 * that sends its clients to another host for one operation (uploads) is outside what the mock
 * serves, and those links are left as written.
 */
export function specServers(document: unknown): SpecServer[] {
  if (!isRecord(document)) return [];
  const out: SpecServer[] = [];
  if (typeof document['swagger'] === 'string') {
    if (typeof document['host'] === 'string' && document['host'] !== '') {
      const base = typeof document['basePath'] === 'string' ? document['basePath'] : '';
      const server = serverOf(`https://${document['host']}${base}`, {});
      if (server) out.push(server);
    }
  } else if (Array.isArray(document['servers'])) {
    for (const entry of document['servers']) {
      if (!isRecord(entry) || typeof entry['url'] !== 'string') continue;
      const server = serverOf(entry['url'], entry['variables']);
      if (server) out.push(server);
    }
  }
  // Longest base path first, so `/api/v3` wins over `/` on one host.
  return out.sort((a, b) => b.basePath.length - a.basePath.length);
}

const LOOPBACK_V4 = /^127(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;
const HOST_NAME =
  /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;

/**
 * The origin the mock's links are written with, from the request's `Host`:
 *
 * - `http://<Host>` when `Host` is a loopback authority (`localhost`, `*.localhost`,
 *   `127.0.0.0/8`, `[::1]`, with an optional port): the client reached the mock on this machine
 *   and gets links it can follow as they are;
 * - otherwise `''`, and links become origin-relative (`/repos/o/r/issues?page=2`), which every
 *   client resolves against the URL it just requested — the mock, under whatever name it was
 *   reached (a container name, a tunnel) — so a link can never point at a host the mock is not.
 *
 * A `Host` is never trusted for anything else, and a malformed one (`evil.example@127.0.0.1`,
 * a path, a second value) counts as absent. The answer is cached per origin, so one client's
 * `Host` never shapes another's links.
 */
export function mockOrigin(host: string | undefined): string {
  if (host === undefined) return '';
  const value = host.trim().toLowerCase();
  const m = /^(\[[0-9a-f:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(value);
  if (!m) return '';
  const name = m[1] ?? '';
  const port = m[2];
  if (port !== undefined && (Number(port) === 0 || Number(port) > 65535)) return '';
  const loopback =
    name === '[::1]' ||
    LOOPBACK_V4.test(name) ||
    (HOST_NAME.test(name) && (name === 'localhost' || name.endsWith('.localhost')));
  return loopback ? `http://${name}${port === undefined ? '' : `:${port}`}` : '';
}

/** The URL on the mock for a URL on one of the spec's servers; undefined for any other URL. */
export function rewriteUrl(
  url: string,
  servers: readonly SpecServer[],
  origin: string,
): string | undefined {
  const m = ABSOLUTE.exec(url);
  if (!m || !/^https?$/i.test(m[1] ?? '')) return undefined;
  const authority = (m[2] ?? '').toLowerCase();
  const path = m[3] ?? '';
  for (const server of servers) {
    if (server.authority !== authority) continue;
    if (
      server.basePath !== '' &&
      path !== server.basePath &&
      !path.startsWith(`${server.basePath}/`)
    )
      continue;
    // The base path is kept: the mock routes with or without it.
    const rest = `${path}${m[4] ?? ''}`;
    return `${origin}${rest.startsWith('/') || rest === '' ? rest : `/${rest}`}` || '/';
  }
  return undefined;
}

/** Every string of a JSON value that is a URL on a spec server, rewritten (a new value). */
export function rewriteJsonUrls(
  value: JsonValue,
  servers: readonly SpecServer[],
  origin: string,
): JsonValue {
  if (servers.length === 0) return value;
  const walk = (v: JsonValue, depth: number): JsonValue => {
    if (typeof v === 'string') return v.includes('://') ? (rewriteUrl(v, servers, origin) ?? v) : v;
    if (v === null || typeof v !== 'object' || depth > 64) return v;
    if (Array.isArray(v)) return v.map((item) => walk(item, depth + 1));
    const out: Record<string, JsonValue> = {};
    for (const [key, item] of Object.entries(v)) out[key] = walk(item, depth + 1);
    return out;
  };
  return walk(value, 0);
}

interface LinkValue {
  readonly url: string;
  /** The parameters as written (`; rel="next"`), kept verbatim. */
  readonly params: string;
  readonly rels: readonly string[];
}

/** The link-values of a `Link` header (RFC 8288 §3); undefined when it is not one. */
export function parseLinkHeader(value: string): LinkValue[] | undefined {
  const out: LinkValue[] = [];
  const re = /\s*<([^>]*)>((?:\s*;\s*[^;,]+?(?:\s*=\s*(?:"[^"]*"|[^;,]*))?)*)\s*(?:,|$)/y;
  let at = 0;
  while (at < value.length) {
    re.lastIndex = at;
    const m = re.exec(value);
    if (!m || m[0] === '') return undefined;
    const params = m[2] ?? '';
    const rel = /;\s*rel\s*=\s*(?:"([^"]*)"|([^;,\s]+))/i.exec(params);
    const rels = (rel?.[1] ?? rel?.[2] ?? '').toLowerCase().split(/\s+/).filter(Boolean);
    out.push({ url: m[1] ?? '', params: params.trim(), rels });
    at = re.lastIndex;
  }
  return out;
}

const PAGING_RELS = new Set(['next', 'prev', 'previous', 'first', 'last']);

/** `a=1&b=2` as raw pairs: names decoded for comparison, each piece kept as written. */
function queryPairs(query: string): { name: string; raw: string }[] {
  if (query === '') return [];
  return query.split('&').map((raw) => {
    const name = raw.split('=')[0] ?? '';
    let decoded = name;
    try {
      decoded = decodeURIComponent(name.replace(/\+/g, ' '));
    } catch {
      // A broken escape compares as written.
    }
    return { name: decoded, raw };
  });
}

function withParams(query: string, set: ReadonlyMap<string, string>): string {
  const pairs = queryPairs(query);
  const done = new Set<string>();
  const out: string[] = [];
  for (const pair of pairs) {
    const replacement = set.get(pair.name);
    if (replacement === undefined) out.push(pair.raw);
    else if (!done.has(pair.name)) {
      out.push(`${encodeURIComponent(pair.name)}=${encodeURIComponent(replacement)}`);
      done.add(pair.name);
    }
  }
  for (const [name, value] of set)
    if (!done.has(name)) out.push(`${encodeURIComponent(name)}=${encodeURIComponent(value)}`);
  return out.join('&');
}

function paramsOf(url: string): Map<string, string> {
  const q = url.indexOf('?');
  const out = new Map<string, string>();
  if (q === -1) return out;
  for (const raw of url
    .slice(q + 1)
    .split('#')[0]!
    .split('&')) {
    const eq = raw.indexOf('=');
    const name = eq === -1 ? raw : raw.slice(0, eq);
    const value = eq === -1 ? '' : raw.slice(eq + 1);
    try {
      out.set(
        decodeURIComponent(name.replace(/\+/g, ' ')),
        decodeURIComponent(value.replace(/\+/g, ' ')),
      );
    } catch {
      out.set(name, value);
    }
  }
  return out;
}

function pageNumber(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d{1,6}$/.test(text)) return undefined;
  const n = Number(text);
  return n >= 1 ? n : undefined;
}

/** The request whose answer carries the links: its own path and query, as sent. */
export interface LinkRequest {
  /** The request target (`/orgs/o/repos?per_page=2&page=3`). */
  readonly target: string;
}

/**
 * A `Link` header on the mock. Paging links (`next`, `prev`, `first`, `last`) on a spec server
 * point at the collection the client is paging — the request's own path and query — whatever
 * path the example wrote (GitHub's is `/resource`):
 *
 * - **page numbers** (the example's links carry `page=N`): only `page` is set on the request's
 *   query, and the mock pages `1 … last`, where
 *   `last` is the example's `rel="last"` page, else DEFAULT_LAST_PAGE. On page `p` it sends
 *   `prev`/`first` when `p > 1` and `next`/`last` when `p < last`; from the last page on there
 *   is no `next`, so a client that follows `next` reads `last` pages and stops;
 * - **cursors** (`after=`, `since=`): the example's cursor is set on the request's query; a
 *   `next` that leads back to the request itself (the second page asks for the same cursor) is
 *   dropped, so following `next` ends after one step instead of looping.
 *
 * Other links on a spec server get the mock's origin; links elsewhere are kept as written. A
 * value that is not a `Link` header is left alone.
 */
export function paginationLinks(
  header: string,
  request: LinkRequest,
  servers: readonly SpecServer[],
  origin: string,
): string {
  const links = parseLinkHeader(header);
  if (links === undefined) return header;
  const q = request.target.indexOf('?');
  const path = q === -1 ? request.target : request.target.slice(0, q);
  const query = q === -1 ? '' : request.target.slice(q + 1);
  const onServer = (url: string) => rewriteUrl(url, servers, origin);
  const paging = links.filter(
    (l) => l.rels.some((r) => PAGING_RELS.has(r)) && onServer(l.url) !== undefined,
  );
  const paged = paging.some((l) => pageNumber(paramsOf(l.url).get('page')) !== undefined);
  const here = (params: ReadonlyMap<string, string>) => {
    const next = withParams(query, params);
    return `${origin}${path}${next === '' ? '' : `?${next}`}`;
  };
  const out: string[] = [];
  if (paged) {
    const lastLink = paging.find((l) => l.rels.includes('last'));
    const last = pageNumber(lastLink && paramsOf(lastLink.url).get('page')) ?? DEFAULT_LAST_PAGE;
    const current = pageNumber(paramsOf(request.target).get('page')) ?? 1;
    // Only `page` changes: the example's other parameters (`per_page=30`) are placeholders, and
    // the client's own (`per_page=2`, filters) must survive to the next page.
    const link = (page: number, rel: string) =>
      `<${here(new Map([['page', String(page)]]))}>; rel="${rel}"`;
    if (current > 1) out.push(link(Math.min(current - 1, last), 'prev'));
    if (current < last) out.push(link(current + 1, 'next'), link(last, 'last'));
    if (current > 1) out.push(link(1, 'first'));
  } else {
    for (const l of paging) {
      const url = here(paramsOf(l.url));
      // A `next` that names the request itself would be followed for ever.
      if (l.rels.includes('next') && url === `${origin}${request.target}`) continue;
      out.push(`<${url}>; ${l.params.replace(/^;\s*/, '')}`);
    }
  }
  for (const l of links) {
    if (paging.includes(l)) continue;
    const url = onServer(l.url) ?? l.url;
    out.push(`<${url}>${l.params === '' ? '' : `; ${l.params.replace(/^;\s*/, '')}`}`);
  }
  return out.join(', ');
}
