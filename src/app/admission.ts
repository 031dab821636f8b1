/**
 * Budgets for traffic nobody authenticated: buyers at the cashier, their live status
 * streams, provider notifications, the simulators. Each kind has budgets of its own, so no
 * amount of it can take the merchant API's in-flight budget (PAYGATE_MAX_INFLIGHT, which
 * counts authenticated requests only; see rate-limit.ts):
 * - a per-client rate for the cashier pages and status polls (one-second windows per
 *   address, shared by every node through Redis when there is one);
 * - node-local in-flight caps (what this process is holding right now), with a per-holder
 *   share where one holder must not take the whole budget: a payment's status streams, one
 *   address's notifications.
 * Every check here is memory or one Redis round trip: a refusal never costs a query.
 */
import net from 'node:net';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { AppContext } from './context.js';

export type Refusal = 'full' | 'holder_full';

export interface Slot {
  /** Gives the slot back; calling it again does nothing. */
  release(): void;
}

/**
 * Things in progress on this node, at most `cap` in all and at most `perHolder` for any one
 * holder. The per-holder map only has entries for holders with something in progress, so
 * its size is bounded by `cap`.
 */
export class InflightBudget {
  private total = 0;
  private readonly held = new Map<string, number>();
  constructor(readonly cap: number, readonly perHolder: number = cap) {}

  get size(): number {
    return this.total;
  }

  take(holder?: string): Slot | Refusal {
    if (this.total >= this.cap) return 'full';
    const mine = holder === undefined ? 0 : this.held.get(holder) ?? 0;
    if (holder !== undefined && mine >= this.perHolder) return 'holder_full';
    this.total++;
    if (holder !== undefined) this.held.set(holder, mine + 1);
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.total--;
        if (holder === undefined) return;
        const left = (this.held.get(holder) ?? 1) - 1;
        if (left <= 0) this.held.delete(holder);
        else this.held.set(holder, left);
      },
    };
  }
}

/**
 * The key a client's requests are counted under. IPv4 as is (an IPv4-mapped IPv6 address is
 * the IPv4 one); IPv6 by its /64, because one subscriber usually gets a whole /64 and could
 * otherwise use a fresh address per request.
 */
export function clientKey(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped?.[1]) return mapped[1];
  if (net.isIPv6(ip)) return `${expandIpv6(ip).slice(0, 4).join(':')}::/64`;
  return ip;
}

function expandIpv6(ip: string): string[] {
  const [head = '', tail] = ip.split('%')[0]!.split('::');
  const parts = (s: string) => (s === '' ? [] : s.split(':'));
  const h = parts(head);
  const t = tail === undefined ? [] : parts(tail);
  // An embedded IPv4 tail (64:ff9b::1.2.3.4) stands for two groups.
  const v4tail = [...h, ...t].some((g) => g.includes('.')) ? 1 : 0;
  const groups = [...h, ...Array.from({ length: Math.max(0, 8 - h.length - t.length - v4tail) }, () => '0'), ...t];
  return groups.map((g) => (g.includes('.') ? g : (parseInt(g, 16) || 0).toString(16)));
}

export interface ClientAdmission {
  admitted: boolean;
  /** Seconds until the client's window ends (at least 1), for Retry-After. */
  retryAfterS: number;
}

/** Counts one cashier request for the client at `ip` against PAYGATE_CASHIER_RATE_PER_IP. */
export async function admitClient(ctx: AppContext, ip: string): Promise<ClientAdmission> {
  const limit = ctx.config.PAYGATE_CASHIER_RATE_PER_IP;
  // Own key space in the same windows as the API keys' (key ids never start with "ip:").
  const take = await ctx.rateWindows.take(`ip:${clientKey(ip)}`, limit, limit);
  return { admitted: take.admitted, retryAfterS: Math.max(1, Math.ceil(take.msBeforeNext / 1000)) };
}

/** Traffic classes that have budgets here (the merchant API's are in rate-limit.ts). */
export type PublicClass = 'cashier' | 'stream' | 'notify' | 'sandbox';
export type RefusalReason = 'client_rate' | 'per_payment' | 'per_client' | 'node_budget';

interface AdmissionMetrics {
  refused: Counter<'class' | 'reason'>;
  /** Budgets whose size the in-flight gauge reports, by class. */
  sources: Map<string, () => number>;
}
const metrics = new WeakMap<Registry, AdmissionMetrics>();

/**
 * paygate_admission_refused_total{class,reason} and paygate_inflight{class}, registered once
 * per registry. `sources` is filled by whoever owns the budgets (http/admission.ts).
 */
export function admissionMetrics(registry: Registry): AdmissionMetrics {
  let m = metrics.get(registry);
  if (!m) {
    const sources = new Map<string, () => number>();
    m = {
      sources,
      refused: new Counter({
        name: 'paygate_admission_refused_total',
        help: 'Unauthenticated requests refused before any work: class cashier|stream|notify|sandbox, reason client_rate (per-address rate), per_payment (status streams of one payment), per_client (one address\'s share of the notification budget) or node_budget (the class\'s in-flight cap on this node)',
        labelNames: ['class', 'reason'] as const, registers: [registry],
      }),
    };
    new Gauge({
      name: 'paygate_inflight', help: 'Requests in progress on this node by class (merchant = authenticated /v1 and /admin; stream = open cashier event streams)',
      labelNames: ['class'] as const, registers: [registry],
      collect() {
        for (const [cls, size] of sources) this.set({ class: cls }, size());
      },
    });
    metrics.set(registry, m);
  }
  return m;
}

export function countAdmissionRefusal(registry: Registry, cls: PublicClass, reason: RefusalReason): void {
  admissionMetrics(registry).refused.inc({ class: cls, reason });
}
