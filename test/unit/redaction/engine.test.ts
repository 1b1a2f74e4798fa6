import { describe, expect, it } from 'vitest';
import { SecretRegistry } from '../../../src/core/redaction/registry.js';
import { isPseudonym, REDACTED } from '../../../src/core/redaction/pseudonym.js';
import { scanInteraction } from '../../../src/core/redaction/scan.js';
import { interaction, jsonOf, otherHash, redactorWith } from '../../helpers/redaction.js';

const TOKEN = 'Zq8xK2mP9vR4tY7wA1sD3fG6hJ0kL5nB';
const text = (value: unknown) => JSON.stringify(value);

describe('built-in redaction (no rule files)', () => {
  const redactor = redactorWith();

  it('pseudonymizes credential headers in both directions, keeping the scheme, cookie names and Set-Cookie attributes', () => {
    const { value } = redactor.redactInteraction(
      interaction(
        {
          headers: {
            authorization: `Bearer ${TOKEN}`,
            cookie: `sid=${TOKEN}; theme=dark`,
            'x-api-key': TOKEN,
            accept: 'application/json',
          },
        },
        { headers: { 'set-cookie': [`sid=${TOKEN}; Path=/; HttpOnly`, 'lang=en; Max-Age=60'] } },
      ),
    );
    expect(text(value)).not.toContain(TOKEN);
    expect(value.request.headers['authorization']).toMatch(/^Bearer tdp_[a-z2-7]{24}$/);
    expect(value.request.headers['cookie']).toMatch(
      /^sid=tdp_[a-z2-7]{24}; theme=tdp_[a-z2-7]{24}$/,
    );
    expect((value.response.headers['set-cookie'] as string[])[0]).toMatch(
      /^sid=tdp_[a-z2-7]{24}; Path=\/; HttpOnly$/,
    );
    expect(value.request.headers['accept']).toBe('application/json');
  });

  it('gives the same secret the same pseudonym everywhere', () => {
    const { value } = redactor.redactInteraction(
      interaction({ headers: { authorization: `Bearer ${TOKEN}`, cookie: `sid=${TOKEN}` } }),
    );
    const fromAuth = (value.request.headers['authorization'] as string).split(' ')[1];
    expect(value.request.headers['cookie']).toBe(`sid=${fromAuth}`);
  });

  it('keeps secret-named query parameters out, every value of a repeated one', () => {
    const { value } = redactor.redactInteraction(
      interaction({ query: { api_key: TOKEN, access_token: ['a1b2c3d4e5', TOKEN], limit: '10' } }),
    );
    expect(text(value)).not.toContain(TOKEN);
    expect(text(value)).not.toContain('a1b2c3d4e5');
    expect(value.request.query['limit']).toBe('10');
  });

  it('finds token shapes anywhere: JWTs, cloud keys, VCS tokens, payment keys, webhook secrets, private keys', () => {
    const jwt =
      'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwiZXhwIjoxNzAwMDAwMDAwfQ.c2lnbmF0dXJlc2lnbmF0dXJl';
    const secrets = [
      jwt,
      'AKIAIOSFODNN7EXAMPLE',
      'ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789',
      'sk_live_51Habcdefghijklmnop',
      'whsec_abcdefghijklmnopqrstuvwx',
      '-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAK\n-----END RSA PRIVATE KEY-----',
    ];
    const { value } = redactor.redactInteraction(
      interaction(
        {
          method: 'POST',
          body: { encoding: 'json', json: { notes: secrets.map((s) => `see ${s} here`) } },
        },
        { body: { encoding: 'text', text: `key: ${secrets[1]!}` } },
      ),
    );
    for (const s of secrets) expect(text(value), s.slice(0, 12)).not.toContain(s);
    const notes = jsonOf<{ notes: string[] }>(value.request.body).notes;
    expect(notes[0]).toMatch(/^see eyJ[\w-]+\.[\w-]+\.[\w-]+ here$/);
  });

  it('keeps JWT pseudonyms JWT-shaped with the time claims, and recognisable', () => {
    const payload = btoa(
      JSON.stringify({ sub: 'user-42', email: 'a@corp.io', exp: 1_900_000_000 }),
    ).replace(/=+$/, '');
    const jwt = `eyJhbGciOiJIUzI1NiJ9.${payload}.c2lnbmF0dXJl`;
    const { value } = redactor.redactInteraction(
      interaction({ headers: { authorization: `Bearer ${jwt}` } }),
    );
    const pseudo = (value.request.headers['authorization'] as string).slice('Bearer '.length);
    expect(isPseudonym(pseudo)).toBe(true);
    const claims = JSON.parse(
      atob(pseudo.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/')),
    ) as Record<string, unknown>;
    expect(claims['exp']).toBe(1_900_000_000);
    expect(text(claims)).not.toContain('user-42');
    expect(text(claims)).not.toContain('corp.io');
  });

  it('keeps personal data shaped: an email stays an email, a card a Luhn-valid test number, a phone a phone', () => {
    const { value } = redactor.redactInteraction(
      interaction(
        {},
        {
          body: {
            encoding: 'json',
            json: {
              email: 'jane.doe@corp.io',
              card: '4012 8888 8888 1881',
              phone: '+44 20 7946 0958',
            },
          },
        },
      ),
    );
    const json = (value.response.body as { json: Record<string, string> }).json;
    expect(json['email']).toMatch(/^td-[0-9a-f]{10}@example\.com$/);
    expect(json['card']).toMatch(/^4000 00\d\d \d{4} \d{4}$/);
    expect(json['phone']).toMatch(/^\+1555\d{7}$/);
  });

  it('leaves UUIDs, timestamps, hashes, order numbers and test addresses readable', () => {
    const json = {
      id: '550e8400-e29b-41d4-a716-446655440000',
      created: '2026-01-02T03:04:05Z',
      unix: 1700000000,
      sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      order: 'ORD-2024-000123',
      orderNumber: '4000123412341234',
      support: 'help@example.com',
      token_type: 'Bearer',
      etag: 'W/"5f3c-1a2b"',
      publishable: 'pk_test_51Habcdefghijklmnop',
    };
    const { value, findings } = redactor.redactInteraction(
      interaction({}, { body: { encoding: 'json', json } }),
    );
    expect((value.response.body as { json: unknown }).json).toEqual(json);
    expect(findings).toEqual([]);
  });

  it('treats secret-named fields as secrets whatever their value, and secret-ish names when the value looks random', () => {
    const { value } = redactor.redactInteraction(
      interaction({
        method: 'POST',
        body: {
          encoding: 'json',
          json: {
            user: {
              password: 'hunter2',
              pin: 1234,
              api_signing_key: 'q8Zr2LxW9mKp4Tn7Vb3C',
              key_name: 'primary',
            },
          },
        },
      }),
    );
    const user = jsonOf<{ user: Record<string, unknown> }>(value.request.body).user;
    expect(user['password']).not.toBe('hunter2');
    expect(user['pin']).not.toBe(1234);
    expect(user['api_signing_key']).toMatch(/^tdp_/);
    expect(user['key_name']).toBe('primary');
  });

  it('redacts form and multipart fields without disturbing the others', () => {
    const form = redactor.redactInteraction(
      interaction({
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: {
          encoding: 'text',
          text: `user=jane&password=s3cret%21&client_secret=${TOKEN}&note=a+b`,
        },
      }),
    ).value;
    const formText = (form.request.body as { text: string }).text;
    expect(formText).toMatch(
      /^user=jane&password=tdp_[a-z2-7]{24}&client_secret=tdp_[a-z2-7]{24}&note=a\+b$/,
    );

    const boundary = 'XyZ';
    const multipart = [
      `--${boundary}`,
      'Content-Disposition: form-data; name="title"',
      '',
      'hello',
      `--${boundary}`,
      'Content-Disposition: form-data; name="password"',
      '',
      's3cret!',
      `--${boundary}--`,
      '',
    ].join('\r\n');
    const mp = redactor.redactInteraction(
      interaction({
        method: 'POST',
        headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
        body: { encoding: 'text', text: multipart },
      }),
    ).value;
    const mpText = (mp.request.body as { text: string }).text;
    expect(mpText).not.toContain('s3cret!');
    expect(mpText).toContain('name="title"\r\n\r\nhello\r\n');
  });

  it('searches binary bodies for secrets too', () => {
    const bytes = `\u0000\u0001binary ${TOKEN.replace(/./g, 'x')} sk_live_51Habcdefghijklmnop \u00ff`;
    const { value } = redactor.redactInteraction(
      interaction({}, { body: { encoding: 'base64', base64: btoa(bytes) } }),
    );
    expect(atob((value.response.body as { base64: string }).base64)).not.toContain(
      'sk_live_51Habcdefghijklmnop',
    );
  });

  it('finds secrets in path segments and in Location query strings', () => {
    const { value } = redactor.redactInteraction(
      interaction(
        { path: '/v1/users/jane.doe%40corp.io/keys/sk_live_51Habcdefghijklmnop' },
        { status: 302, headers: { location: `/next?access_token=${TOKEN}&page=2` } },
      ),
    );
    expect(value.request.path).toMatch(
      /^\/v1\/users\/td-[0-9a-f]{10}%40example\.com\/keys\/tdp_[a-z2-7]{24}$/,
    );
    expect(value.response.headers['location']).toMatch(
      /^\/next\?access_token=tdp_[a-z2-7]{24}&page=2$/,
    );
  });
});

describe('value tracking', () => {
  const redactor = redactorWith();

  it('replaces a secret everywhere in the interaction once it is known, in every encoding', () => {
    const b64 = btoa(TOKEN);
    const hex = [...TOKEN].map((c) => c.charCodeAt(0).toString(16).padStart(2, '0')).join('');
    const { value } = redactor.redactInteraction(
      interaction(
        {
          headers: { authorization: `Bearer ${TOKEN}`, 'x-echo': `t=${encodeURIComponent(TOKEN)}` },
          query: { state: b64 },
        },
        {
          body: {
            encoding: 'json',
            json: { echoed: TOKEN, nested: { deeper: [`prefix-${TOKEN}-suffix`, hex] } },
          },
        },
      ),
    );
    const all = text(value);
    for (const form of [TOKEN, b64, hex, encodeURIComponent(TOKEN)])
      expect(all).not.toContain(form);
  });

  it('carries a token issued by one response into the next request of the cassette', () => {
    const registry = new SecretRegistry();
    const issued = redactor.redactInteraction(
      interaction(
        { method: 'POST', path: '/oauth/token' },
        { body: { encoding: 'json', json: { access_token: TOKEN, token_type: 'Bearer' } } },
      ),
      registry,
    ).value;
    const pseudonym = jsonOf<{ access_token: string }>(issued.response.body).access_token;
    expect(pseudonym).toMatch(/^tdp_/);
    // The next request sends the token in a place no rule looks at.
    const used = redactor.redactInteraction(
      interaction({ path: '/me', headers: { 'x-forwarded-ctx': `v1:${TOKEN}` } }),
      registry,
    ).value;
    expect(used.request.headers['x-forwarded-ctx']).toBe(`v1:${pseudonym}`);
  });

  it('does not track very short values everywhere', () => {
    const { value } = redactor.redactInteraction(
      interaction({ query: { pin: '42' }, path: '/items/42' }),
    );
    expect(value.request.path).toBe('/items/42');
  });
});

describe('rules', () => {
  it('applies every target with every action', () => {
    const redactor = redactorWith([
      { id: 'hdr', target: 'header', name: 'X-Partner', action: 'remove' },
      { id: 'qry', target: 'query', name: 'Session', action: 'mask' },
      { id: 'pth', target: 'path', pattern: '^/reset/([^/]+)', action: 'pseudonymize' },
      { id: 'ck', target: 'cookie', name: 'tracking', action: 'remove' },
      { id: 'js', target: 'json', path: '$.customer.*.taxId', action: 'mask' },
      { id: 'js-remove', target: 'json', path: '$..internal', action: 'remove' },
      { id: 'frm', target: 'form', name: 'ssn', action: 'mask' },
      { id: 'txt', target: 'body', pattern: 'ACCT-(\\d{6,})', action: 'pseudonymize' },
      {
        id: 'loc',
        target: 'header',
        name: 'location',
        in: 'response',
        pattern: 'code=([^&]+)',
        action: 'pseudonymize',
      },
    ]);
    const { value, findings } = redactor.redactInteraction(
      interaction(
        {
          path: '/reset/abcdef123456',
          query: { session: 'plainvalue' },
          headers: { 'x-partner': 'p-1', cookie: 'tracking=t1; keep=k1' },
          method: 'POST',
          body: {
            encoding: 'json',
            json: {
              customer: { a: { taxId: 'TX-1' }, b: { taxId: 'TX-2' } },
              internal: { x: 1 },
              note: 'ACCT-123456789',
            },
          },
        },
        {
          status: 302,
          headers: { location: '/cb?code=authcode123&state=ok' },
          body: { encoding: 'text', text: 'your ACCT-987654321' },
        },
      ),
    );
    expect(value.request.headers['x-partner']).toBeUndefined();
    expect(value.request.query['session']).toBe(REDACTED);
    expect(value.request.path).toMatch(/^\/reset\/tdp_[a-z2-7]{24}$/);
    expect(value.request.headers['cookie']).toMatch(/^ keep=tdp_|^keep=tdp_/);
    const json = (value.request.body as { json: Record<string, unknown> }).json;
    expect(json).toMatchObject({ customer: { a: { taxId: REDACTED }, b: { taxId: REDACTED } } });
    expect(json['internal']).toBeUndefined();
    expect(json['note']).toMatch(/^ACCT-tdp_/);
    expect((value.response.body as { text: string }).text).toMatch(/^your ACCT-tdp_/);
    expect(value.response.headers['location']).toMatch(/^\/cb\?code=tdp_[a-z2-7]{24}&state=ok$/);
    expect(new Set(findings.map((f) => f.rule))).toEqual(
      new Set([
        'hdr',
        'qry',
        'pth',
        'ck',
        'js',
        'js-remove',
        'txt',
        'loc',
        'builtin/credential-header',
      ]),
    );
  });

  it('compares names case-insensitively and percent-decoded', () => {
    const redactor = redactorWith([
      { id: 'q', target: 'query', name: 'Customer Email', action: 'mask' },
    ]);
    const { value } = redactor.redactInteraction(interaction({ query: { 'CUSTOMER EMAIL': 'x' } }));
    expect(value.request.query['CUSTOMER EMAIL']).toBe(REDACTED);
  });
});

describe('idempotency and keys', () => {
  const redactor = redactorWith([
    { id: 'js', target: 'json', path: '$..secretCode', action: 'pseudonymize' },
  ]);
  const sample = interaction(
    {
      headers: { authorization: `Basic ${btoa('jane:pa55word!')}`, cookie: `sid=${TOKEN}` },
      query: { api_key: TOKEN },
    },
    {
      body: {
        encoding: 'json',
        json: { secretCode: 'abc-123-xyz', email: 'jane@corp.io', card: '4012888888881881' },
      },
    },
  );

  it('changes nothing on a second pass', () => {
    const once = redactor.redactInteraction(sample).value;
    const twice = redactor.redactInteraction(once);
    expect(twice.value).toEqual(once);
    expect(twice.findings).toEqual([]);
  });

  it('is deterministic for a key and different under another key', () => {
    const a = redactor.redactInteraction(sample).value;
    const b = redactor.redactInteraction(sample).value;
    const c = redactorWith(
      [{ id: 'js', target: 'json', path: '$..secretCode', action: 'pseudonymize' }],
      otherHash,
    ).redactInteraction(sample).value;
    expect(a).toEqual(b);
    expect(a.request.headers['cookie']).not.toEqual(c.request.headers['cookie']);
  });

  it('leaves nothing for the scanner to find', () => {
    const registry = new SecretRegistry();
    const { value } = redactor.redactInteraction(sample, registry);
    expect(scanInteraction(value, { rules: redactor.rules, registry })).toEqual([]);
  });
});
