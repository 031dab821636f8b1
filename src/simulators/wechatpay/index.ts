// Offline, stateful fake of WeChat Pay APIv3 (Native QR payments, refunds, trade bills).
export { WechatpaySimulator, type WechatpaySimulatorOptions } from './simulator.js';
export { startWechatpaySimulator, WECHATPAY_SANDBOX_PREFIX } from './standalone.js';
export type { Faults } from '../common/faults.js';
export type { PayerOrder, PayOutcome } from './payer.js';
export { PayerError } from './payer.js';
export type { RegisteredMerchant, RegisterMerchantInput } from './admin.js';
