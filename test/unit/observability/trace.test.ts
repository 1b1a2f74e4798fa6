import { describe, expect, it } from 'vitest';
import { childTraceparent, parseTraceparent } from '../../../src/core/observability/trace.js';

const VALID = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('traceparent', () => {
  it('reads the W3C example', () => {
    expect(parseTraceparent(VALID)).toEqual({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      parentId: '00f067aa0ba902b7',
      flags: '01',
    });
    expect(parseTraceparent(` ${VALID} `)?.flags).toBe('01');
  });

  it.each([
    ['absent', undefined],
    ['empty', ''],
    ['version ff', VALID.replace(/^00/, 'ff')],
    ['uppercase hex', VALID.toUpperCase()],
    ['an all-zero trace id', `00-${'0'.repeat(32)}-00f067aa0ba902b7-01`],
    ['an all-zero parent id', `00-4bf92f3577b34da6a3ce929d0e0e4736-${'0'.repeat(16)}-01`],
    ['a short trace id', '00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01'],
    ['a fifth field on version 00', `${VALID}-extra`],
    ['three flags digits', `${VALID}1`],
    ['no flags', '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7'],
  ])('ignores %s', (_what, value) => {
    expect(parseTraceparent(value)).toBeUndefined();
  });

  it('reads a later version by its first four fields', () => {
    expect(
      parseTraceparent(`01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-later`),
    ).toEqual({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      parentId: '00f067aa0ba902b7',
      flags: '01',
    });
  });

  it('makes a child span of the same trace and flags', () => {
    const trace = parseTraceparent(VALID)!;
    expect(childTraceparent(trace, 'b7ad6b7169203331')).toBe(
      '00-4bf92f3577b34da6a3ce929d0e0e4736-b7ad6b7169203331-01',
    );
    expect(() => childTraceparent(trace, '0'.repeat(16))).toThrow(RangeError);
    expect(() => childTraceparent(trace, 'XYZ')).toThrow(RangeError);
  });
});
