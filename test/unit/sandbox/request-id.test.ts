import { describe, expect, it } from 'vitest';
import type { RecordedResponse } from '../../../src/core/cassette/model.js';
import type { Reply } from '../../../src/core/ports/index.js';
import { newRequestId } from '../../../src/app/sandbox/keys.js';
import { withRequestId } from '../../../src/app/sandbox/request-id.js';

describe('request ids', () => {
  it('are the prefix and 24 base62 characters, different each time', () => {
    const ids = new Set(Array.from({ length: 200 }, () => newRequestId('req_')));
    expect(ids.size).toBe(200);
    for (const id of ids) expect(id).toMatch(/^req_[0-9A-Za-z]{24}$/);
    expect(newRequestId('')).toMatch(/^[0-9A-Za-z]{24}$/);
  });

  it("replace a recorded answer's header of that name (any case), once per recording", () => {
    const response: RecordedResponse = {
      status: 200,
      headers: { 'Request-Id': 'req_from_production', 'content-type': 'application/json' },
    };
    const reply: Reply = {
      kind: 'recorded',
      response,
      extraHeaders: [['x-tapedeck-layer', 'cassette']],
      delayMs: 0,
    };
    const a = withRequestId(reply, 'request-id', 'req_a');
    const b = withRequestId(reply, 'request-id', 'req_b');
    if (a.kind !== 'recorded' || b.kind !== 'recorded') throw new Error('not recorded');
    expect(a.response.headers).toEqual({ 'content-type': 'application/json' });
    expect(a.extraHeaders).toEqual([
      ['x-tapedeck-layer', 'cassette'],
      ['request-id', 'req_a'],
    ]);
    // The same stripped recording each time: the HTTP adapter caches its bytes by the object.
    expect(b.response).toBe(a.response);
    // A recording without the header is left as it is.
    const plain = withRequestId(
      { ...reply, response: { status: 204, headers: {} } },
      'Request-Id',
      'x',
    );
    expect(plain.kind === 'recorded' && plain.response.headers).toEqual({});
  });

  it('replace the header of a simple answer, and reach the answer inside a fault', () => {
    const simple: Reply = {
      kind: 'simple',
      status: 429,
      headers: [
        ['X-Request-Id', 'old'],
        ['retry-after', '1'],
      ],
      body: '',
    };
    expect(withRequestId(simple, 'x-request-id', 'req_new')).toMatchObject({
      headers: [
        ['retry-after', '1'],
        ['x-request-id', 'req_new'],
      ],
    });
    const fault: Reply = { kind: 'fault', fault: { kind: 'delay', ms: 5 }, inner: simple };
    expect(withRequestId(fault, 'x-request-id', 'req_f')).toMatchObject({
      inner: {
        headers: [
          ['retry-after', '1'],
          ['x-request-id', 'req_f'],
        ],
      },
    });
  });
});
