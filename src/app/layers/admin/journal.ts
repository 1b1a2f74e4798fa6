import type { JournalReader } from '../../pipeline/context.js';
import type { AdminRoute } from './router.js';
import { adminJson } from './reply.js';

/**
 *   GET  /__tapedeck/journal?limit=N[&kept=1]   the latest journal entries, newest first;
 *        kept=1: the entries kept across restarts (everything but cassette hits)
 */
export function journalRoutes(journal: JournalReader): AdminRoute[] {
  return [
    {
      method: 'GET',
      path: 'journal',
      usage: 'GET journal?limit=N',
      async handle({ query }) {
        const limit = Math.min(Math.max(Number(query.get('limit') ?? 100) || 100, 1), 10_000);
        const entries =
          query.get('kept') === '1' ? await journal.kept(limit) : journal.recent(limit);
        return adminJson(200, { entries });
      },
    },
  ];
}
