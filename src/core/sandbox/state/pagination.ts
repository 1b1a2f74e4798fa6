import { valuesOf, type QueryMap } from '../../cassette/model.js';
import { isJsonObject, setOwn, type JsonObject, type JsonValue } from '../../json.js';
import type { ListPage, ListQuery } from '../../ports/resources.js';
import type { ApiProfile } from '../profile/types.js';

/**
 * Lists as the profile pages them (docs/design/issue-13-plan.md §6.2):
 *
 * - `cursor-id` (Stripe): `limit`, `starting_after`/`ending_before` naming an object of the
 *   list, `has_more`; newest first, objects created in the same second ordered by when they
 *   were stored (the store's sequence), never by id. A cursor the tenant does not have is a 404,
 *   as Stripe answers;
 * - `page` (GitHub): `page`/`per_page` and a `Link` header (`next`, `prev`, `first`, `last`)
 *   built from the request's own origin, path and query, so a client that follows it stays here.
 *
 * `limit` is clamped to 1 … `maxLimit`; a limit that is not a number takes the default.
 */

export type Pagination = ApiProfile['pagination'];

export interface Paging {
  readonly style: 'cursor-id' | 'page';
  readonly limit: number;
  readonly after?: string;
  readonly before?: string;
  readonly page: number;
  /** The query parameters paging reads (never ignored, never filters). */
  readonly names: readonly string[];
}

function first(query: QueryMap, name: string | undefined): string | undefined {
  if (name === undefined) return undefined;
  const value = Object.hasOwn(query, name) ? valuesOf(query[name])[0] : undefined;
  return value === undefined || value === '' ? undefined : value;
}

/** The style a profile pages with; `learn` left unresolved pages by cursor when it names one. */
export function styleOf(pagination: Pagination): 'cursor-id' | 'page' {
  if (pagination.style !== 'learn') return pagination.style;
  return pagination.afterParam !== undefined ? 'cursor-id' : 'page';
}

/** The largest page read: its offset stays a safe integer whatever the page size. */
const MAX_PAGE = 1_000_000_000;

export function readPaging(pagination: Pagination, query: QueryMap): Paging {
  const style = styleOf(pagination);
  const rawLimit = first(query, pagination.limitParam);
  let limit = pagination.defaultLimit;
  // Digits only (a negative or non-numeric limit takes the default); past 9 digits: the most.
  if (rawLimit !== undefined && /^\d+$/.test(rawLimit))
    limit = rawLimit.length > 9 ? pagination.maxLimit : Number(rawLimit);
  limit = Math.min(Math.max(limit, 1), pagination.maxLimit);
  const pageParam = pagination.pageParam ?? 'page';
  const names = [pagination.limitParam];
  if (style === 'page') {
    names.push(pageParam);
    const rawPage = first(query, pageParam);
    // A page past the last is empty (as GitHub answers), however many digits it has.
    const page =
      rawPage !== undefined && /^\d+$/.test(rawPage)
        ? Math.max(1, rawPage.length > 9 ? MAX_PAGE : Math.min(Number(rawPage), MAX_PAGE))
        : 1;
    return { style, limit, page, names };
  }
  if (pagination.afterParam !== undefined) names.push(pagination.afterParam);
  if (pagination.beforeParam !== undefined) names.push(pagination.beforeParam);
  const after = first(query, pagination.afterParam);
  const before = after === undefined ? first(query, pagination.beforeParam) : undefined;
  return {
    style,
    limit,
    page: 1,
    names,
    ...(after === undefined ? {} : { after }),
    ...(before === undefined ? {} : { before }),
  };
}

/** The store query of one page. `after`/`before` are stored ids. */
export function listQuery(
  pagination: Pagination,
  paging: Paging,
  type: string,
  parent: string | undefined,
  where: ListQuery['where'],
  stored: (id: string) => string,
): ListQuery {
  const base = {
    type,
    order: pagination.order === 'newest-first' ? ('desc' as const) : ('asc' as const),
    limit: paging.limit,
    ...(parent === undefined ? {} : { parent }),
    ...(where === undefined || Object.keys(where).length === 0 ? {} : { where }),
  };
  if (paging.style === 'page')
    return { ...base, offset: (paging.page - 1) * paging.limit, withTotal: true };
  return {
    ...base,
    ...(paging.after === undefined ? {} : { after: stored(paging.after) }),
    ...(paging.before === undefined ? {} : { before: stored(paging.before) }),
  };
}

/** Fills an envelope template: `"{items}"`, `"{hasMore}"`, `"{url}"`, `"{total}"`. */
export function fillEnvelope(
  envelope: JsonValue,
  facts: {
    readonly items: JsonValue[];
    readonly hasMore: boolean;
    readonly url: string;
    readonly total?: number;
  },
): JsonValue {
  if (typeof envelope === 'string') {
    switch (envelope) {
      case '{items}':
        return facts.items;
      case '{hasMore}':
        return facts.hasMore;
      case '{url}':
        return facts.url;
      case '{total}':
        return facts.total ?? facts.items.length;
      default:
        return envelope;
    }
  }
  if (Array.isArray(envelope)) return envelope.map((e) => fillEnvelope(e, facts));
  if (isJsonObject(envelope)) {
    const out: JsonObject = {};
    for (const [name, value] of Object.entries(envelope))
      setOwn(out, name, fillEnvelope(value, facts));
    return out;
  }
  return envelope;
}

function encodeQuery(query: QueryMap, set: ReadonlyMap<string, string>): string {
  const parts: string[] = [];
  const done = new Set<string>();
  for (const [name, raw] of Object.entries(query)) {
    const replacement = set.get(name);
    if (replacement !== undefined) {
      parts.push(`${encodeURIComponent(name)}=${encodeURIComponent(replacement)}`);
      done.add(name);
      continue;
    }
    for (const value of valuesOf(raw))
      parts.push(`${encodeURIComponent(name)}=${encodeURIComponent(value)}`);
  }
  for (const [name, value] of set)
    if (!done.has(name)) parts.push(`${encodeURIComponent(name)}=${encodeURIComponent(value)}`);
  return parts.join('&');
}

/**
 * `Link` for page-numbered lists, on the request's own origin, path and query (only `page`
 * changes). No origin (a Host that is not loopback): links are relative to the path.
 */
export function pageLinks(
  paging: Paging,
  page: ListPage,
  origin: string,
  path: string,
  query: QueryMap,
  pageParam: string,
): string | undefined {
  const last = Math.max(1, Math.ceil((page.total ?? 0) / paging.limit));
  const link = (n: number, rel: string) =>
    `<${origin}${path}?${encodeQuery(query, new Map([[pageParam, String(n)]]))}>; rel="${rel}"`;
  const out: string[] = [];
  if (paging.page > 1) out.push(link(Math.min(paging.page - 1, last), 'prev'));
  if (page.hasMore) out.push(link(paging.page + 1, 'next'), link(last, 'last'));
  if (paging.page > 1) out.push(link(1, 'first'));
  return out.length === 0 ? undefined : out.join(', ');
}

/** The body and headers of a list answer. */
export function listAnswer(
  pagination: Pagination,
  paging: Paging,
  page: ListPage,
  items: JsonValue[],
  request: { readonly origin: string; readonly path: string; readonly query: QueryMap },
): { body: JsonValue; headers: [string, string][] } {
  const headers: [string, string][] = [];
  // Page-numbered links only: a list walked by cursor has no page 2 to link to (a page link there
  // pointed at page 2 forever, with rel="last" at page 1).
  if (pagination.linkHeader && paging.style === 'page') {
    const link = pageLinks(
      paging,
      page,
      request.origin,
      request.path,
      request.query,
      pagination.pageParam ?? 'page',
    );
    if (link !== undefined) headers.push(['link', link]);
  }
  const body =
    pagination.envelope === null
      ? items
      : fillEnvelope(pagination.envelope, {
          items,
          hasMore: page.hasMore,
          url: request.path,
          ...(page.total === undefined ? {} : { total: page.total }),
        });
  return { body, headers };
}
