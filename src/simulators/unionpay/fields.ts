// The fields every ACP 5.1.0 message must carry, per endpoint and txnType/txnSubType, from
// the ACP specification tables (shared/providers/unionpay.md) and UnionPay's official 5.1.0
// samples (consume/QR apply, consume undo, refund, query, file transfer). The real gateway
// refuses a message missing any of them with respCode 13 报文交易要素缺失 before looking at
// anything else, so a client that leaves one out fails here as it would in production.

/** Carried by every request; certId and signature are what AcpService.sign adds. */
export const COMMON_FIELDS = ['version', 'encoding', 'signMethod', 'certId', 'signature', 'txnType', 'txnSubType', 'bizType', 'accessType', 'merId'] as const;

type Path = 'back' | 'query' | 'file';

/** Per message: its own mandatory fields; `orig` = it names the original consume (origQryId, or origOrderId + origTxnTime). */
interface MessageFields {
  fields: readonly string[];
  orig?: true;
}

const TRANSACTION = ['channelType', 'orderId', 'txnTime', 'txnAmt', 'currencyCode', 'backUrl'] as const;

export const MESSAGE_FIELDS: Readonly<Record<string, MessageFields>> = {
  // QR apply (consume, customer scans): the result is notified to backUrl.
  'back 01/07': { fields: TRANSACTION },
  // Consume undo: backUrl too (samples: "后台通知地址"), the undo is notified like the consume.
  'back 31/00': { fields: TRANSACTION, orig: true },
  'back 04/00': { fields: TRANSACTION, orig: true },
  'query 00/00': { fields: ['orderId', 'txnTime'] },
  'file 76/01': { fields: ['txnTime', 'settleDate', 'fileType'] },
};

/** The mandatory fields the message lacks (empty counts as absent, as in signing), in table order. */
export function missingFields(path: Path, f: Readonly<Record<string, string>>): string[] {
  const has = (k: string): boolean => (f[k] ?? '') !== '';
  const missing: string[] = COMMON_FIELDS.filter((k) => !has(k));
  const spec = MESSAGE_FIELDS[`${path} ${f.txnType ?? ''}/${f.txnSubType ?? ''}`];
  // An unknown txnType/txnSubType is refused later as 10 (not supported), not as a missing field.
  if (spec === undefined) return missing;
  missing.push(...spec.fields.filter((k) => !has(k)));
  if (spec.orig && !has('origQryId') && !(has('origOrderId') && has('origTxnTime'))) {
    missing.push(has('origOrderId') ? 'origTxnTime' : has('origTxnTime') ? 'origOrderId' : 'origQryId');
  }
  return missing;
}
