// Offline, stateful fake of Stripe's API (Checkout Sessions, PaymentIntents, refunds,
// balance transactions, webhook endpoints) with a hosted checkout page and signed webhooks.
export { StripeSimulator, type StripeSimulatorOptions, type RegisteredAccount } from './simulator.js';
export { startStripeSimulator, STRIPE_SANDBOX_PREFIX } from './standalone.js';
export type { Faults } from '../common/faults.js';
export type { PayOutcome, PayResult } from './ledger.js';
export { ApiError } from './errors.js';
