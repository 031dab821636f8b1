/**
 * Cross-node payment status fan-out over PostgreSQL LISTEN/NOTIFY, for several gateway
 * nodes on one database: the buyer's SSE connection may sit on node B while the
 * notification that settles the payment lands on node A. Each node keeps its
 * LocalStatusBus as the hub and one dedicated LISTEN connection for all payments (one
 * upstream subscription per node, however many pages are open). publish() delivers
 * locally at once and NOTIFYs the others; a node ignores its own echoes.
 * A status missed while the LISTEN connection reconnects is not replayed: the cashier page
 * also polls /pay/{id}/status on a slow timer, so it still converges.
 */
import crypto from 'node:crypto';
import pg from 'pg';
import { LocalStatusBus, type StatusBus, type StatusListener } from './bus.js';

const CHANNEL = 'paygate_payment_status';

export class PgStatusBus implements StatusBus {
  private readonly local: LocalStatusBus;
  private readonly node = crypto.randomBytes(6).toString('hex');
  private client: pg.Client | undefined;
  private closed = false;
  private retryMs = 250;
  private markReady: () => void = () => undefined;
  /** Resolves once the LISTEN connection is up (tests; startup ordering). */
  readonly ready: Promise<void>;

  constructor(private readonly pool: pg.Pool, private readonly connectionString: string, private readonly log: (msg: string, err?: unknown) => void) {
    this.local = new LocalStatusBus({}, (err) => log('cashier status listener failed', err));
    this.ready = new Promise((resolve) => { this.markReady = resolve; });
    void this.connect();
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    const client = new pg.Client({ connectionString: this.connectionString });
    client.on('error', (err) => {
      this.log('status LISTEN connection lost; reconnecting', err);
      this.reconnect(client);
    });
    client.on('notification', (msg) => {
      if (msg.channel !== CHANNEL || !msg.payload) return;
      const [node, paymentId, status] = msg.payload.split('|');
      if (!node || !paymentId || !status || node === this.node) return;
      this.local.deliver(paymentId, status);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
      this.client = client;
      this.retryMs = 250;
      this.markReady();
    } catch (err) {
      this.log('status LISTEN connection failed; retrying', err);
      this.reconnect(client);
    }
  }

  private reconnect(client: pg.Client): void {
    void client.end().catch(() => undefined);
    if (this.client === client) this.client = undefined;
    if (this.closed) return;
    const wait = this.retryMs;
    this.retryMs = Math.min(this.retryMs * 2, 10_000);
    setTimeout(() => void this.connect(), wait).unref();
  }

  publish(paymentId: string, status: string): void {
    this.local.deliver(paymentId, status);
    if (this.closed) return;
    this.pool.query('SELECT pg_notify($1, $2)', [CHANNEL, `${this.node}|${paymentId}|${status}`]).catch((err: unknown) => this.log('status NOTIFY failed', err));
  }

  subscribe(paymentId: string, listener: StatusListener, onClose: () => void): () => void {
    return this.local.subscribe(paymentId, listener, onClose);
  }

  listenerCount(): number {
    return this.local.listenerCount();
  }

  close(): void {
    this.closed = true;
    this.local.close();
    const c = this.client;
    this.client = undefined;
    void c?.end().catch(() => undefined);
  }
}
