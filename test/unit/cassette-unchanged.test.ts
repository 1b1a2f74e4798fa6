import { describe, expect, it } from 'vitest';
import type { Interaction } from '../../src/core/cassette/model.js';
import { exchangeFingerprint } from '../../src/core/cassette/unchanged.js';

function answered(headers: Record<string, string>): Interaction {
  return {
    request: { method: 'GET', path: '/a', query: [], headers: {} },
    response: { status: 200, headers },
    latencyMs: 1,
    recordedAt: '2026-12-01T00:00:00.000Z',
  } as unknown as Interaction;
}

describe('what counts as the same exchange when re-recording', () => {
  it('sets aside date and request ids', () => {
    expect(
      exchangeFingerprint(answered({ date: 'Tue, 01 Dec 2026 10:00:00 GMT', 'x-request-id': 'a' })),
    ).toBe(
      exchangeFingerprint(answered({ date: 'Tue, 01 Dec 2026 10:05:00 GMT', 'x-request-id': 'b' })),
    );
  });

  it('compares expires by its distance from date: the same max-age later is unchanged', () => {
    const first = answered({
      date: 'Tue, 01 Dec 2026 10:00:00 GMT',
      expires: 'Tue, 01 Dec 2026 11:00:00 GMT',
    });
    const later = answered({
      date: 'Tue, 01 Dec 2026 10:05:00 GMT',
      expires: 'Tue, 01 Dec 2026 11:05:00 GMT',
    });
    expect(exchangeFingerprint(later)).toBe(exchangeFingerprint(first));
  });

  it('sees a change of caching policy in expires', () => {
    const never = answered({ date: 'Tue, 01 Dec 2026 10:00:00 GMT', expires: '0' });
    const cached = answered({
      date: 'Tue, 01 Dec 2026 10:05:00 GMT',
      expires: 'Wed, 01 Dec 2027 10:05:00 GMT',
    });
    expect(exchangeFingerprint(cached)).not.toBe(exchangeFingerprint(never));
  });
});
