/**
 * Payment status fan-out for the hosted cashier's server-sent events. Every open cashier
 * page holds one SSE connection; pushing from the state change (instead of each connection
 * polling the database) keeps the cost of a status change O(listeners of that payment) and
 * the cost of an idle page zero.
 *
 * The seam: StatusBus. LocalStatusBus fans out within one process, which is complete for the
 * embedded default (one node). With several nodes behind a load balancer the buyer's SSE
 * connection and the notification that settles the payment may land on different nodes;
 * a cross-node bus keeps one LocalStatusBus per node as the hub and adds an upstream:
 * publish() → Redis PUBLISH (or PostgreSQL NOTIFY) on `paygate:payment:<id>`, and the node
 * subscribes to that channel when the hub gains its first listener for a payment
 * (`onFirstListener`) and unsubscribes when the last one leaves (`onLastListener`), feeding
 * messages into deliver(). So each node holds one upstream subscription per payment, however
 * many pages watch it. PgStatusBus (pg-bus.ts) is the PostgreSQL version, used whenever
 * DATABASE_URL is set; a Redis version belongs with production mode's Redis (issue 6).
 */

export type StatusListener = (status: string) => void;

export interface StatusBus {
  /** Called after the state change has committed; never throws. */
  publish(paymentId: string, status: string): void;
  /** `onClose` runs when the bus shuts down (node draining): the stream should end so the client reconnects elsewhere. */
  subscribe(paymentId: string, listener: StatusListener, onClose: () => void): () => void;
  /** Listeners currently held on this node (for metrics and the benchmark). */
  listenerCount(): number;
  close(): void;
}

export interface UpstreamHooks {
  onFirstListener?(paymentId: string): void;
  onLastListener?(paymentId: string): void;
}

interface Entry { listener: StatusListener; onClose: () => void }

export class LocalStatusBus implements StatusBus {
  private readonly byPayment = new Map<string, Set<Entry>>();
  private count = 0;
  private closed = false;

  constructor(private readonly upstream: UpstreamHooks = {}, private readonly onListenerError: (err: unknown) => void = () => undefined) {}

  publish(paymentId: string, status: string): void {
    this.deliver(paymentId, status);
  }

  /** Hands a status to this node's listeners; a cross-node bus calls it for messages from upstream. */
  deliver(paymentId: string, status: string): void {
    const set = this.byPayment.get(paymentId);
    if (!set) return;
    // Copy: a listener may unsubscribe (terminal status → stream ends) while we iterate.
    for (const e of [...set]) {
      try {
        e.listener(status);
      } catch (err) {
        // One broken connection must not stop the others from hearing the news.
        this.onListenerError(err);
      }
    }
  }

  subscribe(paymentId: string, listener: StatusListener, onClose: () => void): () => void {
    if (this.closed) {
      onClose();
      return () => undefined;
    }
    let set = this.byPayment.get(paymentId);
    if (!set) {
      set = new Set();
      this.byPayment.set(paymentId, set);
      this.upstream.onFirstListener?.(paymentId);
    }
    const entry: Entry = { listener, onClose };
    set.add(entry);
    this.count++;
    return () => {
      if (!set.delete(entry)) return; // already gone (second call, or the bus closed)
      this.count--;
      if (set.size === 0 && this.byPayment.get(paymentId) === set) {
        this.byPayment.delete(paymentId);
        this.upstream.onLastListener?.(paymentId);
      }
    };
  }

  listenerCount(): number {
    return this.count;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    const all = [...this.byPayment.values()].flatMap((s) => {
      const entries = [...s];
      s.clear();
      return entries;
    });
    this.byPayment.clear();
    this.count = 0;
    for (const e of all) {
      try {
        e.onClose();
      } catch (err) {
        this.onListenerError(err);
      }
    }
  }
}
