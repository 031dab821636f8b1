/**
 * Common ACP 5.1.0 request fields and the signed form sent to UnionPay's back-end paths.
 */
import type { Connector, ConnectorContext, WireRequest } from '../types.js';
import type { UnionpayCredentials } from './credentials.js';
import { encodeForm } from './form.js';
import { CURRENCY_CODE } from './order.js';
import { signFields } from './sign.js';

export type UnionpayContext = ConnectorContext<UnionpayCredentials>;
/** The port this connector implements; each operation module declares its members against it. */
export type UnionpayPort = Connector<UnionpayCredentials>;

export const BACK_TRANS_PATH = '/gateway/api/backTransReq.do';
export const QUERY_PATH = '/gateway/api/queryTrans.do';
export const FILE_TRANS_PATH = '/gateway/api/fileTransRequest.do';
export const FORM_CONTENT_TYPE = 'application/x-www-form-urlencoded;charset=utf-8';

/** Transaction fields of one request; undefined and '' are left out of body and signature alike. */
export type TxnFields = Record<string, string | undefined>;

export function signedFields(ctx: UnionpayContext, txn: TxnFields): Record<string, string> {
  const fields: Record<string, string> = {
    version: '5.1.0',
    encoding: 'utf-8',
    signMethod: '01',
    certId: ctx.credentials.certId,
    accessType: '0',
    merId: ctx.credentials.merId,
  };
  for (const [key, value] of Object.entries(txn)) if (value !== undefined && value !== '') fields[key] = value;
  return { ...fields, signature: signFields(fields, ctx.credentials.signKey) };
}

/** Mobile: the QR code is scanned by a phone wallet. */
export const CHANNEL_TYPE = '08';

/**
 * A transaction on the back-end path that moves money (QR apply, consume undo, refund). The
 * fields ACP 5.1.0 makes mandatory for all of them — bizType, channelType, currencyCode and
 * backUrl (without them a gateway answers 13 报文交易要素缺失) — are set here once.
 */
export function backTransRequest(ctx: UnionpayContext, txnType: string, txnSubType: string, txn: TxnFields & { orderId: string; txnTime: string; txnAmt: string }): WireRequest {
  return unionpayRequest(ctx, BACK_TRANS_PATH, { txnType, txnSubType, bizType: '000000', channelType: CHANNEL_TYPE, ...txn, currencyCode: CURRENCY_CODE, backUrl: ctx.notifyUrl });
}

export function unionpayRequest(ctx: UnionpayContext, path: string, txn: TxnFields): WireRequest {
  return {
    method: 'POST',
    url: `${ctx.baseUrl.replace(/\/+$/, '')}${path}`,
    headers: { 'Content-Type': FORM_CONTENT_TYPE },
    body: encodeForm(signedFields(ctx, txn)),
  };
}
