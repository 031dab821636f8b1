// Transaction state changes. Each one updates the rows and enqueues its notification in a
// single SQLite transaction, so a restart never finds one without the other.
import { cstStamp, newQrToken, newQueryId, newTraceNo, settleDateOf } from './format.js';
import type { Outbox } from '../common/outbox.js';
import type { NotificationRow, Store, TxnRow } from './store.js';

export interface NewTxn {
  merId: string;
  orderId: string;
  txnTime: string;
  txnType: string;
  txnSubType: string;
  txnAmt: number;
  backUrl: string | undefined;
  reqReserved: string | undefined;
}

export class Txns {
  constructor(
    private readonly store: Store,
    private readonly outbox: Outbox<NotificationRow>,
    private readonly now: () => number,
  ) {}

  private insert(t: NewTxn, extra: Partial<TxnRow>): TxnRow {
    return this.store.insertTxn({
      mer_id: t.merId, order_id: t.orderId, txn_time: t.txnTime, txn_type: t.txnType, txn_sub_type: t.txnSubType, txn_amt: t.txnAmt,
      back_url: t.backUrl ?? null, req_reserved: t.reqReserved ?? null, query_id: newQueryId(this.now()), orig_id: null, status: 'open',
      qr_token: null, pay_timeout: null, refunded_amt: 0, settle_date: null, trace_no: null, created_at: this.now(), completed_at: null,
      ...extra,
    });
  }

  apply(t: NewTxn, payTimeout: number | null): TxnRow {
    return this.insert(t, { qr_token: newQrToken(), pay_timeout: payTimeout });
  }

  isExpired(consume: TxnRow): boolean {
    return consume.pay_timeout !== null && consume.pay_timeout <= this.now();
  }

  pay(consume: TxnRow): TxnRow {
    return this.store.transaction(() => {
      const now = this.now();
      const paid = this.store.updateTxn(consume.id, { status: 'paid', completed_at: now, settle_date: settleDateOf(now), trace_no: newTraceNo() });
      this.notify(paid);
      return paid;
    });
  }

  /** UnionPay notifies successful transactions; a declined payment is learned by query. */
  fail(consume: TxnRow): TxnRow {
    return this.store.updateTxn(consume.id, { status: 'failed', completed_at: this.now() });
  }

  refund(consume: TxnRow, t: NewTxn): TxnRow {
    return this.store.transaction(() => {
      const now = this.now();
      const refund = this.insert(t, { orig_id: consume.id, status: 'succeeded', completed_at: now, settle_date: settleDateOf(now), trace_no: newTraceNo() });
      this.store.updateTxn(consume.id, { refunded_amt: consume.refunded_amt + t.txnAmt });
      this.notify(refund, consume);
      return refund;
    });
  }

  /** Undo closes an unpaid order or reverses a paid one in full; the undo itself is a transaction too. */
  undo(consume: TxnRow, t: NewTxn): TxnRow {
    return this.store.transaction(() => {
      const now = this.now();
      if (consume.status === 'open') this.store.updateTxn(consume.id, { status: 'closed', completed_at: now });
      if (consume.status === 'paid') this.store.updateTxn(consume.id, { status: 'undone' });
      const paid = consume.status === 'paid';
      const undo = this.insert(t, { orig_id: consume.id, status: 'succeeded', completed_at: now, settle_date: paid ? settleDateOf(now) : null, trace_no: newTraceNo() });
      if (paid) this.notify(undo, consume);
      return undo;
    });
  }

  /** Signed notification fields, without signPubKeyCert and signature (added per send). */
  notificationFields(txn: TxnRow, orig?: TxnRow): Record<string, string> {
    const at = txn.completed_at ?? txn.created_at;
    const fields: Record<string, string> = {
      version: '5.1.0', encoding: 'utf-8', signMethod: '01', accessType: '0', bizType: '000000',
      txnType: txn.txn_type, txnSubType: txn.txn_sub_type, merId: txn.mer_id, orderId: txn.order_id, txnTime: txn.txn_time,
      txnAmt: String(txn.txn_amt), currencyCode: '156', queryId: txn.query_id, traceNo: txn.trace_no ?? '', traceTime: cstStamp(at).slice(4),
      settleAmt: String(txn.txn_amt), settleCurrencyCode: '156', settleDate: txn.settle_date ?? '', respCode: '00', respMsg: 'success',
    };
    if (txn.req_reserved) fields.reqReserved = txn.req_reserved;
    if (orig) fields.origQryId = orig.query_id;
    return fields;
  }

  /** Call inside the state change's transaction; no-op without backUrl. */
  private notify(txn: TxnRow, orig?: TxnRow): void {
    if (!txn.back_url) return;
    this.outbox.add({ txn_id: txn.id, url: txn.back_url, fields: JSON.stringify(this.notificationFields(txn, orig)) });
  }
}
