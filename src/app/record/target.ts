import { TapedeckError } from '../../core/errors.js';
import type { TapedeckConfig } from '../config/config.js';

/**
 * Checks the upstream target before anything listens: an absolute http(s) URL without
 * credentials in it, on an allowed host, and never on a host marked as production.
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
  const host = url.hostname.toLowerCase();
  const hostPort = url.host.toLowerCase();
  const listed = (list: readonly string[]) =>
    list.some((h) => h.toLowerCase() === host || h.toLowerCase() === hostPort);
  if (listed(config.upstream.forbiddenHosts)) {
    throw new TapedeckError(
      'TD_TARGET_INVALID',
      `The target host ${host} is listed in upstream.forbiddenHosts: tapedeck never contacts it.`,
      {
        hint: 'Point --target at a staging mirror instead.',
      },
    );
  }
  if (config.upstream.allowedHosts.length > 0 && !listed(config.upstream.allowedHosts)) {
    throw new TapedeckError(
      'TD_TARGET_INVALID',
      `The target host ${host} is not in upstream.allowedHosts (${config.upstream.allowedHosts.join(', ')}).`,
      {
        hint: 'Add it to upstream.allowedHosts in tapedeck.config.json if it is a staging host.',
      },
    );
  }
  return url;
}
