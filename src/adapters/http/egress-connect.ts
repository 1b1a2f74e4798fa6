/**
 * The egress policy at the socket: a DNS resolver port for node, and the undici `connect`
 * function that checks every address a connection is about to reach against the policy
 * (core/http/egress.ts). The start check sees the DNS answer of that moment; this one sees the
 * answer the socket actually uses, so a name that rebinds to a forbidden address later is
 * refused before a single packet goes there. Every outgoing connection goes through it: record,
 * passthrough, drift — and webhook delivery (adapters/http/webhook-sender.ts), whose policy is
 * the webhook destinations (core/webhooks/destinations.ts).
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { buildConnector } from 'undici';
import type { ErrorCode } from '../../core/errors.js';
import { canonicalIp, type EgressDecision, type Resolver } from '../../core/http/egress.js';
import type { Logger } from '../../core/ports/index.js';

/** The error a refused connection fails with (undici hands it to the request). */
export class EgressRefusedError extends Error {
  override readonly name = 'EgressRefusedError';
  readonly code = 'EGRESS_REFUSED';
  constructor(
    message: string,
    readonly address: string,
  ) {
    super(message);
  }
}

/** Every address of `name` (`dns.lookup`, all families, as the OS orders them), bounded in time. */
export function systemResolver(timeoutMs = 3_000): Resolver {
  return (name) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            Object.assign(new Error(`DNS lookup of ${name} took over ${timeoutMs} ms`), {
              code: 'EAI_AGAIN',
            }),
          ),
        timeoutMs,
      );
      dnsLookup(name, { all: true, verbatim: true }, (error, addresses: LookupAddress[]) => {
        clearTimeout(timer);
        if (error) reject(error);
        else resolve(addresses.map((a) => a.address));
      });
    });
}

/** What the connector asks of a policy: the upstream's EgressPolicy, the webhook destinations. */
export interface AddressPolicy {
  checkAddress(address: string, port: number): EgressDecision;
}

export interface EgressConnectOptions<P extends AddressPolicy = AddressPolicy> {
  readonly policy: P;
  /** How names resolve at connect time (tests inject one that changes its answer). */
  readonly resolver?: Resolver;
  /** Says "refused to connect to ADDRESS: forbidden …" for each refusal. */
  readonly logger?: Logger;
  /** Connect timeout (undici's default: 10 s). */
  readonly timeoutMs?: number;
  /** The code the refusal's log line carries (TD_UPSTREAM_UNREACHABLE unless said). */
  readonly refusedCode?: ErrorCode;
}

type Connector = buildConnector.connector;

/**
 * An undici `connect` function: resolves the host itself (through `resolver`), refuses the
 * connection when any address it would use is refused by the policy, and checks the socket's
 * remote address once connected, before undici writes a byte of the request.
 */
export function egressConnector(options: EgressConnectOptions): Connector {
  const { policy } = options;
  const resolver = options.resolver ?? systemResolver();
  const byPort = new Map<number, Connector>();

  const refuse = (message: string, address: string): EgressRefusedError => {
    options.logger?.log('warn', 'egress.refused', message, {
      code: options.refusedCode ?? 'TD_UPSTREAM_UNREACHABLE',
    });
    return new EgressRefusedError(message, address);
  };
  const check = (address: string, port: number): EgressRefusedError | undefined => {
    const decision = policy.checkAddress(address, port);
    return decision.ok ? undefined : refuse(decision.message, decision.address);
  };

  const lookupFor = (port: number): LookupFunction =>
    ((hostname: string, lookupOptions: { all?: boolean }, callback: LookupCallback) => {
      resolver(hostname).then(
        (answers) => {
          if (answers.length === 0) {
            callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }));
            return;
          }
          for (const address of answers) {
            const refused = check(address, port);
            if (refused !== undefined) return callback(refused);
          }
          // The checked, canonical form is what the socket gets: nothing is read twice.
          const list = answers.map((answer) => {
            const address = canonicalIp(answer) ?? answer;
            return { address, family: address.includes(':') ? 6 : 4 };
          });
          if (lookupOptions.all === true) callback(null, list);
          else callback(null, list[0]!.address, list[0]!.family);
        },
        (error: unknown) => callback(error as Error),
      );
    }) as unknown as LookupFunction;

  const connectorFor = (port: number): Connector => {
    let connector = byPort.get(port);
    if (connector === undefined) {
      connector = buildConnector({
        lookup: lookupFor(port),
        ...(options.timeoutMs === undefined ? {} : { timeout: options.timeoutMs }),
      });
      byPort.set(port, connector);
    }
    return connector;
  };

  return (connectOptions, callback) => {
    const port = !connectOptions.port
      ? connectOptions.protocol === 'https:'
        ? 443
        : 80
      : Number(connectOptions.port);
    // An IP literal never reaches `lookup` (net.connect uses it as it is): check it here.
    if (canonicalIp(connectOptions.hostname) !== undefined) {
      const refused = check(connectOptions.hostname, port);
      if (refused !== undefined) {
        queueMicrotask(() => callback(refused, null));
        return;
      }
    }
    connectorFor(port)(connectOptions, (error, socket) => {
      if (error !== null) return callback(error, null);
      // Belt and braces: the address the kernel connected to (0.0.0.0 becomes 127.0.0.1).
      const remote = socket.remoteAddress;
      const refused = remote === undefined ? undefined : check(remote, port);
      if (refused !== undefined) {
        socket.destroy();
        return callback(refused, null);
      }
      callback(null, socket);
    });
  };
}

type LookupCallback = (
  error: Error | null,
  address?: string | readonly { address: string; family: number }[],
  family?: number,
) => void;
