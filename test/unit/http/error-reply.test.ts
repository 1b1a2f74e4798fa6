import { describe, expect, it } from 'vitest';
import { errorReply } from '../../../src/adapters/http/node-server.js';
import { PROBLEM_TYPE_BASE, TapedeckError } from '../../../src/core/errors.js';

describe('the HTTP adapter error answer', () => {
  it('is problem+json in RFC 9457 order, with the code as an extension and in a header', () => {
    const reply = errorReply(
      new TapedeckError('TD_BODY_TOO_LARGE', 'Too large.', { hint: 'Raise maxBodyBytes.' }),
    );
    expect(reply).toEqual({
      kind: 'simple',
      status: 413,
      headers: [
        ['content-type', 'application/problem+json'],
        ['x-tapedeck-error', 'TD_BODY_TOO_LARGE'],
      ],
      body: `{"type":"${PROBLEM_TYPE_BASE}TD_BODY_TOO_LARGE","title":"Too large.","status":413,"code":"TD_BODY_TOO_LARGE","hint":"Raise maxBodyBytes."}\n`,
    });
  });

  it('answers 500 for a code with no status of its own, and leaves out an absent hint', () => {
    const reply = errorReply(new TapedeckError('TD_INTERNAL', 'Failed.'));
    expect(reply.status).toBe(500);
    expect(reply.kind === 'simple' && JSON.parse(reply.body)).toEqual({
      type: `${PROBLEM_TYPE_BASE}TD_INTERNAL`,
      title: 'Failed.',
      status: 500,
      code: 'TD_INTERNAL',
    });
  });
});
