import crypto from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { PaygateError } from '../domain/errors.js';
import type { AppContext } from '../app/context.js';

const digest = (s: string) => crypto.createHash('sha256').update(s).digest();

/** Constant-time compare of the admin token (digests make the lengths equal). */
export function checkAdminToken(ctx: AppContext, req: FastifyRequest): void {
  const expected = ctx.config.PAYGATE_ADMIN_TOKEN;
  const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  if (!expected || !m?.[1] || !crypto.timingSafeEqual(digest(m[1]), digest(expected))) {
    throw new PaygateError('AUTH.INVALID_ADMIN_TOKEN');
  }
}
