import type { SequenceCursors } from '../../../core/matching/index.js';
import type { AdminRoute } from './router.js';
import { adminJson } from './reply.js';

/**
 *   POST /__tapedeck/reset[?session=S]   rewind the cassettes' sequences (one session, or all)
 */
export function resetRoutes(cursors: SequenceCursors): AdminRoute[] {
  return [
    {
      method: 'POST',
      path: 'reset',
      usage: 'POST reset?session=S',
      handle({ query }) {
        const session = query.get('session') ?? undefined;
        cursors.reset(session);
        return adminJson(200, { reset: session ?? 'all sessions' });
      },
    },
  ];
}
