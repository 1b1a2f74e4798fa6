/**
 * The one rule for what goes upstream (core/http/forwarded.ts): record forwards a client's
 * request through it and drift re-sends a recorded one through it, so both send the same
 * headers; the forwarded family is tapedeck's (fixed values from config, none by default), and
 * a Host with user info or other junk is no host[:port].
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/app/config/config.js';
import { recordableHeaders } from '../../src/app/pipeline/request.js';
import type { HeaderMap } from '../../src/core/cassette/model.js';
import { sendableHeaders } from '../../src/core/drift/flows.js';
import { TapedeckError } from '../../src/core/errors.js';
import { isValidHostHeader, upstreamHeaders } from '../../src/core/http/forwarded.js';
import { tempDir } from '../helpers/tmp.js';

describe('isValidHostHeader', () => {
  it('accepts host[:port] as RFC 9110 §7.2 writes it', () => {
    for (const host of [
      '127.0.0.1',
      '127.0.0.1:8080',
      'localhost:3000',
      'api.example.com',
      '[::1]:8080',
      '[2001:db8::1]',
      'xn--bcher-kva.example',
      'my%2Dhost',
      '',
    ])
      expect(isValidHostHeader(host), host).toBe(true);
  });

  it('refuses user info, paths, queries, spaces, a second port and control characters', () => {
    for (const host of [
      'evil.example@127.0.0.1',
      'user:pass@127.0.0.1:8080',
      '127.0.0.1/path',
      '127.0.0.1?x=1',
      '127.0.0.1#frag',
      'a b',
      ' 127.0.0.1',
      '127.0.0.1:80:90',
      '127.0.0.1:123456',
      'host\tname',
      '[::1',
      'x'.repeat(1100),
    ])
      expect(isValidHostHeader(host), host).toBe(false);
  });
});

describe('upstreamHeaders', () => {
  const client: HeaderMap = {
    host: 'evil.example@127.0.0.1',
    'user-agent': 'curl/8.5.0',
    accept: '*/*',
    'accept-encoding': 'gzip, zstd, br',
    'content-length': '12',
    expect: '100-continue',
    connection: 'keep-alive, x-hop',
    'x-hop': 'gone',
    'x-tapedeck-cassette': 'flow',
    'x-forwarded-host': 'evil.example',
    'x-forwarded-for': '10.0.0.1',
    forwarded: 'host=evil.example',
    'x-custom': ['one', 'two'],
  };

  it('drops the hop, tapedeck, forwarded-family headers; adds nothing by default', () => {
    expect(upstreamHeaders(client)).toEqual([
      ['user-agent', 'curl/8.5.0'],
      ['accept', '*/*'],
      ['accept-encoding', 'gzip, br'],
      ['x-custom', 'one'],
      ['x-custom', 'two'],
    ]);
  });

  it('drops the client-address headers and Via a client sent: they are the forwarded family too', () => {
    const claimed: HeaderMap = {
      accept: '*/*',
      'x-real-ip': '10.0.0.1',
      'true-client-ip': '10.0.0.2',
      'cf-connecting-ip': '10.0.0.3',
      'x-client-ip': '10.0.0.4',
      'x-cluster-client-ip': '10.0.0.5',
      'fastly-client-ip': '10.0.0.6',
      via: '1.1 evil.example',
      'x-ip-note': 'kept',
    };
    const sent = upstreamHeaders(claimed, { 'x-forwarded-proto': 'https' });
    expect(sent).toEqual([
      ['accept', '*/*'],
      ['x-ip-note', 'kept'],
      ['x-forwarded-proto', 'https'],
    ]);
    // drift re-sends a recording that kept them through the same rule.
    expect(sendableHeaders(claimed, new Map(), new Set()).headers).toEqual(
      upstreamHeaders(claimed),
    );
  });

  it('adds the configured forwarded headers, with their fixed values, in a fixed order', () => {
    const sent = upstreamHeaders(client, {
      'x-forwarded-prefix': '/api',
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'api.example.test',
      'x-forwarded-port': 443,
    });
    expect(sent.slice(-4)).toEqual([
      ['x-forwarded-host', 'api.example.test'],
      ['x-forwarded-proto', 'https'],
      ['x-forwarded-port', '443'],
      ['x-forwarded-prefix', '/api'],
    ]);
    expect(JSON.stringify(sent)).not.toContain('evil.example');
  });

  it('is what drift sends for the recorded form of the same request', () => {
    const forwarded = { 'x-forwarded-proto': 'https' } as const;
    const recorded = recordableHeaders(client);
    const drift = sendableHeaders(recorded, new Map(), new Set(), forwarded);
    expect(drift.dropped).toEqual([]);
    expect(drift.headers).toEqual(upstreamHeaders(client, forwarded));
  });
});

describe('upstream.forwardedHeaders in the config', () => {
  function resolveWith(forwardedHeaders: unknown) {
    const cwd = tempDir();
    writeFileSync(
      join(cwd, 'tapedeck.config.json'),
      JSON.stringify({ upstream: { forwardedHeaders } }),
    );
    return resolveConfig({ cwd, env: {}, flags: [] });
  }

  function problem(forwardedHeaders: unknown): string {
    try {
      resolveWith(forwardedHeaders);
    } catch (error) {
      if (error instanceof TapedeckError && error.code === 'TD_CONFIG_INVALID')
        return error.message;
      throw error;
    }
    throw new Error('expected TD_CONFIG_INVALID');
  }

  it('is empty by default and takes fixed values', () => {
    expect(resolveConfig({ cwd: tempDir(), env: {}, flags: [] }).config.upstream).toMatchObject({
      forwardedHeaders: {},
    });
    const { config } = resolveWith({
      'x-forwarded-host': 'localhost:8080',
      'x-forwarded-proto': 'https',
    });
    expect(config.upstream.forwardedHeaders).toEqual({
      'x-forwarded-host': 'localhost:8080',
      'x-forwarded-proto': 'https',
    });
  });

  it('refuses an authority with user info, an unknown name and a bad proto, naming the field', () => {
    expect(problem({ 'x-forwarded-host': 'evil.example@127.0.0.1' })).toMatch(
      /forwardedHeaders.*x-forwarded-host/,
    );
    expect(problem({ 'x-forwarded-for': '10.0.0.1' })).toMatch(/forwardedHeaders/);
    expect(problem({ 'x-forwarded-proto': 'ftp' })).toMatch(/x-forwarded-proto/);
    expect(problem({ 'x-forwarded-prefix': 'api?x' })).toMatch(/x-forwarded-prefix/);
    expect(problem({ 'x-forwarded-port': 0 })).toMatch(/x-forwarded-port/);
  });
});
