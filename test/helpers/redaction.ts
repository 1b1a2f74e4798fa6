import { createHmac } from 'node:crypto';
import type { Body, Interaction, RecordedRequest } from '../../src/core/cassette/model.js';
import { Redactor } from '../../src/core/redaction/engine.js';
import type { KeyedHash } from '../../src/core/redaction/pseudonym.js';
import { compileRuleFile, type RedactionRuleSpec } from '../../src/core/redaction/rules.js';

export const testHash: KeyedHash = (input) =>
  createHmac('sha256', 'test-key-0123456789abcdef').update(input).digest();
export const otherHash: KeyedHash = (input) =>
  createHmac('sha256', 'another-key-0123456789abc').update(input).digest();

/** A regex check that accepts everything: the real one (recheck) is tested separately. */
export const acceptAll = () => ({ safe: true as const });

export function redactorWith(
  rules: RedactionRuleSpec[] = [],
  hash: KeyedHash = testHash,
): Redactor {
  return new Redactor({
    rules: compileRuleFile({ version: 1, rules }, 'test-rules.json', acceptAll),
    hash,
  });
}

export function interaction(
  request: Partial<RecordedRequest>,
  response: Partial<Interaction['response']> = {},
): Interaction {
  return {
    request: { method: 'GET', path: '/', query: {}, headers: {}, ...request },
    response: { status: 200, headers: {}, ...response },
    latencyMs: 1,
    recordedAt: '2026-01-01T00:00:00.000Z',
  };
}

/** The JSON of a body that is expected to be JSON. */
export function jsonOf<T>(body: Body | undefined): T {
  if (body?.encoding !== 'json')
    throw new Error(`expected a JSON body, got ${JSON.stringify(body)}`);
  return body.json as T;
}
