/**
 * The three servers every raw-socket case runs against, each built by its real composition
 * (composeServer for record and replay, composeMockServer for mock) on 127.0.0.1 port 0:
 *
 * - record, in front of an echo upstream that keeps every request it saw;
 * - replay, over a cassette holding `GET /pets` (a hit) with a sentinel as its target;
 * - mock, over the petstore spec (`GET /pets` is documented), security off.
 *
 * So a request the front door lets through is answered by the pipeline (200 for `GET /pets` on
 * all three), and one it refuses must leave the upstream untouched.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { FlagValue } from '../../src/app/config/config.js';
import { serializeCassette } from '../../src/core/cassette/codec.js';
import type { ServerSummary } from '../../src/core/render/summary.js';
import { FRONT_DOOR_REASONS } from '../../src/core/http/framing.js';
import type { RawResponse } from '../helpers/raw-socket.js';
import { layout, startTapedeck } from '../helpers/tapedeck.js';
import { tempDir } from '../helpers/tmp.js';
import { startSentinel, startUpstream, type TestUpstream } from '../helpers/upstream.js';
import { SPECS, startMock } from './mock-support.js';

export const SERVER_KINDS = ['record', 'replay', 'mock'] as const;
export type ServerKind = (typeof SERVER_KINDS)[number];

export interface FrontDoorTarget {
  readonly kind: ServerKind;
  readonly port: number;
  /** What reached past tapedeck: record's upstream, replay's sentinel; none for mock. */
  readonly upstream?: TestUpstream;
  /** What the pipeline counted (record and replay): served, misses, recorded. */
  readonly summary?: () => ServerSummary;
}

/** Flags setting `server.*` keys, e.g. `{ maxHeaderCount: 10 }`. */
export function serverFlags(settings: Readonly<Record<string, number>>): FlagValue[] {
  return Object.entries(settings).map(([key, value]) => ({
    pointer: `/server/${key}`,
    value,
    flag: 'test',
  }));
}

export async function startTarget(
  kind: ServerKind,
  flags: readonly FlagValue[] = [],
): Promise<FrontDoorTarget> {
  switch (kind) {
    case 'record': {
      const upstream = await startUpstream((req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ method: req.method, url: req.url, body: req.body.toString() }));
      });
      const dirs = layout(tempDir());
      const tapedeck = await startTapedeck('record', { ...dirs, target: upstream.url, flags });
      return { kind, port: tapedeck.port, upstream, summary: () => tapedeck.server.summary() };
    }
    case 'replay': {
      const dirs = layout(tempDir());
      mkdirSync(dirs.cassettes, { recursive: true });
      writeFileSync(
        join(dirs.cassettes, 'default.json'),
        serializeCassette({
          version: 1,
          interactions: [
            {
              request: { method: 'GET', path: '/pets', query: {}, headers: {} },
              response: {
                status: 200,
                headers: { 'content-type': 'application/json' },
                body: { encoding: 'json', json: [{ id: 1, name: 'Rex' }] },
              },
              latencyMs: 1,
              recordedAt: '2026-01-01T00:00:00.000Z',
            },
          ],
        }),
      );
      const sentinel = await startSentinel();
      const tapedeck = await startTapedeck('replay', { ...dirs, target: sentinel.url, flags });
      return {
        kind,
        port: tapedeck.port,
        upstream: sentinel,
        summary: () => tapedeck.server.summary(),
      };
    }
    case 'mock': {
      // Security off: GET /pets answers 200 without the spec's API key.
      const mock = await startMock(join(SPECS, 'petstore-3.0.yaml'), {
        flags: [{ pointer: '/mock/security', value: false, flag: 'test' }, ...flags],
      });
      return { kind, port: Number(new URL(mock.url).port) };
    }
  }
}

const REASONS: ReadonlySet<string> = new Set(FRONT_DOOR_REASONS);

/** The front door's reason in a response, or undefined when a layer answered. */
export function frontDoorReason(response: RawResponse): string | undefined {
  const body = response.json() as { reason?: unknown } | undefined;
  return typeof body?.reason === 'string' && REASONS.has(body.reason) ? body.reason : undefined;
}

/**
 * A front-door refusal as the client sees it: the status, a problem+json naming the reason and
 * the code (in the body and in `x-tapedeck-error`), `connection: close`, and nothing more on
 * the connection, which the server has closed.
 */
export function expectRefusal(
  result: { responses: readonly RawResponse[]; closed: boolean; text: string },
  status: number,
  reason: string | readonly string[],
  label = '',
): void {
  const first = result.responses[0];
  expect(first?.status, `${label}: status (got ${JSON.stringify(result.text.slice(0, 200))})`).toBe(
    status,
  );
  const reasons = typeof reason === 'string' ? [reason] : reason;
  expect(reasons, `${label}: reason`).toContain(frontDoorReason(first!));
  expect(first!.headers['content-type'], label).toBe('application/problem+json');
  expect(first!.headers['x-tapedeck-error'], label).toMatch(/^TD_(BAD_REQUEST|BODY_TOO_LARGE)$/);
  expect(first!.headers['connection'], `${label}: connection`).toBe('close');
  expect(
    result.responses.filter((r) => r.status >= 200),
    `${label}: one answer`,
  ).toHaveLength(1);
  expect(result.closed, `${label}: the server closed the connection`).toBe(true);
  // Never a miss: the pipeline did not see it.
  expect(first!.headers['x-tapedeck-miss'], label).toBeUndefined();
}
