/**
 * The asynchronous-notification outbox every simulator uses. Rows live in the simulator's
 * state DB so pending retries survive a restart; a send claims its attempt (attempts+1, next
 * retry time) before the HTTP call, so a crash mid-send leads to a retry rather than a
 * silently lost notification. The provider says only how one attempt is signed and sent and
 * what counts as an acknowledgement; the schedule, time scale and faults are handled here.
 */
import type { Faults } from './faults.js';

export type DeliveryStatus = 'pending' | 'delivered' | 'failed' | 'dropped';

/** The columns the outbox reads and writes; a provider's row type adds its own. */
export interface OutboxRow {
  id: number;
  attempts: number;
  next_attempt_at: number;
  status: DeliveryStatus;
  last_error: string | null;
}

export type OutboxPatch = Partial<Omit<OutboxRow, 'id'>> & { delivered_at?: number };

/** Where the rows live (SqliteStore.outboxTable builds one). */
export interface OutboxTable<R extends OutboxRow> {
  /** The table has a delivered_at column, stamped on acknowledgement. */
  readonly deliveredAt: boolean;
  insert(row: object): number;
  due(now: number, limit: number): R[];
  update(id: number, patch: OutboxPatch): void;
}

/** One attempt's request; `headers` is asked once per copy (PayPal signs every copy afresh). */
export interface OutboundRequest {
  url: string;
  body: string;
  headers(): Record<string, string>;
}

/** What the outbox needs from its simulator (the SimulatorHost). */
export interface OutboxHost {
  readonly name: string;
  readonly timeScale: number;
  faults(): Faults;
  now(): number;
  log(message: string): void;
}

export interface OutboxProtocol<R extends OutboxRow> {
  /** Gaps after attempt 1..n-1, at a time scale of 1: n = length + 1 sends in all. */
  retryDelaysMs: readonly number[];
  /** Default 10 s. */
  sendTimeoutMs?: number;
  /** The signed request for this attempt, or why it can never be sent (the row then fails). */
  request(row: R): OutboundRequest | string;
  /** undefined when the answer acknowledges the notification, else why not (kept as last_error). */
  ack(status: number, text: string): string | undefined;
}

const BATCH = 50;
const MAX_ERROR_LENGTH = 500;

/** The fields a new row gets from the outbox rather than from the provider. */
type Scheduled = keyof OutboxRow;

export class Outbox<R extends OutboxRow> {
  readonly maxAttempts: number;
  private readonly inFlight = new Map<number, Promise<void>>();
  private readonly abort = new AbortController();
  private kickPending = false;
  private closed = false;

  constructor(
    private readonly host: OutboxHost,
    private readonly table: OutboxTable<R>,
    private readonly protocol: OutboxProtocol<R>,
  ) {
    this.maxAttempts = protocol.retryDelaysMs.length + 1;
  }

  /**
   * Records a notification due now. Call inside the transaction of the state change, so the
   * two are never out of step; the first send starts right after that transaction commits.
   */
  add(row: Omit<R, Scheduled>): number {
    const id = this.table.insert({ ...row, attempts: 0, next_attempt_at: this.host.now(), status: 'pending', last_error: null });
    this.kick();
    return id;
  }

  /** Runs due sends on the next turn of the event loop rather than on the next tick. */
  kick(): void {
    if (this.kickPending) return;
    this.kickPending = true;
    setImmediate(() => {
      this.kickPending = false;
      this.runDue();
    });
  }

  /** Starts sends for every due row that is not already in flight. */
  runDue(): void {
    if (this.closed) return;
    for (const row of this.table.due(this.host.now(), BATCH)) {
      if (this.inFlight.has(row.id)) continue;
      const p = this.deliver(row)
        .catch((err: unknown) => this.host.log(`${this.host.name}: notification ${row.id} failed: ${String(err)}`))
        .finally(() => this.inFlight.delete(row.id));
      this.inFlight.set(row.id, p);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.abort.abort();
    await Promise.allSettled([...this.inFlight.values()]);
  }

  private async deliver(row: R): Promise<void> {
    const { table } = this;
    const faults = this.host.faults();
    if (row.attempts >= this.maxAttempts) return table.update(row.id, { status: 'failed' });
    const request = this.protocol.request(row);
    if (typeof request === 'string') return table.update(row.id, { status: 'failed', last_error: request });
    if (faults.drop_notifications) return table.update(row.id, { status: 'dropped', last_error: 'dropped by fault injection' });
    const attempt = row.attempts + 1;
    const gap = this.protocol.retryDelaysMs[attempt - 1];
    const now = this.host.now();
    table.update(row.id, { attempts: attempt, next_attempt_at: gap === undefined ? now : now + Math.round(gap * this.host.timeScale) });
    const copies = faults.duplicate_notifications ? faults.duplicate_count : 1;
    const errors = await Promise.all(Array.from({ length: copies }, () => this.post(request)));
    if (this.closed) return;
    if (errors.some((e) => e === undefined)) {
      return table.update(row.id, { status: 'delivered', last_error: null, ...(table.deliveredAt ? { delivered_at: this.host.now() } : {}) });
    }
    table.update(row.id, { status: attempt >= this.maxAttempts ? 'failed' : 'pending', last_error: (errors[0] ?? 'unknown').slice(0, MAX_ERROR_LENGTH) });
  }

  /** undefined when acknowledged, else the error. */
  private async post(request: OutboundRequest): Promise<string | undefined> {
    try {
      const res = await fetch(request.url, {
        method: 'POST',
        headers: request.headers(),
        body: request.body,
        redirect: 'manual',
        signal: AbortSignal.any([this.abort.signal, AbortSignal.timeout(this.protocol.sendTimeoutMs ?? 10_000)]),
      });
      return this.protocol.ack(res.status, await res.text());
    } catch (err) {
      return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    }
  }
}
