// Offline, stateful fake of PayPal REST (OAuth2, Orders v2, captures, refunds, webhooks, transaction search).
export { PaypalSimulator, WEBHOOK_EVENTS, type PaypalSimulatorOptions, type RegisteredPaypalApp } from './simulator.js';
export { startPaypalSimulator, PAYPAL_SANDBOX_PREFIX } from './standalone.js';
export type { Faults } from '../common/faults.js';
export { PayerError, type PayOutcome } from './payer.js';
