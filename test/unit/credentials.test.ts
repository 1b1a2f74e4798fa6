import { describe, expect, it } from 'vitest';
import type { Interaction } from '../../src/core/cassette/model.js';
import {
  REDACTED,
  redactInteraction,
  redactRequest,
} from '../../src/core/redaction/credentials.js';

const SECRET = 'sk_live_canary_4f9a1b';

const interaction: Interaction = {
  request: {
    method: 'GET',
    path: '/v1/me',
    query: { api_key: SECRET, limit: '10', access_token: [SECRET, 'other'] },
    headers: {
      authorization: `Bearer ${SECRET}`,
      'proxy-authorization': `Basic ${SECRET}`,
      cookie: `session=${SECRET}; theme=dark`,
      'x-api-key': SECRET,
      'x-hub-signature-256': `sha256=${SECRET}`,
      accept: 'application/json',
    },
  },
  response: {
    status: 200,
    headers: {
      'set-cookie': [`session=${SECRET}; Path=/; HttpOnly; Secure`, `csrf=${SECRET}`],
      'x-request-id': 'req_123',
    },
    body: { encoding: 'json', json: { ok: true } },
  },
  latencyMs: 1,
  recordedAt: '2026-01-01T00:00:00Z',
};

describe('built-in credential redaction', () => {
  const { value, findings } = redactInteraction(interaction);
  const text = JSON.stringify(value);

  it('leaves no credential value anywhere in the interaction', () => {
    expect(text).not.toContain(SECRET);
  });

  it('keeps the auth scheme, cookie names and Set-Cookie attributes readable', () => {
    expect(value.request.headers['authorization']).toBe(`Bearer ${REDACTED}`);
    expect(value.request.headers['cookie']).toBe(`session=${REDACTED}; theme=${REDACTED}`);
    expect(value.response.headers['set-cookie']).toEqual([
      `session=${REDACTED}; Path=/; HttpOnly; Secure`,
      `csrf=${REDACTED}`,
    ]);
  });

  it('masks secret-named query parameters, every value of a repeated one', () => {
    expect(value.request.query).toEqual({
      api_key: REDACTED,
      limit: '10',
      access_token: [REDACTED, REDACTED],
    });
  });

  it('leaves non-secret headers alone', () => {
    expect(value.request.headers['accept']).toBe('application/json');
    expect(value.response.headers['x-request-id']).toBe('req_123');
  });

  it('reports what it changed by location, never by value', () => {
    expect(findings.map((f) => f.location).sort()).toEqual([
      'request.headers.authorization',
      'request.headers.cookie',
      'request.headers.proxy-authorization',
      'request.headers.x-api-key',
      'request.headers.x-hub-signature-256',
      'request.query.access_token',
      'request.query.api_key',
      'response.headers.set-cookie',
    ]);
    expect(JSON.stringify(findings)).not.toContain(SECRET);
  });

  it('is idempotent', () => {
    const again = redactInteraction(value);
    expect(again.value).toEqual(value);
    expect(again.findings).toEqual([]);
  });

  it('redacts an incoming request the same way, so it matches the recording', () => {
    expect(redactRequest(interaction.request).value).toEqual(value.request);
  });
});
