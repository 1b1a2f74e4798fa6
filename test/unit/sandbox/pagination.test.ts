import { describe, expect, it } from 'vitest';
import { PRESETS } from '../../../src/core/sandbox/profile/presets/index.js';
import {
  fillEnvelope,
  listAnswer,
  listQuery,
  readPaging,
} from '../../../src/core/sandbox/state/pagination.js';

const stripe = PRESETS.stripe.pagination;
const github = PRESETS.github.pagination;

describe('pagination', () => {
  it('cursor-id: limit clamped, starting_after wins over ending_before, newest first', () => {
    expect(readPaging(stripe, {}).limit).toBe(10);
    expect(readPaging(stripe, { limit: '1000' }).limit).toBe(100);
    expect(readPaging(stripe, { limit: '-3' }).limit).toBe(10);
    const paging = readPaging(stripe, { starting_after: 'cus_a', ending_before: 'cus_b' });
    expect(paging).toMatchObject({ after: 'cus_a' });
    expect(paging.before).toBeUndefined();
    expect(listQuery(stripe, paging, 'customers', undefined, { email: 'x' }, (id) => id)).toEqual({
      type: 'customers',
      order: 'desc',
      limit: 10,
      where: { email: 'x' },
      after: 'cus_a',
    });
  });

  it('a limit or page past every digit count is the largest, never the first', () => {
    expect(readPaging(stripe, { limit: '99999999999' }).limit).toBe(100);
    expect(readPaging(stripe, { limit: '1'.repeat(400) }).limit).toBe(100);
    // Page 99999999 is far past the last page (empty), not page 1 again.
    const far = readPaging(github, { page: '99999999', per_page: '30' });
    expect(far.page).toBeGreaterThan(1);
    const q = listQuery(github, far, 'issues', undefined, undefined, (id) => id);
    expect(q.offset).toBeGreaterThan(1_000_000);
    expect(Number.isSafeInteger(q.offset)).toBe(true);
    expect(readPaging(github, { page: '9'.repeat(400) }).page).toBeGreaterThan(1);
  });

  it('the envelope is filled from its placeholders', () => {
    expect(
      fillEnvelope(stripe.envelope, { items: [{ id: 'a' }], hasMore: true, url: '/v1/customers' }),
    ).toEqual({ object: 'list', data: [{ id: 'a' }], has_more: true, url: '/v1/customers' });
  });

  it('page style: offset from page and per_page, a Link header on the request origin', () => {
    const query = { per_page: '10', page: '2', state: 'open' };
    const paging = readPaging(github, query);
    expect(listQuery(github, paging, 'issues', 'octo/hello', undefined, (id) => id)).toMatchObject({
      offset: 10,
      limit: 10,
      parent: 'octo/hello',
      withTotal: true,
    });
    const { body, headers } = listAnswer(
      github,
      paging,
      { items: [], hasMore: true, total: 35 },
      [{ number: 1 }],
      { origin: 'http://127.0.0.1:4010', path: '/repos/octo/hello/issues', query },
    );
    expect(body).toEqual([{ number: 1 }]);
    const link = headers.find(([name]) => name === 'link')?.[1];
    expect(link).toBe(
      [
        '<http://127.0.0.1:4010/repos/octo/hello/issues?per_page=10&page=1&state=open>; rel="prev"',
        '<http://127.0.0.1:4010/repos/octo/hello/issues?per_page=10&page=3&state=open>; rel="next"',
        '<http://127.0.0.1:4010/repos/octo/hello/issues?per_page=10&page=4&state=open>; rel="last"',
        '<http://127.0.0.1:4010/repos/octo/hello/issues?per_page=10&page=1&state=open>; rel="first"',
      ].join(', '),
    );
  });

  it('cursor style: no page-number Link, even when the profile sends Link headers', () => {
    const cursorWithLinks = { ...stripe, linkHeader: true };
    const query = { limit: '2', starting_after: 'cus_a' };
    const { headers } = listAnswer(
      cursorWithLinks,
      readPaging(cursorWithLinks, query),
      { items: [], hasMore: true },
      [{ id: 'cus_b' }, { id: 'cus_c' }],
      { origin: 'http://127.0.0.1:4010', path: '/v1/customers', query },
    );
    expect(headers.find(([name]) => name === 'link')).toBeUndefined();
  });
});
