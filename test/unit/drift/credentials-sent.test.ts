/**
 * What sendableHeaders reports about credentials: the dropped pseudonym holders (credential or
 * not) and the credential headers that did go out with a real value, which is what tells
 * "withheld" (could not check) from "sent and refused" (drift).
 */
import { describe, expect, it } from 'vitest';
import { isCredentialHeader, sendableHeaders } from '../../../src/core/drift/flows.js';

const TOKEN = 'tdp_aaaaaaaaaaaaaaaaaaaaaaaa';

describe('sendableHeaders: credentials sent', () => {
  it('counts the redaction credential set, cookie included, and secret-looking names', () => {
    for (const name of ['authorization', 'cookie', 'x-api-key', 'proxy-authorization', 'token'])
      expect(isCredentialHeader(name), name).toBe(true);
    for (const name of ['x-trace', 'accept', 'x-request-id', 'user-agent'])
      expect(isCredentialHeader(name), name).toBe(false);
  });

  it('names a mapped credential, recorded or added, and not a dropped one', () => {
    const out = sendableHeaders(
      { authorization: `Bearer ${TOKEN}`, cookie: `sid=${TOKEN}`, 'x-trace': TOKEN },
      new Map([
        ['authorization', 'live-credential-0123456789'],
        ['x-api-key', 'live-key-0123456789'],
      ]),
      new Set(),
    );
    expect(out.dropped).toEqual(['cookie', 'x-trace']);
    expect(out.credentialsSent).toEqual(['authorization', 'x-api-key']);
  });

  it('names a credential header a flow carried, and nothing when every credential was withheld', () => {
    expect(
      sendableHeaders(
        { authorization: 'Bearer carried-live-token' },
        new Map(),
        new Set(['authorization']),
      ).credentialsSent,
    ).toEqual(['authorization']);
    const withheld = sendableHeaders({ authorization: `Bearer ${TOKEN}` }, new Map(), new Set());
    expect(withheld).toMatchObject({ dropped: ['authorization'], credentialsSent: [] });
  });
});
