/**
 * The payments module as the rest of Paygate uses it: create (create.ts → fallback.ts →
 * attempts.ts, with checks, daily limits and the routing log below them) and the use cases
 * on an existing payment (read, list, cancel, refresh).
 */
export { createPayment, type CreatePaymentInput } from './create.js';
export { isUnanswered, resumeHeldAttempt } from './held.js';
export { listPayments, loadPaymentApi, type ListPaymentsQuery, type PaymentApi } from './queries.js';
export { cancelPayment, refreshPayment } from './cancel.js';
