// Sandbox-only control endpoint: merchant registration (faults: common/host.ts).
import type { FastifyInstance } from 'fastify';
import { JSON_BODY_LIMIT } from './payer.js';

/** What `merchant create --sandbox` stores as the provider account credentials. */
export interface RegisteredMerchant {
  mer_id: string;
  /** PKCS#12 (3DES), base64. */
  sign_cert_pfx: string;
  sign_cert_password: string;
  root_cert: string;
  middle_cert: string;
  /** The sandbox signs as UnionPay's test environment (00040000:SIGN): the account must believe that signer. */
  environment: 'test';
}

export interface AdminOps {
  registerMerchant(input: { merId?: string }): RegisteredMerchant;
}

export const MER_ID_RE = /^[0-9A-Za-z]{1,32}$/;
export class MerchantInputError extends Error {}

const badRequest = (message: string) => ({ error: { code: 'INVALID_REQUEST', message } });

export function registerAdminRoutes(app: FastifyInstance, ops: AdminOps): void {
  app.post('/_merchants', { bodyLimit: JSON_BODY_LIMIT }, async (req, reply) => {
    const body: unknown = req.body ?? {};
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return reply.code(400).send(badRequest('body must be a JSON object'));
    const { mer_id: merId, ...rest } = body as Record<string, unknown>;
    if (Object.keys(rest).length > 0) return reply.code(400).send(badRequest('only mer_id may be given'));
    if (merId !== undefined && (typeof merId !== 'string' || !MER_ID_RE.test(merId))) return reply.code(400).send(badRequest('mer_id must be 1..32 letters or digits'));
    return reply.send(ops.registerMerchant(merId === undefined ? {} : { merId }));
  });
}
