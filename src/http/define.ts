/**
 * Route definition: one declaration gives the Fastify route, zod validation of params /
 * query / body, authentication, Idempotency-Key handling for merchant POSTs, and the
 * route's entry in the OpenAPI document (/openapi.json, /docs).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { PaygateError } from '../domain/errors.js';
import type { AppContext } from '../app/context.js';
import { authenticate, type AuthenticatedKey } from '../app/merchants.js';
import { admit, PRIORITY_HEADER } from '../app/rate-limit.js';
import { beginIdempotent, finishIdempotent, requestHash } from '../app/idempotency.js';
import { errorResponse } from './errors.js';
import { checkAdminToken } from './admin-auth.js';
import { holdMerchantSlot } from './admission.js';
import { check, validationError } from './validation.js';

export interface RouteDef<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  summary: string;
  tag: string;
  auth: 'merchant' | 'admin' | 'none';
  params?: P;
  query?: Q;
  body?: B;
  /** Status of a successful answer, for the OpenAPI document. */
  success?: number;
  /** Schema of a successful answer (routes/objects.ts), for the OpenAPI document; a test requires one on every route. */
  response?: z.ZodType;
  /**
   * Top-level fields of the answer that hold a secret shown once: never kept in the
   * idempotency store, so a replay answers them as null with `<field>_shown_once: true`.
   */
  secretFields?: readonly string[];
  /** Bytes this route's body may have, when it needs more than PAYGATE_BODY_LIMIT (a bulk import). */
  bodyLimit?: number;
}

export interface Handled {
  status?: number;
  body: unknown;
  /** A non-JSON answer (a CSV download): sent as is, streamed when it is a stream; `body` is ignored. */
  raw?: { contentType: string; body: string | NodeJS.ReadableStream; filename?: string };
}

export interface HandlerInput<P, Q, B> {
  params: P; query: Q; body: B; merchantId: string; req: FastifyRequest;
  /** The merchant API key the request was made with (its mode decides which provider accounts it reaches); undefined on admin and public routes. */
  key: AuthenticatedKey | undefined;
}

export interface OpenApiOp { method: string; url: string; summary: string; tag: string; auth: string; params?: z.ZodType; query?: z.ZodType; body?: z.ZodType; response?: z.ZodType; success: number; secretFields?: readonly string[] }

const registries = new WeakMap<FastifyInstance, OpenApiOp[]>();

/** The operations defined on this Fastify instance, for the OpenAPI document. */
export function openApiOps(app: FastifyInstance): OpenApiOp[] {
  let ops = registries.get(app);
  if (!ops) registries.set(app, (ops = []));
  return ops;
}

/** The key each merchant request authenticated with, from its onRequest hook to its handler. */
const authenticated = new WeakMap<FastifyRequest, AuthenticatedKey>();
/** The key a merchant request authenticated with (undefined before auth, on admin and public routes): for the request log line. */
export const authenticatedKeyOf = (req: FastifyRequest): AuthenticatedKey | undefined => authenticated.get(req);

const idemKey = z.string().regex(/^[\x21-\x7e]{1,255}$/);

export function defineRoute<P extends z.ZodType = z.ZodType, Q extends z.ZodType = z.ZodType, B extends z.ZodType = z.ZodType>(
  app: FastifyInstance,
  ctx: AppContext,
  def: RouteDef<P, Q, B>,
  handler: (input: HandlerInput<z.infer<P>, z.infer<Q>, z.infer<B>>) => Promise<Handled>,
): void {
  const op: OpenApiOp = { method: def.method, url: def.url, summary: def.summary, tag: def.tag, auth: def.auth, success: def.success ?? 200 };
  if (def.params) op.params = def.params;
  if (def.query) op.query = def.query;
  if (def.body) op.body = def.body;
  if (def.response) op.response = def.response;
  if (def.secretFields) op.secretFields = def.secretFields;
  const idemOpts = def.secretFields ? { secretFields: def.secretFields } : {};
  openApiOps(app).push(op);
  app.route({
    method: def.method,
    url: def.url.replace(/\{(\w+)\}/g, ':$1'),
    ...(def.bodyLimit !== undefined ? { bodyLimit: Math.max(def.bodyLimit, ctx.config.PAYGATE_BODY_LIMIT) } : {}),
    // Authentication and admission run before the body is read: a request without a valid key
    // is answered at once and never holds a merchant-API slot while its body trickles in.
    onRequest: async (req: FastifyRequest, reply: FastifyReply) => {
      if (def.auth === 'merchant') {
        const key = await authMerchant(ctx, req);
        holdMerchantSlot(req, reply);
        // Before anything else costs work (idempotency rows, handlers): a refused request is cheap.
        const admission = await admit(ctx, key, req.headers[PRIORITY_HEADER]);
        reply.headers(admission.headers);
        if (admission.error) throw admission.error;
        authenticated.set(req, key);
      } else if (def.auth === 'admin') {
        checkAdminToken(ctx, req);
        holdMerchantSlot(req, reply);
      }
    },
    handler: async (req: FastifyRequest, reply: FastifyReply) => {
      const apiKey = authenticated.get(req);
      const merchantId = apiKey?.merchant_id ?? '';
      // Path and query are checked before any idempotency work; a request bad in several
      // places is answered with every problem at once (the body's too, though it is parsed later).
      const params = check(def.params, req.params);
      const query = check(def.query, req.query ?? {});
      if (!params.ok || !query.ok) {
        const body = def.body ? check(def.body, req.body ?? {}) : { ok: true as const };
        throw validationError([
          ...(params.ok ? [] : [{ part: 'path' as const, issues: params.issues, input: req.params }]),
          ...(query.ok ? [] : [{ part: 'query' as const, issues: query.issues, input: req.query }]),
          ...(body.ok ? [] : [{ part: 'body' as const, issues: body.issues, input: req.body }]),
        ]);
      }
      const run = async (): Promise<Handled> => {
        const body = check(def.body, req.body ?? {});
        if (!body.ok) throw validationError([{ part: 'body', issues: body.issues, input: req.body }]);
        return handler({ params: params.value as z.infer<P>, query: query.value as z.infer<Q>, body: body.value as z.infer<B>, merchantId, req, key: apiKey });
      };
      const keyHeader = req.headers['idempotency-key'];
      if (def.method === 'POST' && def.auth === 'merchant' && keyHeader !== undefined) {
        const key = Array.isArray(keyHeader) ? keyHeader[0] ?? '' : keyHeader;
        if (!idemKey.safeParse(key).success) throw new PaygateError('IDEMPOTENCY.KEY_INVALID');
        const hash = requestHash(req.method, req.url, (req as { rawBody?: string }).rawBody ?? '');
        const begun = await beginIdempotent(ctx, merchantId, key, hash, idemOpts);
        if (begun.kind === 'replay') {
          return reply.code(begun.status).header('idempotent-replayed', 'true').type('application/json; charset=utf-8').send(begun.body);
        }
        let status: number;
        let text: string;
        try {
          const out = await run();
          status = out.status ?? def.success ?? 200;
          text = JSON.stringify(out.body);
        } catch (err) {
          const e = errorResponse(err, req.id);
          if (e.unexpected) req.log.error({ err }, 'request failed');
          status = e.status;
          text = JSON.stringify(e.body);
        }
        // The client gets the answer as made; the store keeps it without secrets (see app/idempotency.ts).
        await finishIdempotent(ctx, merchantId, key, status, text, idemOpts);
        return reply.code(status).type('application/json; charset=utf-8').send(text);
      }
      const out = await run();
      if (out.raw) {
        if (out.raw.filename) reply.header('content-disposition', `attachment; filename="${out.raw.filename}"`);
        return reply.code(out.status ?? def.success ?? 200).type(out.raw.contentType).send(out.raw.body);
      }
      return reply.code(out.status ?? def.success ?? 200).send(withListUrl(out.body, req.url));
    },
  });
}

/** A list names the URL it came from, as Stripe's list objects do (the path, without the query). */
function withListUrl(body: unknown, url: string): unknown {
  if (typeof body !== 'object' || body === null || (body as { object?: unknown }).object !== 'list') return body;
  return { ...body, url: url.split('?')[0] };
}

async function authMerchant(ctx: AppContext, req: FastifyRequest): Promise<AuthenticatedKey> {
  const h = req.headers.authorization;
  if (!h) throw new PaygateError('AUTH.MISSING');
  const m = /^Bearer\s+(\S+)$/i.exec(h);
  if (!m?.[1]) throw new PaygateError('AUTH.MISSING', 'Authorization must be "Bearer <secret key>"');
  return authenticate(ctx, m[1]);
}
