// Offline, stateful fake of UnionPay's ACP 5.1.0 back-end gateway (QR consume, undo, refund, query, file transfer).
export { UnionpaySimulator, type UnionpaySimulatorOptions } from './simulator.js';
export { startUnionpaySimulator, UNIONPAY_SANDBOX_PREFIX } from './standalone.js';
export { PayerError, type PayerView, type PayOutcome } from './payer.js';
export type { RegisteredMerchant } from './admin.js';
