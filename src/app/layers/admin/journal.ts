import { isTapedeckError } from '../../../core/errors.js';
import type { JournalQuery, StoredJournalEntry } from '../../../core/ports/journal.js';
import type { SimpleReply } from '../../../core/ports/index.js';
import { cursorOf, parseJournalParams, type JournalParams } from '../../journal/params.js';
import type { JournalReader, LayerAnswer, RequestContext } from '../../pipeline/context.js';
import type { AdminRoute } from './router.js';
import { adminJson, adminProblem } from './reply.js';

/** A journal that can also answer a filtered query (app/journal/journal.ts's Journal). */
export interface SearchableJournal extends JournalReader {
  query(query: JournalQuery): Promise<StoredJournalEntry[]>;
}

/** A tenant as the journal route names it. */
export interface JournalTenant {
  readonly id: string;
  readonly name: string;
}

/**
 * The sandbox's journal: every entry is stored and belongs to a tenant, so every read is a query
 * of the store, and a tenant may read its own entries with its own key.
 */
export interface TenantJournalOptions {
  /** A tenant by its name or its id; undefined when there is none. */
  readonly findTenant: (nameOrId: string) => Promise<JournalTenant | undefined>;
  /**
   * Checks the key of a call that came without the admin token, as the tenant layer checks any
   * request's: sets `context.tenant`, or gives the refusal (401 in the profile's shape).
   */
  readonly tenantOf: (
    context: RequestContext,
  ) => Promise<LayerAnswer | undefined> | LayerAnswer | undefined;
  /** Real time, for `since=15m`. */
  readonly now: () => number;
}

/**
 *   GET  /__tapedeck/journal?limit=N[&kept=1]   the latest journal entries, newest first;
 *        kept=1: the entries kept across restarts (everything but cassette hits)
 *   GET  /__tapedeck/journal?tenant=&since=&operation=&status=&layer=&limit=&cursor=
 *        stored entries matching every filter, newest first: {entries, next}; `next` is the
 *        cursor of the following page, null on the last one (docs/observability.md)
 *
 * With `sandbox` options (the sandbox), every read queries the store, and a call with a tenant's
 * key instead of the admin token reads that tenant's entries only (403 when `tenant` names
 * another). A parameter that cannot be read is a 400 naming it.
 */
export function journalRoutes(
  journal: JournalReader,
  sandbox?: TenantJournalOptions,
  /** Replay's, record's and mock's clock, for `since=15m` (the sandbox's is in `sandbox`). */
  clock?: { now(): number },
): AdminRoute[] {
  return [
    {
      method: 'GET',
      path: 'journal',
      usage:
        sandbox === undefined
          ? 'GET journal?limit=N'
          : 'GET journal?tenant=&since=&operation=&status=&layer=&limit=&cursor=',
      ...(sandbox === undefined ? {} : { tenantKeys: true }),
      async handle({ context, query, byAdmin }) {
        let params: JournalParams;
        try {
          params = parseJournalParams(
            (name) => query.get(name),
            query.keys(),
            sandbox?.now() ?? clock?.now() ?? Date.now(),
          );
        } catch (error) {
          if (!isTapedeckError(error)) throw error;
          const parameter = error.details['parameter'];
          return adminProblem(400, 'TD_BAD_REQUEST', error.message, {
            ...(typeof parameter === 'string' ? { parameter } : {}),
          });
        }
        if (sandbox === undefined) return plainRead(journal, params);
        const searchable = journal as SearchableJournal;

        let tenantId: string | undefined;
        if (byAdmin === false) {
          const refused = await sandbox.tenantOf(context);
          const own = context.tenant;
          if (refused !== undefined && refused.reply.kind === 'simple') return refused.reply;
          if (refused !== undefined || own === undefined)
            return adminProblem(
              401,
              'TD_BAD_REQUEST',
              'The journal needs a tenant key or the admin token.',
            );
          // The tenant's own name or id; anything else is refused alike, so a key cannot learn
          // which other tenants exist.
          if (params.tenant !== undefined && params.tenant !== own.name && params.tenant !== own.id)
            return adminProblem(
              403,
              'TD_BAD_REQUEST',
              "A tenant's key reads only that tenant's journal.",
              {
                parameter: 'tenant',
              },
            );
          tenantId = own.id;
        } else if (params.tenant !== undefined) {
          const found = await sandbox.findTenant(params.tenant);
          if (found === undefined)
            return adminProblem(404, 'TD_TENANT_NOT_FOUND', 'There is no such tenant.', {
              parameter: 'tenant',
              hint: 'GET /__tapedeck/tenants lists the tenants there are (by name; the id works too).',
            });
          tenantId = found.id;
        }
        return adminJson(
          200,
          await page(searchable, {
            ...params.query,
            ...(tenantId === undefined ? {} : { tenant: tenantId }),
          }),
        );
      },
    },
  ];
}

/** Replay, record and mock: the memory window, or the store (`kept=1`, or any filter). */
async function plainRead(journal: JournalReader, params: JournalParams): Promise<SimpleReply> {
  if (params.filtered) {
    const searchable = journal as Partial<SearchableJournal>;
    if (searchable.query === undefined)
      return adminProblem(
        400,
        'TD_BAD_REQUEST',
        'This server’s journal takes only limit and kept.',
      );
    return adminJson(200, await page(searchable as SearchableJournal, params.query));
  }
  const { limit } = params.query;
  const entries = params.kept ? await journal.kept(limit) : journal.recent(limit);
  return adminJson(200, { entries });
}

/**
 * One page, newest first. One entry more than asked for is read to know whether another page
 * follows, so the last page says `next: null` instead of leading to an empty one.
 */
async function page(
  journal: SearchableJournal,
  query: JournalQuery,
): Promise<{ entries: StoredJournalEntry[]; next: string | null }> {
  const found = await journal.query({ ...query, limit: query.limit + 1 });
  const entries = found.slice(0, query.limit);
  const last = entries.at(-1);
  return {
    entries,
    next: found.length > query.limit && last !== undefined ? cursorOf(last.seq) : null,
  };
}
