import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCleanups } from '../helpers/cleanup.js';
import { send } from '../helpers/client.js';
import { layout, startTapedeck } from '../helpers/tapedeck.js';
import { tmpDir } from '../helpers/tmp.js';
import { startUpstream } from '../helpers/upstream.js';

afterEach(runCleanups);

const KEY_ENV = { TAPEDECK_REDACTION_KEY: 'rerecord-test-key-0123456789' };

/**
 * An upstream whose answers carry what changes on every exchange (a `date` a second later each
 * time, a fresh `x-request-id`; the measured latency varies by itself) and otherwise depend only
 * on the request and `version`. Time is the upstream's counter, not the wall clock: no sleeps.
 */
async function flakyTimingUpstream(version: { items: string }) {
  let n = 0;
  return startUpstream((req, res) => {
    n++;
    const path = req.url.split('?')[0];
    const body =
      path === '/items'
        ? { items: version.items.split(','), page: 1 }
        : { path, query: req.url.split('?')[1] ?? '', ua: req.headers['user-agent'] };
    res.writeHead(200, {
      'content-type': 'application/json',
      date: new Date(Date.UTC(2026, 11, 1, 10, 0, n)).toUTCString(),
      'x-request-id': `req-${n}`,
      'cache-control': 'no-store',
    });
    res.end(`${JSON.stringify(body)}\n`);
  });
}

async function recordFlow(root: string, target: string): Promise<string> {
  const proxy = await startTapedeck('record', {
    ...layout(root),
    target,
    mode: 'all',
    env: KEY_ENV,
  });
  const headers = { 'user-agent': 'flow-test/1' };
  for (const path of ['/items', '/orders?limit=2', '/orders/ord_1', '/items']) {
    const r = await send(proxy.url, path, { headers });
    expect(r.status).toBe(200);
  }
  await proxy.stop();
  return readFileSync(join(root, 'cassettes', 'default.json'), 'utf8');
}

describe('record --mode all over an unchanged upstream', () => {
  it('leaves the cassette byte-identical, and a changed answer changes only its own lines', async () => {
    const root = await tmpDir();
    const version = { items: 'a,b' };
    const upstream = await flakyTimingUpstream(version);

    const first = await recordFlow(root, upstream.url);
    const doc = JSON.parse(first) as {
      interactions: { latencyMs: number; recordedAt: string; response: { headers: object } }[];
    };
    expect(doc.interactions).toHaveLength(4);
    // The volatile parts are really there, and really differ between exchanges.
    expect(doc.interactions[0]!.response.headers).toHaveProperty('date');
    expect(new Set(doc.interactions.map((i) => i.recordedAt)).size).toBe(4);

    const second = await recordFlow(root, upstream.url);
    expect(second).toBe(first);

    version.items = 'a,b,c';
    const third = await recordFlow(root, upstream.url);
    const { removed, added } = lineDiff(first.split('\n'), third.split('\n'));
    expect(added.length).toBeGreaterThan(0);
    // Every changed line lies inside one of the two /items interactions (0 and 3).
    const owners = (text: string, lines: number[]) =>
      new Set(lines.map((line) => interactionAt(text.split('\n'), line)));
    expect(owners(third, added)).toEqual(new Set([0, 3]));
    expect(owners(first, removed)).toEqual(new Set([0, 3]));
    const redone = JSON.parse(third) as typeof doc;
    expect(redone.interactions[1]).toEqual(doc.interactions[1]);
    expect(redone.interactions[2]).toEqual(doc.interactions[2]);
    expect(redone.interactions[0]!.recordedAt).not.toBe(doc.interactions[0]!.recordedAt);
  });
});

/** Which interaction (0-based) a line of a cassette file belongs to: they start at `    {`. */
function interactionAt(lines: readonly string[], line: number): number {
  let k = -1;
  for (let i = 0; i <= line; i++) if (lines[i] === '    {') k++;
  return k;
}

/** Line numbers removed from `a` and added in `b` by a longest-common-subsequence diff. */
function lineDiff(
  a: readonly string[],
  b: readonly string[],
): { removed: number[]; added: number[] } {
  const n = a.length;
  const m = b.length;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--)
      lcs[i]![j] =
        a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  const removed: number[] = [];
  const added: number[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      i++;
      j++;
    } else if (j < m && (i === n || lcs[i]![j + 1]! >= lcs[i + 1]![j]!)) added.push(j++);
    else removed.push(i++);
  }
  return { removed, added };
}
