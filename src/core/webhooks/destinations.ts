/**
 * Where webhooks may go (docs/design/issue-15-plan.md §2 "Destinations"). Two checks, as for the
 * upstream (core/http/egress.ts), on canonical forms:
 *   - at registration, on the URL: absolute http(s), no userinfo, and a host that is loopback (by
 *     canonical name or address) or a `webhooks.allowedHosts` entry;
 *   - at connect time, on every address a name resolves to and the socket's remote address:
 *     loopback, or an address an allowed entry had at start that is in no special range
 *     (private, link-local, metadata, unspecified, multicast, reserved) — unless the entry is that
 *     IP literal. A name never unlocks a special range: DNS can say anything.
 * `upstream.forbiddenHosts` holds here too.
 *
 * Allow decisions are taken on `exactIp` forms: only an IPv4-mapped `::ffff:a.b.c.d` is its IPv4
 * address. NAT64 `64:ff9b::/96`, IPv4-compatible `::/96` and IPv4-translated `::ffff:0:0:0/96`
 * reach a translator or nothing, not the IPv4 address they embed, so `[64:ff9b::7f00:1]` is no
 * loopback: it is a reserved IPv6 address, taken only when listed as that IP literal. The
 * forbidden check keeps `canonicalIp`, which reads every embedding as its IPv4 address (a deny
 * list errs on the side of refusing).
 */
import { TapedeckError } from '../errors.js';
import {
  canonicalHost,
  canonicalIp,
  EgressPolicy,
  exactIp,
  hostText,
  parseHostList,
  splitHostEntry,
  type CanonicalHost,
  type EgressDecision,
  type HostEntry,
  type ResolvedEntry,
  type Resolver,
} from '../http/egress.js';

/** The ranges no name may unlock, by what they are (the message names it). */
type Special = 'private' | 'link-local' | 'metadata' | 'unspecified' | 'multicast' | 'reserved';

interface Range {
  readonly kind: Special;
  /** The network as pieces (4 bytes for IPv4, 8 16-bit groups for IPv6) and its prefix length. */
  readonly v6: boolean;
  readonly base: readonly number[];
  readonly bits: number;
}

function v4(text: string, bits: number, kind: Special): Range {
  return { kind, v6: false, base: text.split('.').map(Number), bits };
}

function v6(text: string, bits: number, kind: Special): Range {
  return { kind, v6: true, base: ipv6Pieces(text)!, bits };
}

/** The eight groups of a canonical (RFC 5952) IPv6 address, or undefined. */
function ipv6Pieces(text: string): number[] | undefined {
  const halves = text.split('::');
  const part = (half: string | undefined) =>
    half === undefined || half === '' ? [] : half.split(':').map((g) => parseInt(g, 16));
  const head = part(halves[0]);
  const tail = part(halves[1]);
  const pieces =
    halves.length === 1
      ? head
      : [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  return pieces.length === 8 && pieces.every((p) => Number.isInteger(p)) ? pieces : undefined;
}

// Metadata first: it is the most specific name for 169.254.169.254 and friends.
const RANGES: readonly Range[] = [
  v4('169.254.169.254', 32, 'metadata'),
  v4('100.100.100.200', 32, 'metadata'),
  v6('fd00:ec2::254', 128, 'metadata'),
  v4('0.0.0.0', 8, 'unspecified'),
  v6('::', 128, 'unspecified'),
  v4('10.0.0.0', 8, 'private'),
  v4('172.16.0.0', 12, 'private'),
  v4('192.168.0.0', 16, 'private'),
  v4('100.64.0.0', 10, 'private'),
  v6('fc00::', 7, 'private'),
  v4('169.254.0.0', 16, 'link-local'),
  v6('fe80::', 10, 'link-local'),
  v4('224.0.0.0', 4, 'multicast'),
  v6('ff00::', 8, 'multicast'),
  v4('240.0.0.0', 4, 'reserved'), // and 255.255.255.255
  v4('192.0.0.0', 24, 'reserved'),
  v4('192.0.2.0', 24, 'reserved'),
  v4('198.18.0.0', 15, 'reserved'),
  v4('198.51.100.0', 24, 'reserved'),
  v4('203.0.113.0', 24, 'reserved'),
  v6('fec0::', 10, 'reserved'),
  v6('100::', 64, 'reserved'),
  v6('2001:db8::', 32, 'reserved'),
  // IPv6 forms that embed an IPv4 address without reaching it (see the header); ::1 is loopback.
  v6('64:ff9b::', 96, 'reserved'),
  v6('::ffff:0:0:0', 96, 'reserved'),
  v6('::', 96, 'reserved'),
];

function inRange(pieces: readonly number[], width: number, range: Range): boolean {
  let left = range.bits;
  for (let i = 0; i < pieces.length && left > 0; i++) {
    const take = Math.min(width, left);
    const shift = width - take;
    if (pieces[i]! >> shift !== range.base[i]! >> shift) return false;
    left -= take;
  }
  return true;
}

/** What special range an address in `exactIp` form is in, if any (loopback is in none). */
export function specialRange(canonical: string): Special | undefined {
  if (canonical === '::1') return undefined;
  const isV6 = canonical.includes(':');
  const pieces = isV6 ? ipv6Pieces(canonical) : canonical.split('.').map(Number);
  if (pieces === undefined) return 'reserved';
  return RANGES.find((r) => r.v6 === isV6 && inRange(pieces, isV6 ? 16 : 8, r))?.kind;
}

/**
 * 127.0.0.0/8 and ::1, on `exactIp` forms: a mapped ::ffff:127.0.0.1 is already 127.0.0.1, and
 * nothing else that embeds 127.x.y.z is loopback.
 */
export function isLoopbackAddress(canonical: string): boolean {
  return canonical === '::1' || /^127\./.test(canonical);
}

function isLoopbackHost(host: CanonicalHost): boolean {
  return host.kind === 'ip'
    ? isLoopbackAddress(host.address)
    : host.name === 'localhost' || host.name.endsWith('.localhost');
}

const portMatches = (entry: HostEntry, port: number) =>
  entry.port === undefined || entry.port === port;

const sameHost = (a: CanonicalHost, b: CanonicalHost) =>
  a.kind === 'ip'
    ? b.kind === 'ip' && a.address === b.address
    : b.kind === 'name' && a.name === b.name;

function refused(message: string, hint: string): TapedeckError {
  return new TapedeckError('TD_WEBHOOK_REFUSED', message, { hint });
}

/** An allowedHosts entry with its host and addresses in `exactIp` form. */
interface ExactEntry {
  readonly entry: ResolvedEntry;
  readonly host: CanonicalHost;
  readonly addresses: readonly string[];
}

function exactEntry(entry: ResolvedEntry): ExactEntry {
  const exact = (a: string) => exactIp(a) ?? a;
  if (entry.host.kind === 'name')
    return { entry, host: entry.host, addresses: entry.addresses.map(exact) };
  // The parsed host is in `canonicalIp` form: read the literal again as written.
  const address = exactIp(splitHostEntry(entry.text).hostPart) ?? entry.host.address;
  return { entry, host: { kind: 'ip', address }, addresses: [address] };
}

const HINT =
  'Use a loopback URL (http://127.0.0.1:PORT/…, http://localhost:PORT/…) or add the host to webhooks.allowedHosts.';

export class WebhookDestinations {
  private readonly forbidden: EgressPolicy;
  private readonly exact: readonly ExactEntry[];

  constructor(
    /** `webhooks.allowedHosts`, with the addresses each had at start. */
    readonly allowed: readonly ResolvedEntry[],
    /** `upstream.forbiddenHosts`, resolved: never contacted, whatever else says so. */
    forbidden: readonly ResolvedEntry[] = [],
  ) {
    this.forbidden = new EgressPolicy(forbidden, []);
    this.exact = allowed.map(exactEntry);
  }

  /**
   * The registration check of an endpoint URL: resolves its canonical form (what is stored), or
   * throws TD_WEBHOOK_REFUSED naming what is wrong. The URL itself is never echoed (its path or
   * query may carry a token).
   */
  checkUrl(text: string): string {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw refused(
        'A webhook endpoint URL must be an absolute http:// or https:// URL.',
        'Write it in full, e.g. http://127.0.0.1:4242/webhooks.',
      );
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw refused(
        `A webhook endpoint URL must be http:// or https://, not ${url.protocol.slice(0, 10)}//.`,
        'Write it in full, e.g. http://127.0.0.1:4242/webhooks.',
      );
    }
    if (url.username !== '' || url.password !== '') {
      throw refused(
        'A webhook endpoint URL must not carry credentials (user:password@).',
        'Drop them: deliveries are signed, so the receiver checks the signature instead.',
      );
    }
    const collapsed = canonicalHost(url.hostname);
    if (collapsed === undefined) {
      throw refused('The webhook endpoint URL has no valid host.', HINT);
    }
    const host: CanonicalHost =
      collapsed.kind === 'ip'
        ? { kind: 'ip', address: exactIp(url.hostname) ?? collapsed.address }
        : collapsed;
    const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
    const shown = hostText(host);
    const forbidden = this.forbidden.checkTarget(collapsed, port, []);
    if (!forbidden.ok) {
      throw refused(
        `The webhook host ${shown} is listed in upstream.forbiddenHosts: tapedeck never contacts it.`,
        HINT,
      );
    }
    if (isLoopbackHost(host)) return url.href;
    const entry = this.exact.find(
      (e) =>
        portMatches(e.entry, port) &&
        (sameHost(e.host, host) ||
          (host.kind === 'ip' &&
            e.addresses.includes(host.address) &&
            specialRange(host.address) === undefined)),
    );
    if (entry === undefined) {
      const embeds =
        collapsed.kind === 'ip' && host.kind === 'ip' && collapsed.address !== host.address
          ? ` (a reserved IPv6 address: it embeds ${collapsed.address} but does not reach it)`
          : '';
      throw refused(
        `The webhook host ${shown}${url.port === '' ? '' : `:${port}`}${embeds} is neither loopback nor in webhooks.allowedHosts${this.allowed.length === 0 ? ' (empty)' : ` (${this.allowed.map((e) => e.text).join(', ')})`}.`,
        HINT,
      );
    }
    return url.href;
  }

  /** The connect-time check: may a delivery's socket reach `address` (any spelling) on `port`? */
  checkAddress(address: string, port: number): EgressDecision {
    const collapsed = canonicalIp(address);
    const canonical = exactIp(address);
    if (collapsed === undefined || canonical === undefined) {
      return {
        ok: false,
        reason: 'forbidden',
        address,
        message: `refused to deliver a webhook to ${JSON.stringify(address.slice(0, 100))}: not an IP address`,
      };
    }
    const forbidden = this.forbidden.checkAddress(collapsed, port);
    if (!forbidden.ok) return forbidden;
    if (isLoopbackAddress(canonical)) return { ok: true };
    const entries = this.exact.filter((e) => portMatches(e.entry, port));
    // An IP literal in the list is the operator naming that very address: it may be private.
    if (entries.some((e) => e.host.kind === 'ip' && e.host.address === canonical))
      return { ok: true };
    const byName = entries.find(
      (e) => e.host.kind === 'name' && e.addresses.includes(canonical),
    )?.entry;
    const special = specialRange(canonical);
    if (byName !== undefined && special === undefined) return { ok: true };
    return {
      ok: false,
      reason: 'not-allowed',
      address: canonical,
      message:
        byName !== undefined
          ? `refused to deliver a webhook to ${canonical}: a ${special} address, which a name in webhooks.allowedHosts (${byName.where}) never unlocks (list the address itself to allow it)`
          : `refused to deliver a webhook to ${canonical}: neither loopback nor an address of webhooks.allowedHosts as resolved at start`,
    };
  }
}

/**
 * Parses `webhooks.allowedHosts` (TD_CONFIG_INVALID naming the entry) and resolves its names
 * once, at start; a name that does not resolve keeps no address (it still passes registration by
 * name, and is refused at connect). `forbidden` is the upstream policy's resolved list.
 */
export async function resolveWebhookDestinations(
  lists: { readonly allowedHosts: readonly string[] },
  resolve: Resolver,
  forbidden: readonly ResolvedEntry[] = [],
): Promise<WebhookDestinations> {
  const entries = await Promise.all(
    parseHostList(lists.allowedHosts, 'webhooks.allowedHosts').map(
      async (entry): Promise<ResolvedEntry> => {
        if (entry.host.kind === 'ip') return { ...entry, addresses: [entry.host.address] };
        let answers: readonly string[] = [];
        try {
          answers = await resolve(entry.host.name);
        } catch {
          // Not resolvable now: the connect check finds no address of it.
        }
        const addresses = answers.map((a) => exactIp(a)).filter((a) => a !== undefined);
        return { ...entry, addresses: [...new Set(addresses)] };
      },
    ),
  );
  return new WebhookDestinations(entries, forbidden);
}
