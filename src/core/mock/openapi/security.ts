/** Whether a request carries the credentials an operation's security requirements name. */
import { valuesOf } from '../../cassette/model.js';
import { getOwn } from '../../json.js';
import type { SecurityScheme, SpecOperation } from './operations.js';
import { parseCookies } from './parameters.js';
import type { RequestParts } from './validate.js';

export interface SecurityOutcome {
  readonly ok: boolean;
  /** For a 401: `WWW-Authenticate` challenges of the schemes that would have done. */
  readonly challenges: readonly string[];
  /** The schemes the operation accepts (names), for the message. */
  readonly accepted: readonly string[];
}

/**
 * Whether a request carries what the operation's security requirements ask for: any one
 * alternative with every scheme present (an API key in its header/query/cookie, an
 * `Authorization` with the right scheme). Presence only: a mock cannot check a credential.
 */
export function checkSecurity(
  operation: SpecOperation,
  schemes: ReadonlyMap<string, SecurityScheme>,
  request: RequestParts,
): SecurityOutcome {
  if (operation.security.length === 0) return { ok: true, challenges: [], accepted: [] };
  let cookies: Record<string, string> | undefined;
  const authorization = valuesOf(getOwn(request.headers, 'authorization'))[0]?.trim() ?? '';
  const present = (name: string): boolean => {
    const scheme = schemes.get(name);
    if (scheme === undefined) return true;
    switch (scheme.kind) {
      case 'apiKey':
        if (scheme.in === 'header') return getOwn(request.headers, scheme.param) !== undefined;
        if (scheme.in === 'query')
          return Object.keys(request.query).some((k) => k.toLowerCase() === scheme.param);
        cookies ??= parseCookies(request.headers);
        return Object.keys(cookies).some((k) => k.toLowerCase() === scheme.param);
      case 'http':
        return authorization.toLowerCase().startsWith(`${scheme.scheme} `);
      case 'oauth':
        return /^bearer /i.test(authorization);
    }
  };
  for (const alternative of operation.security) {
    if (alternative.every(present)) return { ok: true, challenges: [], accepted: [] };
  }
  const challenges = new Set<string>();
  const accepted = new Set<string>();
  for (const alternative of operation.security) {
    for (const name of alternative) {
      accepted.add(name);
      const scheme = schemes.get(name);
      if (scheme?.kind === 'http')
        challenges.add(
          `${scheme.scheme[0]!.toUpperCase()}${scheme.scheme.slice(1)} realm="tapedeck"`,
        );
      else if (scheme?.kind === 'oauth') challenges.add('Bearer realm="tapedeck"');
    }
  }
  return { ok: false, challenges: [...challenges], accepted: [...accepted] };
}
