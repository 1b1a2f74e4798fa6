import { describe, expect, it } from 'vitest';
import {
  decodeFormComponent,
  decodePercent,
  decodePercentStrict,
  decodeQueryComponent,
} from '../../../src/core/http/percent.js';

const MALFORMED = ['%', '%zz', 'a%2', '%E2%82', '%C3%28', '100%'];

describe('percent-decoding', () => {
  it('decodes well-formed escapes alike in every variant', () => {
    for (const decode of [decodePercent, decodePercentStrict, decodeFormComponent]) {
      expect(decode('caf%C3%A9%2Fx')).toBe('café/x');
      expect(decode('plain')).toBe('plain');
    }
    expect(decodeQueryComponent('caf%C3%A9%2Fx')).toBe('café/x');
  });

  it('never throws on malformed escapes', () => {
    for (const text of MALFORMED) {
      expect(decodePercent(text)).toBe(text);
      expect(decodePercentStrict(text)).toBeUndefined();
      expect(decodeFormComponent(text)).toBe(text);
      expect(() => decodeQueryComponent(text)).not.toThrow();
    }
  });

  it('keeps a malformed form component as it was on the wire, + included', () => {
    expect(decodeFormComponent('a+b')).toBe('a b');
    expect(decodeFormComponent('a+b%zz')).toBe('a+b%zz');
  });

  it('decodes query components as URLSearchParams does, malformed ones included', () => {
    for (const text of [...MALFORMED, 'a+b', 'a+%zz+%C3%A9', '%%41', 'x%26y']) {
      const expected = new URLSearchParams(`q=${text.replace(/&/g, '%26')}`).get('q');
      expect(decodeQueryComponent(text)).toBe(expected);
    }
  });

  it('leaves + alone outside forms and queries', () => {
    expect(decodePercent('a+b%20c')).toBe('a+b c');
  });
});
