import { describe, expect, it } from 'vitest';
import { ServerStats } from '../../src/app/pipeline/stats.js';
import { reasonPhrase, MISS_REASON } from '../../src/adapters/http/write-reply.js';
import type { NamedCassette } from '../../src/core/cassette/model.js';
import { compileMatchConfig, DEFAULT_MATCH_OPTIONS } from '../../src/core/matching/config.js';
import { ReplayIndex } from '../../src/core/matching/index.js';
import { interaction } from '../helpers/redaction.js';

const cassettes: NamedCassette[] = [
  {
    name: 'orders',
    cassette: {
      version: 1,
      interactions: [interaction({ path: '/a' }), interaction({ path: '/b', query: { q: '1' } })],
    },
  },
];
const index = new ReplayIndex(cassettes, compileMatchConfig(DEFAULT_MATCH_OPTIONS));

describe('the "never used" list', () => {
  it('lists the loaded interactions no request used', () => {
    const stats = new ServerStats();
    stats.markUsed('orders', 0);
    expect(stats.summary(index).unused).toEqual([
      { cassette: 'orders', position: 1, request: 'GET /b?q=1' },
    ]);
  });

  it('is empty for a server that never answers from cassettes (record --mode all)', () => {
    const stats = new ServerStats({ answersFromCassettes: false });
    stats.wasRecorded('orders');
    stats.wasRecorded('orders');
    const summary = stats.summary(index);
    expect(summary.unused).toEqual([]);
    expect(summary.recorded).toEqual([{ cassette: 'orders', count: 2 }]);
  });
});

describe('status line reason phrases', () => {
  it('keeps the standard phrase of a known status, miss or not', () => {
    expect(reasonPhrase(200, false)).toBe('OK');
    expect(reasonPhrase(404, true)).toBe('Not Found');
    expect(reasonPhrase(503, false)).toBe('Service Unavailable');
  });

  it('names a miss on a status node has no phrase for, and classes any other', () => {
    expect(reasonPhrase(599, true)).toBe(MISS_REASON);
    expect(MISS_REASON).toBe('Tapedeck No Match');
    expect(reasonPhrase(599, false)).toBe('Server Error');
    expect(reasonPhrase(299, false)).toBe('Success');
    expect(reasonPhrase(499, false)).toBe('Client Error');
  });
});
