/**
 * The parsers of bill files, by format, for BillIo.parseFile: one entry per connector that
 * downloads its bill as a file. A name, not a function, crosses to the app, because the app
 * may run the parser on a worker thread, which imports this table itself.
 */
import type { BillFileFormat, BillFileParams, BillIo, BillRow } from './bills.js';
import { readAlipayBill } from './alipay/bill-file.js';
import { parseTradeBillFile } from './wechatpay/bill-source.js';
import { zmRows } from './unionpay/bill-source.js';

export type BillFileParser = (path: string, params: BillFileParams, read: BillIo['read']) => AsyncIterable<BillRow>;

const text = (params: BillFileParams, name: string): string => String(params[name] ?? '');

export const billFileParsers: Readonly<Record<BillFileFormat, BillFileParser>> = {
  alipay: (path) => readAlipayBill(path),
  wechatpay: (path, _params, read) => parseTradeBillFile(read, path),
  unionpay: (path, params) => zmRows(path, text(params, 'merId'), text(params, 'day'), Number(params.maxBytes)),
};
