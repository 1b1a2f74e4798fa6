import { describe, expect, it } from 'vitest';
import type { Interaction, NamedCassette } from '../../../src/core/cassette/model.js';
import { LearnedValues } from '../../../src/core/redaction/learned.js';
import { SecretRegistry } from '../../../src/core/redaction/registry.js';
import { interaction, otherHash, redactorWith } from '../../helpers/redaction.js';

const redactor = redactorWith();

/** Records a flow with one registry, as the recorder does, and names the cassette. */
function recorded(...raw: Interaction[]): NamedCassette[] {
  const registry = new SecretRegistry();
  const interactions = raw.map((i) => redactor.redactInteraction(i, registry).value);
  return [{ name: 'flow', cassette: { version: 1, interactions } }];
}

const setCookie = interaction(
  { path: '/cookies/set', query: { session: 'abc123' } },
  { status: 302, headers: { 'set-cookie': 'session=abc123; Path=/' } },
);

describe('values learned while recording', () => {
  it('are recognized in every place of a later request, and redacted as the recorder did', () => {
    const flow = recorded(
      setCookie,
      interaction({
        method: 'POST',
        path: '/orders/abc123',
        query: { ref: 'abc123' },
        headers: { 'content-type': 'application/json', 'x-ctx': 'abc123' },
        body: { encoding: 'json', json: { ref: 'abc123', note: 'for abc123', abc123: 1 } },
      }),
    );
    const learned = LearnedValues.from(flow, []);
    for (const { request } of flow[0]!.cassette.interactions) {
      const plain = { ...request };
      // The client's own request, as it sent it: the recorded one with the value put back.
      const raw = JSON.parse(
        JSON.stringify(plain).replaceAll(redactor.pseudonymsOf('abc123')[0]!, 'abc123'),
      ) as typeof request;
      expect(JSON.stringify(raw)).toContain('abc123');
      expect(redactor.redactRequest(raw, undefined, learned).value).toEqual(request);
      // On its own, the pass leaves the value: nothing in this request says it is secret.
      expect(redactor.redactRequest(raw).value).not.toEqual(request);
    }
  });

  it('are not recognized under another key', () => {
    const learned = LearnedValues.from(recorded(setCookie), []);
    const other = redactorWith([], otherHash);
    const request = {
      method: 'GET',
      path: '/cookies/set',
      query: { session: 'abc123' },
      headers: {},
    };
    expect(other.redactRequest(request, undefined, learned).value.query).toEqual({
      session: 'abc123',
    });
    expect(other.keyId()).not.toBe(redactor.keyId());
    expect(redactor.keyId()).toMatch(/^tdp_[a-z2-7]{24}$/);
  });

  it('come only from where matching looks: a credential header alone collects nothing', () => {
    const authOnly = recorded(
      interaction({ path: '/me', headers: { authorization: 'Bearer Zq8xK2mP9vR4tY7wA1sD3fG6' } }),
    );
    expect(LearnedValues.from(authOnly, []).empty).toBe(true);
    expect(LearnedValues.from(authOnly, ['authorization']).empty).toBe(false);
    expect(LearnedValues.from(recorded(setCookie), []).empty).toBe(false);
  });

  it('are recognized in every shape the recordings hold (a rule that names one)', () => {
    const email = redactorWith([
      { id: 'acct', target: 'query', name: 'account', action: 'pseudonymize', shape: 'email' },
    ]);
    const registry = new SecretRegistry();
    const first = email.redactInteraction(
      interaction({ path: '/a', query: { account: 'acct-991' } }),
      registry,
    ).value;
    const later = email.redactInteraction(
      interaction({ path: '/b', query: { q: 'acct-991' } }),
      registry,
    ).value;
    const learned = LearnedValues.from(
      [{ name: 'c', cassette: { version: 1, interactions: [first, later] } }],
      [],
    );
    expect(later.request.query['q']).toMatch(/^td-[0-9a-f]{10}@example\.com$/);
    const replayed = email.redactRequest(
      { method: 'GET', path: '/b', query: { q: 'acct-991' }, headers: {} },
      undefined,
      learned,
    ).value;
    expect(replayed.query).toEqual(later.request.query);
  });
});
