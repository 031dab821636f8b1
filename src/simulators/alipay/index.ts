// Offline, stateful fake of Alipay's OpenAPI v2 gateway (face-to-face QR payments).
export { AlipaySimulator, type AlipaySimulatorOptions } from './simulator.js';
export { startAlipaySimulator, ALIPAY_SANDBOX_PREFIX } from './standalone.js';
export type { Faults } from '../common/faults.js';
export type { PayerTrade, PayOutcome } from './payer.js';
export { PayerError } from './payer.js';
export type { RegisteredApp } from './admin.js';
