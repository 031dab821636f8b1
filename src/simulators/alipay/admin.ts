// Sandbox-only control endpoints: merchant app registration and certificate rotation (faults: common/host.ts).
import type { FastifyInstance } from 'fastify';
import { JSON_BODY_LIMIT } from './payer.js';

export interface RegisterAppInput {
  appId?: string;
  appPublicKeyPem?: string;
  /** 公钥证书模式 when 'certificate': the app gets an app certificate and Alipay's certificate files. */
  mode?: 'public_key' | 'certificate';
}

export interface RegisteredApp {
  app_id: string;
  /** Only when the simulator generated the key pair (PKCS#1 PEM). */
  private_key?: string;
  alipay_public_key: string;
}

/** A certificate-mode app: the three files a merchant downloads from the Alipay console. */
export interface RegisteredCertApp {
  app_id: string;
  private_key?: string;
  /** appCertPublicKey_<app_id>.crt */
  app_cert: string;
  /** alipayCertPublicKey_RSA2.crt of the certificate Alipay signs with now (leaf + issuing CA). */
  alipay_public_cert: string;
  /** alipayRootCert.crt */
  alipay_root_cert: string;
}

/** A new Alipay signing certificate (POST /_alipay_cert/rotate). */
export interface RotatedCert {
  alipay_cert_sn: string;
  alipay_public_cert: string;
  /** Epoch ms from which answers and notifications are signed with it. */
  active_from: number;
}

export interface AdminOps {
  registerApp(input: RegisterAppInput): RegisteredApp | RegisteredCertApp;
  rotateAlipayCert(activateInMs: number): RotatedCert;
}

export class AppInputError extends Error {}

export const APP_ID_RE = /^[A-Za-z0-9_-]{1,32}$/;

function parseAppBody(body: unknown): RegisterAppInput {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) throw new AppInputError('body must be a JSON object');
  const out: RegisterAppInput = {};
  for (const [k, v] of Object.entries(body)) {
    if (k === 'app_id') {
      if (typeof v !== 'string' || !APP_ID_RE.test(v)) throw new AppInputError('app_id must be 1-32 letters, digits, "_" or "-"');
      out.appId = v;
    } else if (k === 'app_public_key') {
      if (typeof v !== 'string') throw new AppInputError('app_public_key must be a PEM or base64 string');
      out.appPublicKeyPem = v;
    } else if (k === 'mode') {
      if (v !== 'public_key' && v !== 'certificate') throw new AppInputError('mode must be "public_key" or "certificate"');
      out.mode = v;
    } else {
      throw new AppInputError(`unknown field "${k}"; allowed: app_id, app_public_key, mode`);
    }
  }
  return out;
}

const badRequest = (message: string) => ({ error: { code: 'INVALID_REQUEST', message } });

export function registerAdminRoutes(app: FastifyInstance, ops: AdminOps): void {
  // Alipay rotates its certificate now and then; activate_in_ms announces the new one ahead.
  app.post('/_alipay_cert/rotate', { bodyLimit: JSON_BODY_LIMIT }, async (req, reply) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const delay = body.activate_in_ms ?? 0;
    if (typeof body !== 'object' || typeof delay !== 'number' || !Number.isInteger(delay) || delay < 0 || delay > 366 * 24 * 3600_000) {
      return reply.code(400).send(badRequest('activate_in_ms must be a whole number of milliseconds, 0..1 year'));
    }
    return reply.send(ops.rotateAlipayCert(delay));
  });

  app.post('/_apps', { bodyLimit: JSON_BODY_LIMIT }, async (req, reply) => {
    try {
      return reply.send(ops.registerApp(parseAppBody(req.body)));
    } catch (err) {
      if (err instanceof AppInputError) return reply.code(400).send(badRequest(err.message));
      throw err;
    }
  });
}
