import { TapedeckError } from '../../core/errors.js';
import {
  canonicalHost,
  EgressPolicy,
  parseHostList,
  resolveEgressPolicy,
  type CanonicalHost,
  type EgressDecision,
  type Resolver,
} from '../../core/http/egress.js';
import type { TapedeckConfig } from '../config/config.js';

/**
 * Checks the upstream target before anything listens: an absolute http(s) URL without
 * credentials in it, on an allowed host, and never on a host marked as production — compared
 * in canonical form (core/http/egress.ts), so `[::ffff:127.0.0.1]`, `127.1` and `localhost.`
 * are the hosts they reach. This check is synchronous and needs no DNS; `resolveEgress` adds
 * the DNS answers.
 */
export function checkTarget(target: string | undefined, config: TapedeckConfig, why: string): URL {
  if (target === undefined) {
    throw new TapedeckError(
      'TD_USAGE',
      `${why} needs an upstream: pass --target URL (or set upstream.target in tapedeck.config.json).`,
    );
  }
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    throw new TapedeckError(
      'TD_TARGET_INVALID',
      `The target ${JSON.stringify(target)} is not an absolute URL.`,
      {
        hint: 'Use a URL such as https://staging.example.com or http://127.0.0.1:3000.',
      },
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TapedeckError(
      'TD_TARGET_INVALID',
      `The target must use http or https, not ${url.protocol.replace(':', '')}.`,
    );
  }
  if (url.username !== '' || url.password !== '') {
    throw new TapedeckError(
      'TD_TARGET_INVALID',
      'The target URL must not carry credentials (user:password@).',
      {
        hint: 'Send credentials in request headers instead; tapedeck redacts them before recording.',
      },
    );
  }
  if (url.search !== '' || url.hash !== '') {
    throw new TapedeckError(
      'TD_TARGET_INVALID',
      'The target URL must not have a query string or fragment.',
    );
  }
  const decision = unresolved(config).checkTarget(targetHost(url), targetPort(url), []);
  if (!decision.ok) throw refusal(decision);
  return url;
}

/**
 * The start check with DNS: the lists' names and the target's name are resolved (all
 * addresses; an IP literal costs nothing), and the target is refused when any of its addresses
 * is forbidden or, with upstream.allowedHosts set, not allowed. The policy returned is the one
 * the connect hook checks every connection against (docs/egress.md).
 */
export async function resolveEgress(
  url: URL,
  config: TapedeckConfig,
  resolveName: Resolver,
): Promise<EgressPolicy> {
  const host = targetHost(url);
  // No lists: nothing to compare, no lookup (and no connect hook: `policy.open`).
  if (config.upstream.forbiddenHosts.length === 0 && config.upstream.allowedHosts.length === 0)
    return new EgressPolicy([], []);
  // One lookup per name at start, even when the target is also a name in a list.
  const answers = new Map<string, Promise<readonly string[]>>();
  const resolve = (name: string) => {
    let answer = answers.get(name);
    if (answer === undefined) answers.set(name, (answer = resolveName(name)));
    return answer;
  };
  const [policy, addresses] = await Promise.all([
    resolveEgressPolicy(config.upstream, resolve),
    host.kind === 'ip' ? [host.address] : resolve(host.name).catch((): readonly string[] => []),
  ]);
  const decision = policy.checkTarget(host, targetPort(url), addresses);
  if (!decision.ok) throw refusal(decision);
  return policy;
}

/** The lists without DNS: names compare by name, IP entries by address. */
function unresolved(config: TapedeckConfig): EgressPolicy {
  const entries = (list: readonly string[], name: string) =>
    parseHostList(list, name).map((e) => ({
      ...e,
      addresses: e.host.kind === 'ip' ? [e.host.address] : [],
    }));
  return new EgressPolicy(
    entries(config.upstream.forbiddenHosts, 'upstream.forbiddenHosts'),
    entries(config.upstream.allowedHosts, 'upstream.allowedHosts'),
  );
}

function targetHost(url: URL): CanonicalHost {
  const host = canonicalHost(url.hostname);
  if (host === undefined) {
    throw new TapedeckError(
      'TD_TARGET_INVALID',
      `The target host of ${JSON.stringify(url.origin)} is not a DNS name or an IP address.`,
      { hint: 'Use a URL such as https://staging.example.com or http://127.0.0.1:3000.' },
    );
  }
  return host;
}

function targetPort(url: URL): number {
  return url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
}

function refusal(decision: EgressDecision & { ok: false }): TapedeckError {
  return new TapedeckError('TD_TARGET_INVALID', decision.message, {
    hint:
      decision.reason === 'forbidden'
        ? 'Point --target at a staging mirror instead.'
        : 'Add it to upstream.allowedHosts in tapedeck.config.json if it is a staging host.',
  });
}
