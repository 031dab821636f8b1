import { billDownloadUrl } from './bill.js';
import { alipayCertDownload } from './cert.js';
import { cancel, close } from './close.js';
import type { MethodHandler } from './common.js';
import { precreate } from './precreate.js';
import { query } from './query.js';
import { refund, refundQuery } from './refund.js';

/** The OpenAPI methods the sandbox implements, keyed by the `method` parameter. */
export const METHODS: ReadonlyMap<string, MethodHandler> = new Map([
  ['alipay.trade.precreate', precreate],
  ['alipay.trade.query', query],
  ['alipay.trade.close', close],
  ['alipay.trade.cancel', cancel],
  ['alipay.trade.refund', refund],
  ['alipay.trade.fastpay.refund.query', refundQuery],
  ['alipay.data.dataservice.bill.downloadurl.query', billDownloadUrl],
  ['alipay.open.app.alipaycert.download', alipayCertDownload],
]);
