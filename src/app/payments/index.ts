/**
 * The payments module as the rest of Paygate uses it: create (create.ts → fallback.ts →
 * attempts.ts, with checks, daily limits and the routing log below them) and the use cases
 * on an existing payment (read, list, cancel, refresh).
 */
export { createPayment, type CreatePaymentInput } from './create.js';
export { isUnanswered, resumeHeldAttempt } from './held.js';
export { cancelPayment, listPayments, loadPaymentApi, refreshPayment, type ListPaymentsQuery, type PaymentApi } from '../payment-actions.js';
