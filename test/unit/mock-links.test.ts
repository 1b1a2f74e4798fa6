import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_LAST_PAGE,
  mockOrigin,
  paginationLinks,
  parseLinkHeader,
  rewriteJsonUrls,
  rewriteUrl,
  specServers,
} from '../../src/core/mock/openapi/links.js';
import { assertProperty } from '../helpers/property.js';

const GITHUB = specServers({ openapi: '3.0.3', servers: [{ url: 'https://api.github.com' }] });
const STRIPE = specServers({ openapi: '3.0.0', servers: [{ url: 'https://api.stripe.com/v1/' }] });
const ORIGIN = 'http://127.0.0.1:4010';
const EXAMPLE =
  '<https://api.github.com/resource?page=2>; rel="next", <https://api.github.com/resource?page=5>; rel="last"';

describe('spec servers', () => {
  it('reads OpenAPI servers (variables at their defaults) and Swagger host + basePath', () => {
    expect(GITHUB).toEqual([{ authority: 'api.github.com', basePath: '' }]);
    expect(STRIPE).toEqual([{ authority: 'api.stripe.com', basePath: '/v1' }]);
    expect(
      specServers({
        openapi: '3.1.0',
        servers: [
          { url: '/relative' },
          {
            url: '{scheme}://{host}/api/v3',
            variables: { scheme: { default: 'https' }, host: { default: 'ghe.example' } },
          },
        ],
      }),
    ).toEqual([{ authority: 'ghe.example', basePath: '/api/v3' }]);
    expect(specServers({ swagger: '2.0', host: 'petstore.swagger.io', basePath: '/v2' })).toEqual([
      { authority: 'petstore.swagger.io', basePath: '/v2' },
    ]);
    expect(specServers({ openapi: '3.0.0' })).toEqual([]);
  });
});

describe('mockOrigin: which Host builds links', () => {
  it.each([
    ['127.0.0.1:4010', 'http://127.0.0.1:4010'],
    ['localhost:8080', 'http://localhost:8080'],
    ['LOCALHOST', 'http://localhost'],
    ['api.localhost:1', 'http://api.localhost:1'],
    ['[::1]:4010', 'http://[::1]:4010'],
    ['127.1.2.3', 'http://127.1.2.3'],
    // Anything else gets origin-relative links, which resolve against the URL the client used.
    ['tapedeck:4010', ''],
    ['api.github.com', ''],
    ['evil.example@127.0.0.1', ''],
    ['127.0.0.1.evil.example', ''],
    ['127.0.0.1:4010/x', ''],
    ['127.0.0.1:0', ''],
    ['127.0.0.1:99999', ''],
    ['localhost:80, evil.example', ''],
    ['', ''],
    [undefined, ''],
  ])('Host %j → %j', (host, origin) => {
    expect(mockOrigin(host)).toBe(origin);
  });

  it('never yields an origin off loopback, whatever the Host', () => {
    assertProperty(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 40 }),
          fc.webAuthority({ withPort: true, withUserInfo: true, withIPv4: true, withIPv6: true }),
        ),
        (host) => {
          const origin = mockOrigin(host);
          if (origin === '') return;
          const url = new URL(origin);
          expect(url.protocol).toBe('http:');
          expect(url.username + url.password + url.pathname + url.search).toBe('/');
          expect(
            url.hostname === 'localhost' ||
              url.hostname.endsWith('.localhost') ||
              url.hostname === '[::1]' ||
              /^127\./.test(url.hostname),
          ).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('URLs on the spec servers move to the mock', () => {
  it('rewrites a server URL, keeps the base path, and leaves other URLs alone', () => {
    expect(rewriteUrl('https://api.github.com/repos/o/r?x=1#f', GITHUB, ORIGIN)).toBe(
      `${ORIGIN}/repos/o/r?x=1#f`,
    );
    expect(rewriteUrl('HTTPS://API.GITHUB.COM', GITHUB, ORIGIN)).toBe(ORIGIN);
    expect(rewriteUrl('https://api.github.com/repos', GITHUB, '')).toBe('/repos');
    expect(rewriteUrl('https://api.github.com', GITHUB, '')).toBe('/');
    expect(rewriteUrl('https://github.com/octocat', GITHUB, ORIGIN)).toBeUndefined();
    expect(rewriteUrl('https://api.github.com.evil.example/x', GITHUB, ORIGIN)).toBeUndefined();
    expect(rewriteUrl('https://api.stripe.com/v1/customers/c', STRIPE, ORIGIN)).toBe(
      `${ORIGIN}/v1/customers/c`,
    );
    expect(rewriteUrl('https://api.stripe.com/v10/x', STRIPE, ORIGIN)).toBeUndefined();
    expect(rewriteUrl('/already/relative', GITHUB, ORIGIN)).toBeUndefined();
  });

  it('rewrites every URL string of a JSON body, at any depth', () => {
    const body = {
      url: 'https://api.github.com/repos/o/r',
      html_url: 'https://github.com/o/r',
      owner: { repos_url: 'https://api.github.com/users/o/repos', id: 1 },
      hooks: ['https://api.github.com/hooks/1', 'plain text'],
    };
    expect(rewriteJsonUrls(body, GITHUB, ORIGIN)).toEqual({
      url: `${ORIGIN}/repos/o/r`,
      html_url: 'https://github.com/o/r',
      owner: { repos_url: `${ORIGIN}/users/o/repos`, id: 1 },
      hooks: [`${ORIGIN}/hooks/1`, 'plain text'],
    });
    expect(body.url).toBe('https://api.github.com/repos/o/r');
  });
});

describe('Link headers', () => {
  it('parses link-values with their parameters', () => {
    expect(parseLinkHeader(EXAMPLE)?.map((l) => [l.url, l.rels])).toEqual([
      ['https://api.github.com/resource?page=2', ['next']],
      ['https://api.github.com/resource?page=5', ['last']],
    ]);
    expect(parseLinkHeader('<a>; rel="next prev"; title="x, y"')?.[0]?.rels).toEqual([
      'next',
      'prev',
    ]);
    expect(parseLinkHeader('not a link')).toBeUndefined();
  });

  it('pages the request’s own collection up to the example’s last page', () => {
    const at = (target: string) => paginationLinks(EXAMPLE, { target }, GITHUB, ORIGIN);
    expect(at('/orgs/o/repos?per_page=2')).toBe(
      `<${ORIGIN}/orgs/o/repos?per_page=2&page=2>; rel="next", <${ORIGIN}/orgs/o/repos?per_page=2&page=5>; rel="last"`,
    );
    expect(at('/orgs/o/repos?page=3&per_page=2')).toBe(
      [
        `<${ORIGIN}/orgs/o/repos?page=2&per_page=2>; rel="prev"`,
        `<${ORIGIN}/orgs/o/repos?page=4&per_page=2>; rel="next"`,
        `<${ORIGIN}/orgs/o/repos?page=5&per_page=2>; rel="last"`,
        `<${ORIGIN}/orgs/o/repos?page=1&per_page=2>; rel="first"`,
      ].join(', '),
    );
    expect(at('/orgs/o/repos?page=5')).toBe(
      `<${ORIGIN}/orgs/o/repos?page=4>; rel="prev", <${ORIGIN}/orgs/o/repos?page=1>; rel="first"`,
    );
    expect(at('/orgs/o/repos?page=99')).not.toContain('rel="next"');
    // The example's own parameters are placeholders: the client's per_page stays.
    const header = '<https://api.github.com/resource?per_page=30&page=2>; rel="next"';
    expect(paginationLinks(header, { target: '/x?per_page=2' }, GITHUB, ORIGIN)).toContain(
      `<${ORIGIN}/x?per_page=2&page=2>; rel="next"`,
    );
  });

  it('uses the default last page when the example names none, and keeps other links', () => {
    const header =
      '<https://api.github.com/x?page=2>; rel="next", <https://docs.github.com/rest>; rel="help"';
    expect(
      paginationLinks(header, { target: `/r?page=${DEFAULT_LAST_PAGE}` }, GITHUB, ORIGIN),
    ).toBe(
      `<${ORIGIN}/r?page=${DEFAULT_LAST_PAGE - 1}>; rel="prev", <${ORIGIN}/r?page=1>; rel="first", <https://docs.github.com/rest>; rel="help"`,
    );
  });

  it('drops a cursor next that leads back to the request itself', () => {
    const header = '<https://api.github.com/resource?after=abc>; rel="next"';
    expect(paginationLinks(header, { target: '/events' }, GITHUB, ORIGIN)).toBe(
      `<${ORIGIN}/events?after=abc>; rel="next"`,
    );
    expect(paginationLinks(header, { target: '/events?after=abc' }, GITHUB, ORIGIN)).toBe('');
  });

  it('leaves links off the spec servers as written', () => {
    const header = '<https://elsewhere.example/x?page=2>; rel="next"';
    expect(paginationLinks(header, { target: '/x' }, GITHUB, ORIGIN)).toBe(header);
  });

  it('following next always ends on the mock, after the last page', () => {
    assertProperty(
      fc.property(
        fc.integer({ min: 1, max: 30 }),
        fc.integer({ min: 1, max: 100 }),
        fc.boolean(),
        (last, perPage, relative) => {
          const origin = relative ? '' : ORIGIN;
          const header =
            last === 1
              ? '<https://api.github.com/resource?page=1>; rel="last"'
              : `<https://api.github.com/resource?page=2>; rel="next", <https://api.github.com/resource?page=${last}>; rel="last"`;
          let target = `/repos/o/r/issues?per_page=${perPage}`;
          let pages = 1;
          for (;;) {
            const links =
              parseLinkHeader(paginationLinks(header, { target }, GITHUB, origin)) ?? [];
            for (const l of links)
              expect(l.url.startsWith(`${origin}/repos/o/r/issues?`)).toBe(true);
            const next = links.find((l) => l.rels.includes('next'));
            if (next === undefined) break;
            target = next.url.slice(origin.length);
            pages += 1;
            expect(pages).toBeLessThanOrEqual(last);
          }
          expect(pages).toBe(last);
        },
      ),
      { numRuns: 200 },
    );
  });
});
