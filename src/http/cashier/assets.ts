/**
 * The cashier's CSS and JS as content-addressed assets: the file name carries a hash of the
 * content, so they can be cached for a year (`immutable`) and a deploy never serves a stale
 * mix. Compressed once at startup with node:zlib (no compression dependency).
 */
import crypto from 'node:crypto';
import zlib from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CLIENT_JS } from './client.js';
import { CASHIER_CSS } from './styles.js';

interface Asset { path: string; type: string; body: Buffer; gzip: Buffer; etag: string }

function asset(name: string, ext: string, type: string, text: string): Asset {
  const body = Buffer.from(text.trim() + '\n', 'utf8');
  const hash = crypto.createHash('sha256').update(body).digest('base64url').slice(0, 12);
  return { path: `/pay/assets/${name}.${hash}.${ext}`, type, body, gzip: zlib.gzipSync(body, { level: 9 }), etag: `"${hash}"` };
}

export const ASSETS = {
  css: asset('cashier', 'css', 'text/css; charset=utf-8', CASHIER_CSS),
  js: asset('cashier', 'js', 'text/javascript; charset=utf-8', CLIENT_JS),
  // A real icon spares every page view a 404 for /favicon.ico.
  icon: asset('icon', 'svg', 'image/svg+xml', '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#1f2328"/><path d="M4 8.5l2.5 2.5L12 5.5" stroke="#fff" stroke-width="2" fill="none"/></svg>'),
} as const;

export const acceptsGzip = (req: FastifyRequest): boolean => /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));

/** Sends a body gzipped when the client takes it and it is worth it. */
export function sendMaybeGzip(req: FastifyRequest, reply: FastifyReply, body: Buffer, gzipped?: Buffer): FastifyReply {
  const vary = reply.getHeader('vary');
  reply.header('vary', vary ? `${String(vary)}, accept-encoding` : 'accept-encoding');
  if (body.length > 1024 && acceptsGzip(req)) {
    return reply.header('content-encoding', 'gzip').send(gzipped ?? zlib.gzipSync(body));
  }
  return reply.send(body);
}

export function assetRoutes(app: FastifyInstance): void {
  for (const a of Object.values(ASSETS)) {
    app.get(a.path, async (req, reply) => {
      reply.type(a.type).header('cache-control', 'public, max-age=31536000, immutable').header('etag', a.etag).header('x-content-type-options', 'nosniff');
      if (req.headers['if-none-match'] === a.etag) return reply.code(304).send();
      return sendMaybeGzip(req, reply, a.body, a.gzip);
    });
  }
}
