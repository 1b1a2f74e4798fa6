import { describe, expect, it } from 'vitest';
import { configSchema } from '../../src/app/config/schema.js';
import { cassetteSchemaV1 } from '../../src/core/cassette/schema.js';
import { ruleFileSchema } from '../../src/core/redaction/rules.js';
import { compileValidator, editDistance, nearestNames } from '../../src/core/validation.js';

const validateConfig = compileValidator(configSchema);

function messages(validate: (v: unknown) => ReturnType<typeof validateConfig>, doc: unknown) {
  const result = validate(doc);
  if (result.ok) throw new Error('expected problems');
  return result.problems.map((p) => `${p.pointer}: ${p.message}`);
}

describe('edit distance', () => {
  it('counts insertions, deletions, substitutions and adjacent swaps as one edit each', () => {
    expect(editDistance('upstrem', 'upstream')).toBe(1);
    expect(editDistance('upstreaam', 'upstream')).toBe(1);
    expect(editDistance('upstraem', 'upstream')).toBe(1);
    expect(editDistance('upstreax', 'upstream')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('same', 'same')).toBe(0);
  });

  it('suggests the nearest names within a third of the length, case aside, ties together', () => {
    const keys = ['upstream', 'record', 'replay', 'redaction', 'redactionRules'];
    expect(nearestNames('upstrem', keys)).toEqual(['upstream']);
    expect(nearestNames('Upstream', keys)).toEqual(['upstream']);
    expect(nearestNames('redactionRule', keys)).toEqual(['redactionRules']);
    expect(nearestNames('colour', keys)).toEqual([]);
    expect(nearestNames('ab', ['ac', 'ad', 'abcd'])).toEqual(['ac', 'ad']);
  });
});

describe('unknown properties', () => {
  it('lists the keys allowed at the top level and suggests the nearest', () => {
    const [line] = messages(validateConfig, { upstrem: { target: 'http://x' } });
    expect(line).toContain('/upstrem: is not a known property; did you mean "upstream"?');
    expect(line).toContain('Allowed here: $schema, cassettes, redactionRules, stateDir');
    expect(line).toContain('upstream, record, replay');
    expect(line).not.toContain('none');
  });

  it('lists a nested object its own keys', () => {
    const [line] = messages(validateConfig, { upstream: { taget: 'http://x' } });
    expect(line).toBe(
      '/upstream/taget: is not a known property; did you mean "target"? Allowed here: target, timeoutMs, allowedHosts, forbiddenHosts, forwardedHeaders',
    );
  });

  it('says where a key written at the wrong level belongs', () => {
    const [line] = messages(validateConfig, { port: 8080 });
    expect(line).toContain(
      '/port: is not a known property; "port" belongs in /server or /record/webhooks.',
    );
    const [target] = messages(validateConfig, { target: 'http://x' });
    expect(target).toContain('"target" belongs in /upstream or /drift.');
  });

  it('gives no suggestion when nothing is close', () => {
    const [line] = messages(validateConfig, { colour: 'red' });
    expect(line).toMatch(/^\/colour: is not a known property\. Allowed here: \$schema, /);
  });

  it('helps in cassettes too, inside arrays and body variants', () => {
    const validate = compileValidator(cassetteSchemaV1);
    const doc = {
      version: 1,
      interactions: [
        {
          request: { method: 'GET', path: '/', headr: {} },
          response: { status: 200, headers: {}, body: { encoding: 'text', txt: 'x' } },
          recordedAt: '2024-01-01T00:00:00Z',
          latencyMs: 1,
        },
      ],
    };
    const lines = messages(validate, doc);
    expect(lines).toContainEqual(
      expect.stringContaining(
        '/interactions/0/request/headr: is not a known property; did you mean "headers"?',
      ),
    );
    expect(lines).toContainEqual(
      expect.stringContaining(
        '/interactions/0/response/body/txt: is not a known property; did you mean "text"?',
      ),
    );
  });
});

describe('unknown properties in rule files', () => {
  it('suggest the nearest rule field', () => {
    const validate = compileValidator(ruleFileSchema);
    const lines = messages(validate, { version: 1, rules: [{ id: 'x', taget: 'header' }] });
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^\/rules\/0\/taget: is not a known property; did you mean "target"\? Allowed here: /,
      ),
    );
  });
});
