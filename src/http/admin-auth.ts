import crypto from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { PaygateError } from '../domain/errors.js';
import type { AppContext } from '../app/context.js';

const digest = (s: string) => crypto.createHash('sha256').update(s).digest();

/** Whether the request carries `Authorization: Bearer <expected>`, compared in constant time (digests make the lengths equal). */
export function bearerMatches(req: FastifyRequest, expected: string | undefined): boolean {
  const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  return !!expected && !!m?.[1] && crypto.timingSafeEqual(digest(m[1]), digest(expected));
}

export function checkAdminToken(ctx: AppContext, req: FastifyRequest): void {
  if (!bearerMatches(req, ctx.config.PAYGATE_ADMIN_TOKEN)) throw new PaygateError('AUTH.INVALID_ADMIN_TOKEN');
}
