/**
 * Egress (issue 12, defect 1): the forbidden/allowed host lists hold whatever the spelling of
 * the target, and whatever DNS answers after the start check. DNS rebinding is tested for real:
 * an injected resolver answers the allowed address at start and a forbidden one when the socket
 * connects, and a sentinel server on that forbidden address counts every connection it gets.
 * 127.0.0.0/8 is all loopback on Linux, so the sentinel listens on 127.0.0.2, the same port as
 * the real upstream on 127.0.0.1.
 */
import { once } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { composeServer } from '../../src/app/compose/compose.js';
import { composeDrift } from '../../src/app/compose/drift.js';
import type { FlagValue } from '../../src/app/config/config.js';
import { serializeCassette } from '../../src/core/cassette/codec.js';
import { isTapedeckError } from '../../src/core/errors.js';
import type { Resolver } from '../../src/core/http/egress.js';
import { defer } from '../helpers/cleanup.js';
import { CollectingLogger } from '../helpers/logger.js';
import { configFor, layout } from '../helpers/tapedeck.js';
import { tempDir } from '../helpers/tmp.js';
import { startUpstream } from '../helpers/upstream.js';
import { LOOPBACK_SPELLINGS } from '../helpers/loopback-spellings.js';

/** A TCP server that only counts the connections it accepts, and drops them. */
async function sentinel(host: string, port: number): Promise<{ connections: () => number }> {
  let connections = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.destroy();
  });
  server.listen(port, host);
  await once(server, 'listening');
  defer(async () => {
    for (const s of sockets) s.destroy();
    server.close();
    await once(server, 'close');
  });
  return { connections: () => connections };
}

/** Answers `first` for the first `times` lookups of `name`, `then` afterwards. */
function rebinding(name: string, first: string[], then: string[], times = 1) {
  const calls: string[] = [];
  const resolver: Resolver = (host) => {
    calls.push(host);
    if (host === 'localhost') return Promise.resolve(['127.0.0.1', '::1']);
    if (host !== name) return Promise.reject(new Error(`ENOTFOUND ${host}`));
    const seen = calls.filter((h) => h === name).length;
    return Promise.resolve(seen <= times ? first : then);
  };
  return { resolver, calls };
}

/** An upstream that closes every connection, so each request needs a new one (a new lookup). */
async function closingUpstream() {
  return startUpstream((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', connection: 'close' });
    res.end('{"ok":true}');
  });
}

function lists(forbidden: string[], allowed: string[] = []): FlagValue[] {
  return [
    { pointer: '/upstream/forbiddenHosts', value: forbidden, flag: 'test' },
    { pointer: '/upstream/allowedHosts', value: allowed, flag: 'test' },
  ];
}

async function startWith(
  kind: 'record' | 'replay',
  target: string,
  flags: FlagValue[],
  resolver: Resolver,
) {
  const root = tempDir();
  mkdirSync(join(root, 'cassettes'));
  const config = configFor({ ...layout(root), target, flags });
  const logger = new CollectingLogger();
  const server = await composeServer(kind, config, logger, {}, { resolver });
  defer(() => server.stop());
  const url = await server.listen();
  return { url, logger, root };
}

async function refusedAtStart(
  kind: 'record' | 'replay',
  target: string,
  flags: FlagValue[],
  resolver: Resolver,
) {
  try {
    await startWith(kind, target, flags, resolver);
  } catch (error) {
    return error;
  }
  throw new Error(`${target} started`);
}

const dns = rebinding('staging.test', ['127.0.0.3'], ['127.0.0.3']).resolver;

describe('egress: the start check sees every spelling', () => {
  const spellings = LOOPBACK_SPELLINGS;

  it.each(spellings)('record refuses %s (forbiddenHosts 127.0.0.1, localhost)', async (t) => {
    const up = await startUpstream((_req, res) => res.end('no'));
    const target = t.replace('PORT', String(up.port));
    const error = await refusedAtStart('record', target, lists(['127.0.0.1', 'localhost']), dns);
    expect(isTapedeckError(error) && error.code).toBe('TD_TARGET_INVALID');
    expect(up.connections()).toBe(0);
  });

  it.each(spellings)('passthrough and drift refuse %s too', async (t) => {
    const up = await startUpstream((_req, res) => res.end('no'));
    const target = t.replace('PORT', String(up.port));
    const forbidden = lists(['127.0.0.1', 'localhost']);
    const passthrough = await refusedAtStart(
      'replay',
      target,
      [...forbidden, { pointer: '/replay/onMiss', value: 'passthrough', flag: 'test' }],
      dns,
    );
    expect(isTapedeckError(passthrough) && passthrough.code).toBe('TD_TARGET_INVALID');
    const root = tempDir();
    mkdirSync(join(root, 'cassettes'));
    const config = configFor({ ...layout(root), target, flags: forbidden });
    const drift = await composeDrift(config, {}, new CollectingLogger(), {
      update: false,
      resolver: dns,
    }).then(
      () => new Error('drift ran'),
      (error: unknown) => error,
    );
    expect(isTapedeckError(drift) && drift.code).toBe('TD_TARGET_INVALID');
    expect(up.connections()).toBe(0);
  });

  it('passthrough refuses [::ffff:7f00:1] too', async () => {
    const up = await startUpstream((_req, res) => res.end('no'));
    const error = await refusedAtStart(
      'replay',
      `http://[::ffff:7f00:1]:${up.port}`,
      [...lists(['127.0.0.1']), { pointer: '/replay/onMiss', value: 'passthrough', flag: 'test' }],
      dns,
    );
    expect(isTapedeckError(error) && error.code).toBe('TD_TARGET_INVALID');
  });

  it('a name whose DNS answer is forbidden is refused at start, with the address named', async () => {
    const { resolver } = rebinding('staging.test', ['127.0.0.1'], ['127.0.0.1']);
    const error = await refusedAtStart(
      'record',
      'http://staging.test:9',
      lists(['[::ffff:7f00:1]']),
      resolver,
    );
    expect(isTapedeckError(error) && error.code).toBe('TD_TARGET_INVALID');
    expect((error as Error).message).toContain('resolves to 127.0.0.1');
    expect((error as Error).message).toContain('upstream.forbiddenHosts[0]');
  });

  it('a config entry that is no host is refused at load, named by index', () => {
    const root = tempDir();
    let caught: unknown;
    try {
      configFor({ ...layout(root), flags: lists(['localhost', 'http://api.example.com/']) });
    } catch (error) {
      caught = error;
    }
    expect(isTapedeckError(caught) && caught.code).toBe('TD_CONFIG_INVALID');
    expect((caught as Error).message).toContain('upstream.forbiddenHosts[1]');
  });
});

describe('egress: the connect-time check (DNS rebinding)', () => {
  async function rebindingSetup(flags: (forbidden: string) => FlagValue[]) {
    const up = await closingUpstream();
    const guard = await sentinel('127.0.0.2', up.port);
    // Start check: 127.0.0.1. First connection: 127.0.0.1. Every later one: 127.0.0.2.
    const dns = rebinding('staging.test', ['127.0.0.1'], ['127.0.0.2'], 2);
    return { up, guard, dns, flags: flags('127.0.0.2') };
  }

  for (const kind of ['record', 'passthrough'] as const) {
    it(`${kind}: an answer that changes to a forbidden address is refused at connect`, async () => {
      const { up, guard, dns, flags } = await rebindingSetup((f) => lists([f]));
      const tapedeck = await startWith(
        kind === 'record' ? 'record' : 'replay',
        `http://staging.test:${up.port}`,
        kind === 'record'
          ? flags
          : [...flags, { pointer: '/replay/onMiss', value: 'passthrough', flag: 'test' }],
        dns.resolver,
      );
      const first = await fetch(`${tapedeck.url}/one`);
      expect(first.status).toBe(200);
      await first.text();
      const second = await fetch(`${tapedeck.url}/two`);
      expect(second.status).toBe(502);
      expect(second.headers.get('content-type')).toContain('application/problem+json');
      const problem = (await second.json()) as { code: string; title: string };
      expect(problem.code).toBe('TD_UPSTREAM_UNREACHABLE');
      expect(problem.title).toContain('refused to connect to 127.0.0.2: forbidden');
      const line = await tapedeck.logger.waitFor('egress.refused');
      expect(line.message).toContain('refused to connect to 127.0.0.2: forbidden');
      expect(guard.connections()).toBe(0);
      expect(up.requests.map((r) => r.url)).toEqual(['/one']);
    });
  }

  it('control: with no forbidden entry for it, the same resolver does reach the sentinel', async () => {
    const { up, guard, dns } = await rebindingSetup(() => []);
    const tapedeck = await startWith(
      'record',
      `http://staging.test:${up.port}`,
      lists(['10.255.255.1']),
      dns.resolver,
    );
    await (await fetch(`${tapedeck.url}/one`)).text();
    const second = await fetch(`${tapedeck.url}/two`);
    await second.text();
    expect(second.status).toBe(502);
    expect(guard.connections()).toBe(1);
  });

  it('an IP literal target that is not forbidden goes through the hook and is answered', async () => {
    const up = await closingUpstream();
    const tapedeck = await startWith(
      'record',
      `http://[::ffff:7f00:1]:${up.port}`,
      lists(['127.0.0.2', 'localhost:1']),
      dns,
    );
    for (const path of ['/a', '/b']) {
      const answer = await fetch(`${tapedeck.url}${path}`);
      expect(answer.status).toBe(200);
      await answer.text();
    }
    expect(up.requests.map((r) => r.url)).toEqual(['/a', '/b']);
  });

  it('allowedHosts: an allowed name whose answer changes is refused at connect', async () => {
    const { up, guard, dns } = await rebindingSetup(() => []);
    const tapedeck = await startWith(
      'record',
      `http://staging.test:${up.port}`,
      lists([], ['staging.test']),
      dns.resolver,
    );
    expect((await fetch(`${tapedeck.url}/one`)).status).toBe(200);
    const second = await fetch(`${tapedeck.url}/two`);
    expect(second.status).toBe(502);
    const problem = (await second.json()) as { title: string };
    expect(problem.title).toContain('refused to connect to 127.0.0.2: not an address');
    expect(guard.connections()).toBe(0);
  });

  it('drift: a rebinding answer is refused at connect, and nothing reaches the sentinel', async () => {
    const { up, guard, dns } = await rebindingSetup(() => []);
    const root = tempDir();
    const cassettes = join(root, 'cassettes');
    mkdirSync(cassettes);
    const interaction = (path: string) => ({
      request: { method: 'GET', path, query: {}, headers: {} },
      response: { status: 200, headers: { 'content-type': 'application/json' } },
      latencyMs: 1,
      recordedAt: '2026-01-01T00:00:00.000Z',
    });
    writeFileSync(
      join(cassettes, 'a.json'),
      serializeCassette({ version: 1, interactions: [interaction('/one'), interaction('/two')] }),
    );
    const config = configFor({
      ...layout(root),
      target: `http://staging.test:${up.port}`,
      flags: [
        ...lists(['127.0.0.2']),
        { pointer: '/drift/concurrency', value: 1, flag: 'test' },
        { pointer: '/drift/retries', value: 0, flag: 'test' },
      ],
    });
    const logger = new CollectingLogger();
    const run = await composeDrift(config, {}, logger, {
      update: false,
      resolver: dns.resolver,
    });
    // The report says why in words, not with the bare code.
    expect(JSON.stringify(run.report)).toContain('refused by the egress policy');
    const refused = logger.lines.filter((l) => l.event === 'egress.refused');
    expect(refused.length).toBeGreaterThan(0);
    expect(refused[0]!.message).toContain('refused to connect to 127.0.0.2: forbidden');
    expect(guard.connections()).toBe(0);
    expect(up.requests.length).toBe(1);
  });
});
