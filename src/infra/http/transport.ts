/**
 * Outbound HTTP for provider calls and merchant webhooks, over undici's pooled agent.
 * The transport knows nothing about providers: it sends a WireRequest and returns the raw
 * answer, or a TransportError saying whether the request may have reached the other side.
 */
import { Agent, request, errors, type Dispatcher } from 'undici';
import type { WireRequest, WireResponse } from '../../connectors/types.js';
import type { AllowList } from './address-policy.js';
import { EgressRefusedError, guardedAgent, type Resolver } from './egress.js';

export class TransportError extends Error {
  /**
   * `delivery` says whether the other side may have received the request: 'unsent' only
   * when it provably did not (no connection was made); anything after the connection
   * (a timeout waiting for the answer, a reset, an answer too large to read) is 'unanswered'.
   */
  constructor(readonly kind: 'timeout' | 'network', message: string, options?: { cause?: unknown; delivery?: 'unsent' | 'unanswered' }) {
    super(message, options);
    this.name = 'TransportError';
    this.delivery = options?.delivery ?? 'unanswered';
  }
  readonly delivery: 'unsent' | 'unanswered';
}

/** Errors raised before a connection existed: the request cannot have reached the server. */
const NOT_CONNECTED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'UND_ERR_CONNECT_TIMEOUT']);

function neverConnected(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof errors.ConnectTimeoutError) return true;
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && NOT_CONNECTED.has(code)) return true;
  }
  return false;
}

export interface SendOptions {
  /**
   * The URL was chosen by a merchant (webhooks): connect only to addresses this policy
   * allows, checked at connect time (see egress.ts). A refusal throws EgressRefusedError.
   * Provider calls go to operator-configured base URLs and leave this unset.
   */
  egress?: AllowList;
}

export interface Transport {
  /** `signal` lets a caller's own deadline (the resilience policy's timeout) really cancel the request. */
  send(req: WireRequest, timeoutMs: number, signal?: AbortSignal, options?: SendOptions): Promise<WireResponse>;
  close(): Promise<void>;
}

const MAX_RESPONSE_BYTES = 8 * 1024 * 1024;

export function createTransport(opts: { resolve?: Resolver } = {}): Transport {
  const agent = new Agent({ keepAliveTimeout: 30_000, connections: 64, pipelining: 1 });
  // One guarded pool per policy (in practice one: the frozen config's), kept for reuse.
  const guarded = new Map<AllowList, Agent>();
  const dispatcherFor = (egress: AllowList | undefined): Dispatcher => {
    if (!egress) return agent;
    let a = guarded.get(egress);
    if (!a) guarded.set(egress, (a = guardedAgent({ allow: egress, ...(opts.resolve ? { resolve: opts.resolve } : {}) })));
    return a;
  };
  return {
    async send(req, timeoutMs, signal, options) {
      try {
        // undici's request() never follows redirects (that needs its redirect interceptor,
        // which is not installed): a 3xx comes back as the answer, and is not a 2xx.
        const res = await request(req.url, {
          method: req.method,
          headers: req.headers,
          body: req.body,
          dispatcher: dispatcherFor(options?.egress),
          headersTimeout: timeoutMs,
          bodyTimeout: timeoutMs,
          signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]) : AbortSignal.timeout(timeoutMs),
        });
        const chunks: Buffer[] = [];
        let size = 0;
        for await (const chunk of res.body) {
          const buf = chunk as Buffer;
          size += buf.length;
          if (size > MAX_RESPONSE_BYTES) {
            res.body.destroy();
            throw new TransportError('network', `response larger than ${MAX_RESPONSE_BYTES} bytes`);
          }
          chunks.push(buf);
        }
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers)) {
          if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
        }
        return { status: res.statusCode, headers, body: Buffer.concat(chunks).toString('utf8') };
      } catch (err) {
        if (err instanceof TransportError || err instanceof EgressRefusedError) throw err;
        if (neverConnected(err)) {
          throw new TransportError('network', `could not connect to ${new URL(req.url).origin}: ${(err as Error).message}`, { cause: err, delivery: 'unsent' });
        }
        if (
          err instanceof errors.HeadersTimeoutError ||
          err instanceof errors.BodyTimeoutError ||
          (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError'))
        ) {
          throw new TransportError('timeout', `no answer within ${timeoutMs} ms from ${new URL(req.url).origin}`, { cause: err });
        }
        throw new TransportError('network', `request to ${new URL(req.url).origin} failed: ${(err as Error).message}`, { cause: err });
      }
    },
    close: async () => { await Promise.all([agent.close(), ...[...guarded.values()].map((a) => a.close())]); },
  };
}
