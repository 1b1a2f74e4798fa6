import { timingSafeEqual } from 'node:crypto';
import type { ReplayIndex, SequenceCursors } from '../../core/matching/index.js';
import { HEADER_LAYER, headerValue } from '../../core/http/index.js';
import type { Reply } from '../../core/ports/index.js';
import type { JournalReader } from '../journal/journal.js';
import type { Layer } from '../pipeline/context.js';
import type { ServerStats } from '../pipeline/stats.js';

export const ADMIN_PREFIX = '/__tapedeck/';

export interface AdminLayerOptions {
  readonly mode: 'record' | 'replay';
  readonly token: string | undefined;
  readonly index: ReplayIndex | undefined;
  readonly cursors: SequenceCursors | undefined;
  readonly stats: ServerStats;
  readonly journal: JournalReader;
}

function json(status: number, value: unknown): Reply {
  return {
    kind: 'simple',
    status,
    headers: [
      ['content-type', 'application/json'],
      [HEADER_LAYER, 'admin'],
    ],
    body: `${JSON.stringify(value, null, 2)}\n`,
  };
}

function tokenMatches(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(`Bearer ${expected}`);
  return a.byteLength === b.byteLength && timingSafeEqual(a, b);
}

/**
 * Layer 1: tapedeck's own endpoints under /__tapedeck/. When an admin token is configured,
 * every call needs `Authorization: Bearer <token>`.
 *   GET  /__tapedeck/health             liveness and what is loaded
 *   GET  /__tapedeck/summary            requests served, misses, unused recordings
 *   GET  /__tapedeck/journal?limit=N    the latest journal entries
 *   POST /__tapedeck/reset[?session=S]  rewind sequences (one session, or all)
 */
export function adminLayer(options: AdminLayerOptions): Layer {
  return {
    name: 'admin',
    handle(context) {
      const { path, method } = context.incoming;
      if (!path.startsWith(ADMIN_PREFIX)) return undefined;
      if (
        options.token !== undefined &&
        !tokenMatches(headerValue(context.incoming.headers, 'authorization'), options.token)
      ) {
        return {
          reply: json(401, {
            code: 'TD_BAD_REQUEST',
            title: 'The admin API needs Authorization: Bearer <admin token>.',
          }),
        };
      }
      const query = new URLSearchParams(context.incoming.rawQuery);
      const route = `${method} ${path.slice(ADMIN_PREFIX.length)}`;
      switch (route) {
        case 'GET health':
          return {
            reply: json(200, {
              status: 'ok',
              mode: options.mode,
              cassettes: options.index?.cassetteNames().length ?? 0,
              interactions: options.index?.size ?? 0,
            }),
          };
        case 'GET summary':
          return { reply: json(200, options.stats.summary(options.index)) };
        case 'GET journal': {
          const limit = Math.min(Math.max(Number(query.get('limit') ?? 100) || 100, 1), 10_000);
          // ?kept=1: the entries kept in SQLite across restarts (everything but cassette hits).
          if (query.get('kept') === '1')
            return options.journal.kept(limit).then((entries) => ({
              reply: json(200, { entries }),
            }));
          return { reply: json(200, { entries: options.journal.recent(limit) }) };
        }
        case 'POST reset': {
          const session = query.get('session') ?? undefined;
          options.cursors?.reset(session);
          return { reply: json(200, { reset: session ?? 'all sessions' }) };
        }
        default:
          return {
            reply: json(404, {
              code: 'TD_BAD_REQUEST',
              title: `No admin endpoint ${route}.`,
              endpoints: [
                'GET health',
                'GET summary',
                'GET journal?limit=N',
                'POST reset?session=S',
              ],
            }),
          };
      }
    },
  };
}
