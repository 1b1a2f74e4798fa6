/**
 * What a profile leaves to `learn` is learned from the spec (docs/design/issue-13-plan.md §2.4):
 * the pagination style and parameters, found by name on the model's list operations, and the
 * list envelope, from their documented answer; and a webhook `apiVersion` of `spec` (issue 15).
 * Pure; run once after the model is inferred.
 */
import { isRecord, resolveLocalRef, resolvePointer, type JsonValue } from '../../json.js';
import type { CompiledSpec } from '../../mock/openapi/compiled.js';
import type { SpecOperation, SpecParameter } from '../../mock/openapi/operations.js';
import type { ResourceModel } from '../state/model.js';
import type { ApiProfile } from './types.js';

type Pagination = ApiProfile['pagination'];

const CURSOR_AFTER = ['starting_after', 'after', 'cursor', 'page_token', 'next_cursor', 'since_id'];
const CURSOR_BEFORE = ['ending_before', 'before'];
const PAGE = ['page', 'page_number'];
const LIMIT = ['limit', 'per_page', 'page_size', 'pageSize', 'size', 'count'];

/** Members of a list envelope that say something about the page, by what they hold. */
const ENVELOPE_MEMBERS: Readonly<Record<string, string>> = {
  has_more: '{hasMore}',
  hasMore: '{hasMore}',
  url: '{url}',
  total: '{total}',
  total_count: '{total}',
  totalCount: '{total}',
  count: '{total}',
};

function deref(document: object, node: unknown): unknown {
  let current = node;
  for (let i = 0; i < 20 && isRecord(current) && typeof current['$ref'] === 'string'; i++)
    current = resolveLocalRef(document, current['$ref']);
  return current;
}

function schemaOfParameter(document: object, p: SpecParameter): Record<string, unknown> {
  const node =
    p.schemaPointer === undefined
      ? p.schema
      : deref(document, resolvePointer(document, p.schemaPointer.replace(/^#/, '')));
  return isRecord(node) ? node : {};
}

/** The envelope of a list answer: `{member: "{items}", has_more: "{hasMore}", …}`, or null. */
function envelopeOf(document: object, operation: SpecOperation): JsonValue | null | undefined {
  const ok = operation.responses.find((r) => /^2\d\d$/.test(r.status));
  const media = ok?.contents.find((m) => m.schemaPointer !== undefined);
  if (media?.schemaPointer === undefined) return undefined;
  const schema = deref(document, resolvePointer(document, media.schemaPointer.replace(/^#/, '')));
  if (!isRecord(schema)) return undefined;
  if (schema['type'] === 'array') return null;
  const properties = isRecord(schema['properties']) ? schema['properties'] : {};
  const arrays = Object.entries(properties).filter(([, s]) => {
    const v = deref(document, s);
    return isRecord(v) && v['type'] === 'array';
  });
  if (arrays.length !== 1) return undefined;
  const envelope: Record<string, JsonValue> = {};
  for (const [name, s] of Object.entries(properties)) {
    const v = deref(document, s);
    if (name === arrays[0]![0]) envelope[name] = '{items}';
    else if (ENVELOPE_MEMBERS[name] !== undefined) envelope[name] = ENVELOPE_MEMBERS[name];
    else if (isRecord(v) && Array.isArray(v['enum']) && v['enum'].length === 1)
      envelope[name] = v['enum'][0] as JsonValue;
  }
  return envelope;
}

/**
 * The profile with `pagination.style: "learn"` resolved from the spec's list operations: the
 * most common cursor, page and limit parameter names, the documented default and maximum of
 * the limit, and the envelope of the first list answer. Anything else is returned as it is.
 */
export function learnProfile(
  profile: ApiProfile,
  spec: CompiledSpec | undefined,
  model: ResourceModel,
): ApiProfile {
  return learnPagination(withApiVersion(profile, spec), spec, model);
}

/**
 * `webhooks.apiVersion: "spec"` as the spec's `info.version` (Stripe's `api_version`, the
 * vendored spec's 2020-08-27); null without a spec or a version to read.
 */
export function withApiVersion(profile: ApiProfile, spec: CompiledSpec | undefined): ApiProfile {
  if (profile.webhooks.apiVersion !== 'spec') return profile;
  const info = spec === undefined ? undefined : (spec.source.document as { info?: unknown }).info;
  const version = isRecord(info) ? info['version'] : undefined;
  const apiVersion = typeof version === 'string' && version !== '' ? version : null;
  return { ...profile, webhooks: { ...profile.webhooks, apiVersion } };
}

function learnPagination(
  profile: ApiProfile,
  spec: CompiledSpec | undefined,
  model: ResourceModel,
): ApiProfile {
  if (profile.pagination.style !== 'learn' || spec === undefined) return profile;
  const document = spec.requestDocument;
  const byRoute = new Map(
    spec.model.operations.map((o) => [`${o.method.toUpperCase()} ${o.path}`, o]),
  );
  const lists = model.routes
    .filter((r) => r.role === 'list')
    .map((r) => byRoute.get(`${r.method} ${r.path}`))
    .filter((o): o is SpecOperation => o !== undefined);
  if (lists.length === 0) return profile;
  const counts = new Map<string, number>();
  for (const operation of lists)
    for (const p of operation.parameters)
      if (p.in === 'query') counts.set(p.name, (counts.get(p.name) ?? 0) + 1);
  const best = (names: readonly string[]) =>
    names
      .filter((n) => counts.has(n))
      .sort((a, b) => counts.get(b)! - counts.get(a)! || names.indexOf(a) - names.indexOf(b))[0];
  const after = best(CURSOR_AFTER);
  const before = best(CURSOR_BEFORE);
  const page = best(PAGE);
  const limitParam = best(LIMIT) ?? profile.pagination.limitParam;
  const cursor =
    after !== undefined && (page === undefined || counts.get(after)! >= counts.get(page)!);

  let defaultLimit = profile.pagination.defaultLimit;
  let maxLimit = profile.pagination.maxLimit;
  const limitParameter = lists
    .flatMap((o) => o.parameters)
    .find((p) => p.in === 'query' && p.name === limitParam);
  if (limitParameter !== undefined) {
    const schema = schemaOfParameter(document, limitParameter);
    if (typeof schema['maximum'] === 'number' && Number.isInteger(schema['maximum']))
      maxLimit = Math.min(10_000, Math.max(1, schema['maximum']));
    if (typeof schema['default'] === 'number' && Number.isInteger(schema['default']))
      defaultLimit = Math.max(1, schema['default']);
    defaultLimit = Math.min(defaultLimit, maxLimit);
  }
  const envelopes = lists.map((o) => envelopeOf(spec.responseDocument, o));
  const envelope = envelopes.find((e) => e !== undefined) ?? null;

  const { afterParam: _a, beforeParam: _b, pageParam: _p, ...rest } = profile.pagination;
  void _a;
  void _b;
  void _p;
  const pagination: Pagination = {
    ...rest,
    style: cursor ? 'cursor-id' : 'page',
    limitParam,
    defaultLimit,
    maxLimit,
    ...(cursor ? { afterParam: after } : { pageParam: page ?? 'page' }),
    ...(cursor && before !== undefined ? { beforeParam: before } : {}),
    envelope,
    // A bare array has nowhere else to say there is more; an envelope says it itself.
    linkHeader: envelope === null,
  };
  return { ...profile, pagination };
}
