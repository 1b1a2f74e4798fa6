/**
 * Issue 16's journal, unit by unit: the text line of `tapedeck journal` (golden file), the
 * parameters of a journal read (one parser for the admin route and the command), what the
 * sandbox keeps (cassette hits too) and the retention sweep (at start, then hourly on the
 * scheduler).
 */
import { describe, expect, it } from 'vitest';
import { MemoryJournalStore } from '../../src/adapters/state/memory/index.js';
import { Journal, retentionPrune } from '../../src/app/journal/journal.js';
import { parseJournalParams } from '../../src/app/journal/params.js';
import { adminLayer, journalRoutes } from '../../src/app/layers/admin/index.js';
import { runPipeline } from '../../src/app/pipeline/run.js';
import type { IncomingRequest } from '../../src/core/ports/index.js';
import type { ResolvedTenant } from '../../src/core/sandbox/tenant.js';
import { isTapedeckError } from '../../src/core/errors.js';
import type { JournalEntry, JournalPrune } from '../../src/core/ports/journal.js';
import { renderJournalText } from '../../src/core/render/journal-text.js';
import type { Style } from '../../src/core/render/text.js';
import { ManualTime } from '../helpers/manual-time.js';

const AT = Date.UTC(2025, 4, 1, 12, 0, 0);
const DAY = 86_400_000;

/** Entries that between them use every fact the line shows. */
const ENTRIES: JournalEntry[] = [
  {
    at: AT,
    session: '',
    method: 'POST',
    path: '/v1/customers',
    layer: 'state',
    status: 200,
    durationMs: 3.4,
    tenant: 'tn_1',
    requestId: 'req_0123456789abcdefghijklmn',
    tenantAt: AT + 3_600_000,
    operation: 'PostCustomers',
    route: '/v1/customers',
    idempotencyKeyHash: 'a'.repeat(64),
    idempotency: 'fresh',
    conforms: true,
    events: ['evt_1', 'evt_2'],
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
  },
  {
    at: AT + 1000,
    session: 'ci-7',
    method: 'POST',
    path: '/v1/payment_intents',
    layer: 'scenario',
    status: 402,
    durationMs: 0.6,
    tenant: 'tn_1',
    scenario: 'card-declined',
    firedBy: 'body /amount = 4000',
    outcome: 'error',
    conforms: false,
    violations: ['body /currency: required', 'body /amount: type'],
  },
  {
    at: AT + 2000,
    session: '',
    method: 'GET',
    path: '/v1/customers',
    layer: 'limits',
    status: 429,
    durationMs: 0.2,
    tenant: 'tn_2',
    retryAfter: 2,
  },
  {
    at: AT + 3000,
    session: '',
    method: 'GET',
    path: '/v1/charges',
    layer: 'cassette',
    status: 200,
    durationMs: 1,
    cassette: 'charges',
    position: 3,
    tenant: 'tn_1',
    page: { more: true, cursor: true },
  },
  {
    at: AT + 4000,
    session: '',
    method: 'GET',
    path: '/nope',
    layer: 'miss',
    status: 501,
    durationMs: 0,
  },
];

const BRACKETS: Style = {
  bold: (s) => `<b>${s}</b>`,
  dim: (s) => `<d>${s}</d>`,
  red: (s) => `<r>${s}</r>`,
  green: (s) => `<g>${s}</g>`,
  yellow: (s) => `<y>${s}</y>`,
};

describe('the journal as text', () => {
  it('renders one line per entry, every fact named (golden file)', async () => {
    const text = renderJournalText(ENTRIES, undefined, new Map([['tn_1', 'acme']]));
    await expect(text).toMatchFileSnapshot('../golden/journal-text.txt');
    expect(text.split('\n')).toHaveLength(ENTRIES.length + 1);
  });

  it('shows the tenant clock when the entry has one, and colours only through the style', () => {
    const [line] = renderJournalText([ENTRIES[0]!], BRACKETS).split('\n');
    expect(line).toMatch(/^<d>2025-05-01T13:00:00.000Z<\/d> {2}<g>200<\/g>/);
    const declined = renderJournalText([ENTRIES[1]!], BRACKETS);
    expect(declined).toContain('<y>402</y>');
    expect(declined).toContain('<r>conforms=no(2)</r>');
    expect(renderJournalText([ENTRIES[4]!], BRACKETS)).toContain('<r>501</r>');
    // Plain: no escape codes, nothing but the words.
    const plain = renderJournalText(ENTRIES);
    expect(plain).not.toContain('<');
    expect(plain).not.toContain('\u001b');
  });
});

/** Parses a query string as the admin route does. */
function parse(query: string, now = AT) {
  const params = new URLSearchParams(query);
  return parseJournalParams((name) => params.get(name), params.keys(), now);
}

/** The parameter a refused query names. */
function refused(query: string): unknown {
  try {
    parse(query);
  } catch (error) {
    if (isTapedeckError(error) && error.code === 'TD_USAGE') return error.details['parameter'];
    throw error;
  }
  return 'accepted';
}

describe('journal parameters', () => {
  it('reads every filter, and says whether only the store can answer', () => {
    expect(parse('')).toEqual({ query: { limit: 100 }, kept: false, filtered: false });
    expect(parse('limit=5&kept=1')).toEqual({ query: { limit: 5 }, kept: true, filtered: false });
    expect(
      parse(
        'tenant=acme&since=2025-05-01T11:00:00Z&operation=GET /v1/x&status=4xx&layer=state,cassette&limit=10&cursor=42',
      ),
    ).toEqual({
      tenant: 'acme',
      query: {
        limit: 10,
        since: AT - 3_600_000,
        operation: 'GET /v1/x',
        status: '4xx',
        layers: ['state', 'cassette'],
        before: 42,
      },
      kept: false,
      filtered: true,
    });
    expect(parse('status=404').query.status).toBe(404);
    expect(parse('since=15m').query.since).toBe(AT - 15 * 60_000);
    expect(parse('since=2025-05-01').query.since).toBe(Date.UTC(2025, 4, 1));
    expect(parse(`since=${AT}`).query.since).toBe(AT);
  });

  it('refuses a parameter it cannot read with a 400 naming it', () => {
    expect(refused('status=abc')).toBe('status');
    expect(refused('status=600')).toBe('status');
    expect(refused('status=4XX')).toBe('accepted');
    expect(refused('layer=state,nope')).toBe('layer');
    expect(refused('layer=')).toBe('layer');
    expect(refused('limit=0')).toBe('limit');
    expect(refused('limit=10001')).toBe('limit');
    expect(refused('limit=ten')).toBe('limit');
    expect(refused('since=yesterday')).toBe('since');
    expect(refused('since=2025-13-45')).toBe('since');
    expect(refused('cursor=-1')).toBe('cursor');
    expect(refused('cursor=abc')).toBe('cursor');
    expect(refused('tenant=')).toBe('tenant');
    expect(refused('operation=%20')).toBe('operation');
    expect(refused('kept=yes')).toBe('kept');
    // A typo is refused, not ignored: ignoring it would answer more than was asked for.
    expect(refused('opertion=x')).toBe('opertion');
  });
});

function entry(i: number, over: Partial<JournalEntry> = {}): JournalEntry {
  return {
    at: AT + i,
    session: '',
    method: 'GET',
    path: `/p/${i}`,
    layer: 'cassette',
    status: 200,
    durationMs: 1,
    ...over,
  };
}

/** A memory store that remembers each prune it was asked for. */
class PruneWatch extends MemoryJournalStore {
  prunes: JournalPrune[] = [];
  override prune(prune: JournalPrune): Promise<number> {
    this.prunes.push(prune);
    return super.prune(prune);
  }
}

describe('what the journal keeps', () => {
  it('keeps cassette hits only when told to (the sandbox), never in replay', async () => {
    const time = new ManualTime(AT);
    for (const keep of [false, true]) {
      const store = new MemoryJournalStore();
      const journal = new Journal(store, {
        scheduler: time,
        onWriteError: (e) => {
          throw e;
        },
        ...(keep ? { keepCassetteHits: true } : {}),
      });
      journal.record(entry(1));
      journal.record(entry(2, { layer: 'miss', status: 501 }));
      const kept = await journal.query({ limit: 10 });
      expect(kept.map((e) => e.layer)).toEqual(keep ? ['miss', 'cassette'] : ['miss']);
      await journal.close();
    }
  });

  it('sweeps at start and then every hour through the scheduler, until closed', async () => {
    const time = new ManualTime(AT);
    const store = new PruneWatch();
    const journal = new Journal(store, {
      scheduler: time,
      keepCassetteHits: true,
      onWriteError: (e) => {
        throw e;
      },
    });
    // Two old entries of one tenant, three new ones: days 40 and 31 go, and one beyond the cap.
    await store.append([
      entry(0, { at: AT - 40 * DAY, tenant: 't' }),
      entry(1, { at: AT - 31 * DAY, tenant: 't' }),
      entry(2, { tenant: 't' }),
      entry(3, { tenant: 't' }),
      entry(4, { tenant: 't' }),
    ]);
    const retention = { retentionDays: 30, maxEntriesPerTenant: 2 };
    expect(await journal.keepFor(retention, time)).toBe(3);
    expect(store.prunes).toEqual([{ before: AT - 30 * DAY, keepPerTenant: 2 }]);
    expect((await store.query({ limit: 10 })).map((e) => e.path)).toEqual(['/p/4', '/p/3']);

    await time.advance(3_600_000 - 1);
    expect(store.prunes).toHaveLength(1);
    await time.advance(1);
    expect(store.prunes).toHaveLength(2);
    expect(store.prunes[1]).toEqual(retentionPrune(retention, AT + 3_600_000));
    await time.advance(3_600_000);
    expect(store.prunes).toHaveLength(3);

    await journal.close();
    expect(time.pending).toBe(0);
    await time.advance(10 * 3_600_000);
    expect(store.prunes).toHaveLength(3);
  });

  it('reports a failed hourly sweep and keeps sweeping', async () => {
    const time = new ManualTime(AT);
    const store = new PruneWatch();
    const errors: unknown[] = [];
    const journal = new Journal(store, { scheduler: time, onWriteError: (e) => errors.push(e) });
    await journal.keepFor({ retentionDays: 30, maxEntriesPerTenant: 100 }, time);
    const original = store.prune.bind(store);
    store.prune = (p) => {
      store.prune = original;
      store.prunes.push(p);
      return Promise.reject(new Error('disk gone'));
    };
    await time.advance(3_600_000);
    expect(errors.map((e) => (e as Error).message)).toEqual(['disk gone']);
    await time.advance(3_600_000);
    expect(store.prunes).toHaveLength(3);
    await journal.close();
  });
});

/** A request to the admin API, as the HTTP adapter hands it in. */
function adminRequest(query: string, authorization?: string): IncomingRequest {
  return {
    method: 'GET',
    target: `/__tapedeck/journal?${query}`,
    path: '/__tapedeck/journal',
    rawQuery: query,
    headers: authorization === undefined ? {} : { authorization: [authorization] },
    rawBody: undefined,
    signal: new AbortController().signal,
  };
}

describe('the journal route: who may read', () => {
  const TENANTS = [
    { id: 'tn_a', name: 'acme', key: 'key-a' },
    { id: 'tn_b', name: 'globex', key: 'key-b' },
  ];
  async function server(token: string | undefined) {
    const time = new ManualTime(AT);
    const store = new MemoryJournalStore();
    const journal = new Journal(store, { scheduler: time, onWriteError: () => undefined });
    await store.append([entry(1, { tenant: 'tn_a' }), entry(2, { tenant: 'tn_b' }), entry(3)]);
    const handler = runPipeline({
      layers: [
        adminLayer({
          token,
          routes: [
            journalRoutes(journal, {
              findTenant: (n) => Promise.resolve(TENANTS.find((t) => t.name === n || t.id === n)),
              // As the tenant layer: the key → context.tenant, or the profile's 401.
              tenantOf: (context) => {
                const given = context.incoming.headers['authorization']?.[0];
                const found = TENANTS.find((t) => `Bearer ${t.key}` === given);
                if (found === undefined)
                  return { reply: { kind: 'simple', status: 401, headers: [], body: 'no key' } };
                context.setTenant({ id: found.id, name: found.name } as ResolvedTenant);
                return undefined;
              },
              now: () => time.now(),
            }),
          ],
        }),
      ],
      clock: time,
      journal: { record: () => undefined },
      stats: { answered: () => undefined },
    });
    return async (query: string, authorization?: string) => {
      const reply = await handler(adminRequest(query, authorization));
      if (reply.kind !== 'simple') throw new Error(`a ${reply.kind} reply`);
      return {
        status: reply.status,
        tenants:
          reply.status === 200
            ? (JSON.parse(reply.body) as Page).entries.map((e) => e.tenant ?? '-')
            : [],
      };
    };
  }
  interface Page {
    entries: { tenant?: string }[];
  }

  it('with an admin token configured: the token reads all, a key its own', async () => {
    const read = await server('admin-secret');
    expect(await read('', 'Bearer admin-secret')).toEqual({
      status: 200,
      tenants: ['-', 'tn_b', 'tn_a'],
    });
    expect(await read('tenant=globex', 'Bearer admin-secret')).toEqual({
      status: 200,
      tenants: ['tn_b'],
    });
    expect(await read('', 'Bearer key-a')).toEqual({ status: 200, tenants: ['tn_a'] });
    expect((await read('tenant=globex', 'Bearer key-a')).status).toBe(403);
    expect((await read('', 'Bearer nobody')).status).toBe(401);
  });

  it('with no admin token configured: tenant keys only, never every tenant', async () => {
    const read = await server(undefined);
    expect((await read('')).status).toBe(401);
    expect(await read('', 'Bearer key-b')).toEqual({ status: 200, tenants: ['tn_b'] });
    expect((await read('tenant=acme', 'Bearer key-b')).status).toBe(403);
  });
});

describe('the journal route of replay and mock', () => {
  it('counts `since=15m` from the server clock, not from real time', async () => {
    const time = new ManualTime(AT);
    const store = new MemoryJournalStore();
    const journal = new Journal(store, { scheduler: time, onWriteError: () => undefined });
    await store.append([entry(-20 * 60_000), entry(-10 * 60_000), entry(-60_000)]);
    const handler = runPipeline({
      layers: [
        adminLayer({ token: 'admin-secret', routes: [journalRoutes(journal, undefined, time)] }),
      ],
      clock: time,
      journal: { record: () => undefined },
      stats: { answered: () => undefined },
    });
    const reply = await handler(adminRequest('since=15m', 'Bearer admin-secret'));
    if (reply.kind !== 'simple') throw new Error(`a ${reply.kind} reply`);
    expect(reply.status).toBe(200);
    const { entries } = JSON.parse(reply.body) as { entries: { at: number }[] };
    // Real time is years after AT: counted from it, none would be kept.
    expect(entries.map((e) => e.at)).toEqual([AT - 60_000, AT - 10 * 60_000]);
  });
});
