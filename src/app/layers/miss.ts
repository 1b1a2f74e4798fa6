import type { ReplayIndex } from '../../core/matching/index.js';
import {
  combinedHeaderValue,
  HEADER_ERROR,
  HEADER_LAYER,
  HEADER_MISS,
} from '../../core/http/index.js';
import { problemReply } from '../../core/http/problem.js';
import type { Logger } from '../../core/ports/index.js';
import {
  missProblem,
  missReportJson,
  renderMissReport,
  type MissReport,
} from '../../core/render/near-miss.js';
import type { Layer, RequestContext } from '../pipeline/context.js';
import type { ServerStats } from '../pipeline/stats.js';

export interface MissLayerOptions {
  readonly index: ReplayIndex;
  readonly stats: ServerStats;
  readonly logger: Logger;
  readonly status: number;
}

const MISS_HEADERS = [
  [HEADER_MISS, '1'],
  [HEADER_LAYER, 'miss'],
  [HEADER_ERROR, 'TD_NO_MATCH'],
] as const;

function wantsJson(context: RequestContext): boolean {
  const accept = combinedHeaderValue(context.incoming.headers, 'accept') ?? '';
  return /application\/(?:[\w.+-]*\+)?json/i.test(accept);
}

/**
 * Layer 9: nothing answered. No network: an answer with a status no recording uses, the
 * `x-tapedeck-miss` header, and the nearest recorded requests field by field (redacted values
 * only). The same report goes to the log.
 */
export function missLayer(options: MissLayerOptions): Layer {
  return {
    name: 'miss',
    closes: true,
    handle(context) {
      const report: MissReport = {
        request: context.normalized,
        session: context.session,
        ...(context.cassette === undefined ? {} : { cassette: context.cassette }),
        nearest: options.index.nearest(context.normalized, 3, context.cassette),
        loaded: options.index.size,
      };
      options.stats.missed(context.normalized);
      const text = renderMissReport(report);
      const fields = { code: 'TD_NO_MATCH', report: missReportJson(report) };
      // Through the request's log when it has one: the line then names its request and tenant.
      if (context.log !== undefined) context.log('warn', 'replay.miss', text.trimEnd(), fields);
      else options.logger.log('warn', 'replay.miss', text.trimEnd(), fields);
      if (wantsJson(context))
        return { reply: problemReply(missProblem(report, options.status, text), MISS_HEADERS) };
      return {
        reply: {
          kind: 'simple',
          status: options.status,
          headers: [['content-type', 'text/plain; charset=utf-8'], ...MISS_HEADERS],
          body: text,
        },
      };
    },
  };
}
