/** Which bill source reads which provider's statement (connectors/bills.ts). */
import type { BillSource } from './bills.js';
import type { ProviderName } from './types.js';
import { alipayBills } from './alipay/bill-source.js';
import { paypalBills } from './paypal/bill-source.js';
import { stripeBills } from './stripe/bill-source.js';
import { unionpayBills } from './unionpay/bill-source.js';
import { wechatpayBills } from './wechatpay/bill-source.js';

// Typed per provider; erased here as the payment connectors are (app/connectors.ts): the
// credentials a source reads are parsed by the same provider's connector.
const SOURCES: Record<ProviderName, BillSource<unknown>> = {
  alipay: alipayBills as BillSource<unknown>,
  wechatpay: wechatpayBills as BillSource<unknown>,
  unionpay: unionpayBills as BillSource<unknown>,
  stripe: stripeBills as BillSource<unknown>,
  paypal: paypalBills as BillSource<unknown>,
};

export function billSourceFor(provider: string): BillSource<unknown> | undefined {
  return Object.hasOwn(SOURCES, provider) ? SOURCES[provider as ProviderName] : undefined;
}
