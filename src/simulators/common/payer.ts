/**
 * The buyer's side shared by the QR-code simulators (Alipay, WeChat Pay, UnionPay): the
 * outcomes a sandbox buyer can choose, the error a payer route answers with, and the JSON
 * body of POST /_payer/pay and /_payer/scan.
 */
import type { FastifyReply } from 'fastify';

export type PayOutcome = 'success' | 'fail';

/** Limit for the small JSON bodies of the sandbox-only routes. */
export const JSON_BODY_LIMIT = 16 * 1024;

/** What a buyer action is refused with; sent as { error: { code, message } } with its status. */
export class PayerError extends Error {
  constructor(readonly statusCode: number, readonly code: string, message: string) {
    super(message);
  }
}

export function sendPayerError(reply: FastifyReply, err: unknown): FastifyReply {
  if (err instanceof PayerError) return reply.code(err.statusCode).send({ error: { code: err.code, message: err.message } });
  throw err;
}

/**
 * {reference, outcome?, buyer?} (outcome only where `allowOutcome`, default "success"; buyer
 * only where `allowBuyer`: which sandbox wallet scans, so tests can have one buyer pay twice;
 * default a new one per scan). `example` names the provider's QR field in the messages,
 * `referenceHelp` what a reference may be.
 */
export function parsePayerBody(body: unknown, o: { allowOutcome: boolean; allowBuyer?: boolean; example: string; referenceHelp: string }): { reference: string; outcome: PayOutcome; buyer?: string } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new PayerError(400, 'INVALID_REQUEST', `body must be a JSON object like {"reference":"<${o.example}>","outcome":"success"}`);
  }
  const allowed = [...(o.allowOutcome ? ['reference', 'outcome'] : ['reference']), ...(o.allowBuyer ? ['buyer'] : [])];
  for (const k of Object.keys(body)) {
    if (!allowed.includes(k)) throw new PayerError(400, 'INVALID_REQUEST', `unknown field "${k}"; allowed: ${allowed.join(', ')}`);
  }
  const { reference, outcome = 'success', buyer } = body as Record<string, unknown>;
  if (typeof reference !== 'string' || reference.trim() === '' || reference.length > 1024) {
    throw new PayerError(400, 'INVALID_REQUEST', `reference must be a non-empty string: ${o.referenceHelp}`);
  }
  if (outcome !== 'success' && outcome !== 'fail') throw new PayerError(400, 'INVALID_REQUEST', 'outcome must be "success" or "fail"');
  if (buyer !== undefined && (typeof buyer !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(buyer))) throw new PayerError(400, 'INVALID_REQUEST', 'buyer must be 1..64 letters, digits, _ or - (the sandbox wallet\'s id)');
  return { reference, outcome, ...(buyer !== undefined ? { buyer } : {}) };
}
