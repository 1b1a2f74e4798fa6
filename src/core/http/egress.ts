/**
 * The egress policy: which hosts and addresses tapedeck may open a connection to. One object for
 * every outgoing connection — record, passthrough (replay --on-miss passthrough|record), drift,
 * and webhook delivery when it arrives — so a spelling refused in one place is refused in all.
 *
 * Two checks, both on canonical forms (see docs/egress.md):
 *   - at start, on the target URL's host and every address it resolves to (`checkTarget`);
 *   - at connect time, on the address the socket is about to reach (`checkAddress`), so a DNS
 *     answer that changes after the start check (rebinding) cannot reach a forbidden address.
 * The connect-time hook lives in adapters/http/egress-connect.ts; resolution is a port
 * (`Resolver`), so this module stays pure.
 *
 * Canonical forms: names are lower case without a trailing dot; IPv4 is dotted decimal (the
 * WHATWG shorthand, decimal, octal and hex spellings are read as `new URL` reads them); IPv6 is
 * RFC 5952 text, and an IPv6 address that embeds an IPv4 one in a form that reaches it — mapped
 * `::ffff:a.b.c.d`, SIIT `::ffff:0:a.b.c.d`, compatible `::a.b.c.d` and the NAT64 well-known
 * prefix `64:ff9b::a.b.c.d` — is that IPv4 address. 6to4, Teredo and network-specific NAT64
 * prefixes are not mapped (they reach a relay, not the embedded host). That reading suits a
 * deny list; `exactIp` is the form for taking an address (only IPv4-mapped is read as IPv4).
 *
 * Just over 400 lines: the address parsers and the policy stay together on purpose, so both
 * sides of every comparison go through the same canonical form.
 */
import { TapedeckError } from '../errors.js';

/** A host in canonical form: an IP address (v4 dotted or v6 RFC 5952) or a DNS name. */
export type CanonicalHost =
  | { readonly kind: 'ip'; readonly address: string }
  | { readonly kind: 'name'; readonly name: string };

/** Resolves a DNS name to every address it has (the port adapters implement). */
export type Resolver = (name: string) => Promise<readonly string[]>;

/** One entry of `upstream.forbiddenHosts` / `upstream.allowedHosts`, parsed. */
export interface HostEntry {
  /** Where it came from, as a person reads it: `upstream.forbiddenHosts[1]`. */
  readonly where: string;
  /** The entry as written in the config. */
  readonly text: string;
  readonly host: CanonicalHost;
  /** Only this port when the entry was `host:port`; any port otherwise. */
  readonly port?: number;
}

/** A host entry with the addresses it stands for: itself for an IP, its DNS answer for a name. */
export interface ResolvedEntry extends HostEntry {
  readonly addresses: readonly string[];
}

export type EgressDecision =
  | { readonly ok: true }
  | {
      readonly ok: false;
      /** `forbidden`: in upstream.forbiddenHosts; `not-allowed`: outside upstream.allowedHosts. */
      readonly reason: 'forbidden' | 'not-allowed';
      /** The canonical address (or host) refused. */
      readonly address: string;
      /** The entry that forbids it (for `forbidden`). */
      readonly entry?: HostEntry;
      /** One line a person can act on. */
      readonly message: string;
    };

// ---------------------------------------------------------------------------------------------
// Parsing

const HEX = /^[0-9a-f]{1,4}$/;

/** The WHATWG URL IPv4 number forms: decimal, octal with a leading 0, hex with 0x. */
function ipv4Number(part: string): number | undefined {
  if (/^0x[0-9a-f]*$/.test(part)) return part.length === 2 ? 0 : parseInt(part.slice(2), 16);
  if (/^0[0-7]+$/.test(part)) return parseInt(part.slice(1), 8);
  if (/^(0|[1-9][0-9]*)$/.test(part)) return Number(part);
  return undefined;
}

/**
 * IPv4 as the WHATWG URL host parser reads it: 1 to 4 parts, the last filling the remaining
 * bytes (`127.1`, `2130706433`, `0x7f.1`, `017700000001`). Returns the 32-bit value, `undefined`
 * for a name, or `null` for text that ends in a number but is no valid address (`1.2.3.256`),
 * which WHATWG refuses as a host.
 */
function parseIpv4(text: string): number | undefined | null {
  const parts = text.split('.');
  if (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
  const last = parts[parts.length - 1] ?? '';
  const endsInNumber = /^[0-9]+$/.test(last) || /^0x[0-9a-f]*$/.test(last);
  if (!endsInNumber) return undefined;
  if (parts.length > 4) return null;
  const numbers: number[] = [];
  for (const part of parts) {
    // Longer than any 32-bit value in any of the three bases: not an address.
    if (part.length > 34) return null;
    const n = ipv4Number(part);
    if (n === undefined) return null;
    numbers.push(n);
  }
  const lastValue = numbers.pop() ?? 0;
  if (numbers.some((n) => n > 255)) return null;
  if (lastValue >= 256 ** (4 - numbers.length)) return null;
  let value = lastValue;
  numbers.forEach((n, i) => (value += n * 256 ** (3 - i)));
  return value;
}

function ipv4Text(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

/** Strict dotted-quad (the only IPv4 form allowed inside an IPv6 address). */
function dottedQuad(text: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (m === null) return undefined;
  const bytes = m.slice(1).map(Number);
  if (bytes.some((b) => b > 255)) return undefined;
  return bytes.reduce((acc, b) => acc * 256 + b, 0);
}

/** The eight 16-bit pieces of an IPv6 address (no brackets, no zone), or undefined. */
function parseIpv6(text: string): number[] | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (half: string): number[] | undefined => {
    if (half === '') return [];
    const out: number[] = [];
    const parts = half.split(':');
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      if (i === parts.length - 1 && part.includes('.')) {
        const v4 = dottedQuad(part);
        if (v4 === undefined) return undefined;
        out.push(Math.floor(v4 / 65536), v4 % 65536);
      } else if (HEX.test(part)) out.push(parseInt(part, 16));
      else return undefined;
    }
    return out;
  };
  const head = groups(halves[0]!);
  if (head === undefined) return undefined;
  if (halves.length === 1) return head.length === 8 ? head : undefined;
  const tail = groups(halves[1]!);
  // A dotted IPv4 may only end the address.
  if (tail === undefined || (halves[0]!.includes('.') && halves[0] !== '')) return undefined;
  if (head.length + tail.length > 7) return undefined;
  return [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
}

/** RFC 5952 text: lower-case hex, no leading zeros, the longest run of 2+ zero pieces as `::`. */
function ipv6Text(pieces: readonly number[]): string {
  let best = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    if (pieces[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && pieces[j] === 0) j++;
    if (j - i > bestLength) {
      best = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = pieces.map((p) => p.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLength).join(':')}`;
}

/** The IPv4 address an IPv6 one reaches by embedding it, if it is one of the forms in scope. */
function embeddedIpv4(p: readonly number[]): number | undefined {
  const v4 = p[6]! * 65536 + p[7]!;
  const zero = (from: number, to: number) => p.slice(from, to).every((x) => x === 0);
  // ::ffff:a.b.c.d (IPv4-mapped, RFC 4291 §2.5.5.2)
  if (zero(0, 5) && p[5] === 0xffff) return v4;
  // ::ffff:0:a.b.c.d (IPv4-translated, RFC 2765)
  if (zero(0, 4) && p[4] === 0xffff && p[5] === 0) return v4;
  // ::a.b.c.d (IPv4-compatible, deprecated, RFC 4291 §2.5.5.1); :: and ::1 are not.
  if (zero(0, 6) && v4 > 1) return v4;
  // 64:ff9b::a.b.c.d (NAT64 well-known prefix, RFC 6052)
  if (p[0] === 0x64 && p[1] === 0xff9b && zero(2, 6)) return v4;
  return undefined;
}

/**
 * The canonical form of an IP address as text (`[::ffff:7f00:1]`, `::1`, `127.1`, an address
 * with a `%zone`), or undefined when `text` is no IP address.
 */
export function canonicalIp(text: string): string | undefined {
  return ipText(text, embeddedIpv4);
}

/**
 * The canonical form of an IP address where only the IPv4-mapped `::ffff:a.b.c.d` is read as its
 * IPv4 address (a socket to it reaches that very address). The NAT64, compatible and translated
 * forms stay IPv6: what they reach is a translator or nothing, not the embedded host, so an
 * allow decision (loopback, an allowed literal) must not be taken on the IPv4 address. Deny
 * decisions keep `canonicalIp`, which reads them all as IPv4.
 */
export function exactIp(text: string): string | undefined {
  return ipText(text, (p) =>
    p.slice(0, 5).every((x) => x === 0) && p[5] === 0xffff ? p[6]! * 65536 + p[7]! : undefined,
  );
}

function ipText(
  text: string,
  embedded: (pieces: readonly number[]) => number | undefined,
): string | undefined {
  let t = text.toLowerCase();
  if (t.startsWith('[') && t.endsWith(']')) t = t.slice(1, -1);
  if (t.includes(':')) {
    const zone = t.indexOf('%');
    const pieces = parseIpv6(zone < 0 ? t : t.slice(0, zone));
    if (pieces === undefined) return undefined;
    const v4 = embedded(pieces);
    return v4 === undefined ? ipv6Text(pieces) : ipv4Text(v4);
  }
  const v4 = parseIpv4(t);
  return typeof v4 === 'number' ? ipv4Text(v4) : undefined;
}

const NAME_LABEL = /^[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?$/;

/**
 * The canonical form of a URL hostname or a config entry's host part; undefined when it is
 * neither an IP address nor a DNS name (a space, a slash, `1.2.3.256`, an empty label).
 */
export function canonicalHost(hostname: string): CanonicalHost | undefined {
  const lower = hostname.toLowerCase();
  const ip = canonicalIp(lower);
  if (ip !== undefined) return { kind: 'ip', address: ip };
  if (lower.startsWith('[') || lower.includes(':')) return undefined;
  if (parseIpv4(lower) === null) return undefined;
  const name = lower.endsWith('.') ? lower.slice(0, -1) : lower;
  if (name === '' || name.length > 253) return undefined;
  // Unicode names arrive from `new URL` already as punycode (xn--…), which this accepts.
  if (!name.split('.').every((label) => label.length <= 63 && NAME_LABEL.test(label)))
    return undefined;
  return { kind: 'name', name };
}

/** `host` as a person reads it in a message: an IPv6 address in brackets. */
export function hostText(host: CanonicalHost): string {
  if (host.kind === 'name') return host.name;
  return host.address.includes(':') ? `[${host.address}]` : host.address;
}

/**
 * Parses one config entry — `host`, `host:port`, `[v6]`, `[v6]:port` or a bare IPv6 address —
 * or throws TD_CONFIG_INVALID naming `where` (`upstream.forbiddenHosts[2]`).
 */
export function parseHostEntry(text: string, where: string): HostEntry {
  const refuse = (why: string): never => {
    throw new TapedeckError(
      'TD_CONFIG_INVALID',
      `${where} (${JSON.stringify(text.slice(0, 100))}) is not a valid host: ${why}.`,
      {
        details: { where },
        hint: 'Write a host name, an IP address or host:port, such as api.example.com, 10.0.0.5, [::1] or localhost:8080.',
      },
    );
  };
  const { hostPart, portPart } = splitHostEntry(text);
  let port: number | undefined;
  if (portPart !== undefined) {
    if (!/^\d{1,5}$/.test(portPart) || Number(portPart) > 65535)
      refuse('the port must be a number from 0 to 65535');
    port = Number(portPart);
  }
  if (hostPart === '') refuse('the host is empty');
  const host = canonicalHost(hostPart);
  if (host === undefined)
    refuse('expected a DNS name (letters, digits, "-", ".") or an IPv4/IPv6 address');
  return { where, text, host: host!, ...(port === undefined ? {} : { port }) };
}

/** A config entry's host and port parts, as written (`[::1]:80` is `[::1]` and `80`). */
export function splitHostEntry(text: string): { hostPart: string; portPart?: string } {
  const bracketed = /^(\[[^\]]*\])(?::(.*))?$/.exec(text);
  if (bracketed !== null)
    return bracketed[2] === undefined
      ? { hostPart: bracketed[1]! }
      : { hostPart: bracketed[1]!, portPart: bracketed[2] };
  if ((text.match(/:/g) ?? []).length === 1) {
    const [hostPart, portPart] = text.split(':') as [string, string];
    return { hostPart, portPart };
  }
  return { hostPart: text };
}

/** Parses a whole list (`upstream.forbiddenHosts`), naming the first bad entry by index. */
export function parseHostList(list: readonly string[], name: string): HostEntry[] {
  return list.map((text, i) => parseHostEntry(text, `${name}[${i}]`));
}

// ---------------------------------------------------------------------------------------------
// The policy

/**
 * Linux connects 0.0.0.0 to 127.0.0.1 and :: to ::1: an unspecified address reaches the
 * loopback one, so it is checked as both.
 */
function reached(address: string): string[] {
  if (address === '0.0.0.0') return [address, '127.0.0.1'];
  if (address === '::') return [address, '::1'];
  return [address];
}

const portMatches = (entry: HostEntry, port: number) =>
  entry.port === undefined || entry.port === port;

function sameHost(a: CanonicalHost, b: CanonicalHost): boolean {
  return a.kind === 'ip'
    ? b.kind === 'ip' && a.address === b.address
    : b.kind === 'name' && a.name === b.name;
}

/**
 * RFC 6761 §6.3: `localhost` and every name below it are the loopback addresses, whatever
 * /etc/hosts or DNS say (many list 127.0.0.1 only, and [::1] would then pass as "not
 * localhost"; most do not resolve `foo.localhost` at all). The same for a listed name and a target.
 */
function localhostAddresses(name: string): readonly string[] {
  return name === 'localhost' || name.endsWith('.localhost') ? ['127.0.0.1', '::1'] : [];
}

/** The lists as config holds them; `parseHostList` validates them. */
export interface HostLists {
  readonly forbiddenHosts: readonly string[];
  readonly allowedHosts: readonly string[];
}

/**
 * Resolves the names in both lists (an IP entry stands for itself, at no cost). A name that
 * does not resolve keeps no address: it is still refused by name.
 */
export async function resolveEgressPolicy(
  lists: HostLists,
  resolve: Resolver,
): Promise<EgressPolicy> {
  const one = async (entry: HostEntry): Promise<ResolvedEntry> => {
    if (entry.host.kind === 'ip') return { ...entry, addresses: [entry.host.address] };
    let answers: readonly string[] = [];
    try {
      answers = await resolve(entry.host.name);
    } catch {
      // Not resolvable from here: nothing to compare against but the name.
    }
    const addresses = answers.map((a) => canonicalIp(a)).filter((a) => a !== undefined);
    addresses.push(...localhostAddresses(entry.host.name));
    return { ...entry, addresses: [...new Set(addresses)] };
  };
  const [forbidden, allowed] = await Promise.all([
    Promise.all(parseHostList(lists.forbiddenHosts, 'upstream.forbiddenHosts').map(one)),
    Promise.all(parseHostList(lists.allowedHosts, 'upstream.allowedHosts').map(one)),
  ]);
  return new EgressPolicy(forbidden, allowed);
}

export class EgressPolicy {
  constructor(
    readonly forbidden: readonly ResolvedEntry[],
    /** Empty: any host not forbidden. Otherwise only these, at the addresses resolved at start. */
    readonly allowed: readonly ResolvedEntry[],
  ) {}

  /** No lists: every check passes (the connect hook is then not worth installing). */
  get open(): boolean {
    return this.forbidden.length === 0 && this.allowed.length === 0;
  }

  /**
   * The start check: the target host by its canonical spelling, then every address it resolved
   * to (`addresses`, empty for a name that did not resolve).
   */
  checkTarget(host: CanonicalHost, port: number, addresses: readonly string[]): EgressDecision {
    const shown = hostText(host);
    const byName = this.forbidden.find((e) => sameHost(e.host, host) && portMatches(e, port));
    if (byName !== undefined) {
      return {
        ok: false,
        reason: 'forbidden',
        address: shown,
        entry: byName,
        message: `The target host ${shown} is listed in upstream.forbiddenHosts (${byName.where}: ${JSON.stringify(byName.text)}): tapedeck never contacts it.`,
      };
    }
    const canonical = [
      ...(host.kind === 'ip' ? [host.address] : localhostAddresses(host.name)),
      ...addresses,
    ]
      .map((a) => canonicalIp(a))
      .filter((a) => a !== undefined);
    for (const address of canonical) {
      const decision = this.forbiddenAddress(address, port);
      if (decision !== undefined) {
        return {
          ...decision,
          message: `The target host ${shown} ${host.kind === 'ip' && host.address === address ? 'is' : `resolves to ${address},`} an address of ${decision.entry.where} (${JSON.stringify(decision.entry.text)}) in upstream.forbiddenHosts: tapedeck never contacts it.`,
        };
      }
    }
    if (this.allowed.length === 0) return { ok: true };
    const listed = this.allowed.some(
      (e) =>
        portMatches(e, port) &&
        (sameHost(e.host, host) || (host.kind === 'ip' && e.addresses.includes(host.address))),
    );
    if (!listed) {
      return {
        ok: false,
        reason: 'not-allowed',
        address: shown,
        message: `The target host ${shown} is not in upstream.allowedHosts (${this.allowed.map((e) => e.text).join(', ')}).`,
      };
    }
    for (const address of canonical) {
      const decision = this.checkAddress(address, port);
      if (!decision.ok) return decision;
    }
    return { ok: true };
  }

  /** The connect-time check: may a socket be opened to `address` (any spelling) on `port`? */
  checkAddress(address: string, port: number): EgressDecision {
    const canonical = canonicalIp(address);
    if (canonical === undefined) {
      return {
        ok: false,
        reason: 'forbidden',
        address,
        message: `refused to connect to ${JSON.stringify(address)}: not an IP address`,
      };
    }
    const forbidden = this.forbiddenAddress(canonical, port);
    if (forbidden !== undefined) return forbidden;
    if (this.allowed.length === 0) return { ok: true };
    if (this.allowed.some((e) => portMatches(e, port) && e.addresses.includes(canonical)))
      return { ok: true };
    return {
      ok: false,
      reason: 'not-allowed',
      address: canonical,
      message: `refused to connect to ${canonical}: not an address of upstream.allowedHosts as resolved at start`,
    };
  }

  private forbiddenAddress(
    canonical: string,
    port: number,
  ): (EgressDecision & { ok: false; entry: HostEntry }) | undefined {
    for (const address of reached(canonical)) {
      const entry = this.forbidden.find(
        (e) => portMatches(e, port) && e.addresses.includes(address),
      );
      if (entry !== undefined) {
        return {
          ok: false,
          reason: 'forbidden',
          address: canonical,
          entry,
          message: `refused to connect to ${canonical}: forbidden (${entry.where}: ${JSON.stringify(entry.text)})`,
        };
      }
    }
    return undefined;
  }
}
