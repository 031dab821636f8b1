/**
 * Connect-time egress guard for requests to merchant-chosen URLs (webhooks). The undici
 * connector resolves the host itself, checks every address against the policy
 * (address-policy.ts) and then connects to one of exactly those addresses, so what is
 * checked is what is connected to: a DNS answer that changes between a check and the
 * connect (rebinding) cannot slip a private address in. Literal IP hosts skip DNS and are
 * checked the same way. Nothing is sent to a refused address, not even a TCP SYN.
 */
import dns from 'node:dns';
import net from 'node:net';
import { Agent, buildConnector } from 'undici';
import { addressProblem, ALLOW_HINT, normalizeHost, type AllowList } from './address-policy.js';

/** Host name → its addresses, in the order to try them. */
export type Resolver = (hostname: string) => Promise<string[]>;

export const systemResolver: Resolver = async (hostname) => {
  const found = await dns.promises.lookup(hostname, { all: true, verbatim: true });
  return found.map((a) => a.address);
};

/** The policy refused the address: nothing was sent, and retrying cannot help until DNS or the policy changes. */
export class EgressRefusedError extends Error {
  readonly code = 'PAYGATE_EGRESS_REFUSED';
  constructor(readonly host: string, readonly address: string, readonly reason: string) {
    super(net.isIP(host) ? `address ${address} is ${reason}; ${ALLOW_HINT}` : `address ${address} of ${host} is ${reason}; ${ALLOW_HINT}`);
    this.name = 'EgressRefusedError';
  }
}

export interface EgressOptions {
  allow: AllowList;
  resolve?: Resolver;
  /** TCP (+ TLS) connect timeout per address tried. */
  connectTimeoutMs?: number;
  /** The connector that opens the socket once an address is vetted (undici's by default; tests spy on it). */
  baseConnector?: buildConnector.connector;
}

/** The addresses `host` may be connected to, or the refusal. */
export async function vetHost(host: string, allow: AllowList, resolve: Resolver): Promise<string[]> {
  const bare = normalizeHost(host);
  const addresses = net.isIP(bare) ? [bare] : await resolve(bare);
  if (addresses.length === 0) throw new Error(`${bare} has no address`);
  // A host the operator named is allowed wherever it points; still connect to what was resolved here.
  if (allow.hosts.has(bare)) return addresses;
  // Every address, not only the first: a name that also points inside is refused as a whole.
  for (const address of addresses) {
    const why = addressProblem(address, allow);
    if (why !== null) throw new EgressRefusedError(bare, address, why);
  }
  return addresses;
}

export function guardedConnector(opts: EgressOptions): buildConnector.connector {
  const resolve = opts.resolve ?? systemResolver;
  const base = opts.baseConnector ?? buildConnector({ timeout: opts.connectTimeoutMs ?? 10_000 });
  return (options, callback) => {
    vetHost(options.hostname, opts.allow, resolve).then(
      (addresses) => {
        // `host` keeps the URL's name, so TLS still sends SNI for it and checks the
        // certificate against it; only the address to dial is pinned.
        const attempt = (i: number) => {
          base({ ...options, hostname: addresses[i]! }, (err, socket) => {
            if (err && i + 1 < addresses.length && !isTlsFailure(err)) return attempt(i + 1);
            if (err) callback(err, null);
            else callback(null, socket);
          });
        };
        attempt(0);
      },
      (err: unknown) => callback(err instanceof Error ? err : new Error(String(err)), null),
    );
  };
}

/** A certificate problem is the same on every address of the host: don't try the next one. */
function isTlsFailure(err: Error): boolean {
  const code = (err as { code?: string }).code ?? '';
  return code.startsWith('ERR_TLS_') || code.includes('CERT') || code === 'DEPTH_ZERO_SELF_SIGNED_CERT';
}

/** A pooled agent whose every connection went through the guard. */
export function guardedAgent(opts: EgressOptions): Agent {
  return new Agent({ keepAliveTimeout: 30_000, connections: 64, pipelining: 1, connect: guardedConnector(opts) });
}
