// Sandbox-only control endpoints: merchant registration (faults: common/host.ts).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { VerifyMode } from './store.js';

export interface RegisterMerchantInput {
  mchid?: string;
  appid?: string;
  /** The merchant's own API public key; without it the simulator generates the key pair. */
  merchantPublicKeyPem?: string;
  /** Which WeChat Pay key signs for this merchant (default: public_key, as for new merchants). */
  mode?: VerifyMode;
}

/** Credentials in the shape API.md gives for a wechatpay provider account. */
export interface RegisteredMerchant {
  mchid: string;
  appid: string;
  merchant_serial_no: string;
  /** Only when the simulator generated the key pair (PKCS#8 PEM, like apiclient_key.pem). */
  private_key?: string;
  apiv3_key: string;
  wechatpay_public_key_id?: string;
  wechatpay_public_key?: string;
  platform_certificates?: string[];
}

export interface AdminOps {
  registerMerchant(input: RegisterMerchantInput): RegisteredMerchant;
}

export class MerchantInputError extends Error {}

export const MCHID_RE = /^\d{1,32}$/;
export const APPID_RE = /^[A-Za-z0-9_]{1,32}$/;

function parseMerchantBody(body: unknown): RegisterMerchantInput {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) throw new MerchantInputError('body must be a JSON object');
  const out: RegisterMerchantInput = {};
  for (const [k, v] of Object.entries(body)) {
    if (k === 'mchid' && typeof v === 'string' && MCHID_RE.test(v)) out.mchid = v;
    else if (k === 'appid' && typeof v === 'string' && APPID_RE.test(v)) out.appid = v;
    else if (k === 'merchant_public_key' && typeof v === 'string') out.merchantPublicKeyPem = v;
    else if (k === 'mode' && (v === 'public_key' || v === 'certificate')) out.mode = v;
    else throw new MerchantInputError(`bad or unknown field "${k}"; allowed: mchid (digits), appid, merchant_public_key (PEM), mode (public_key|certificate)`);
  }
  return out;
}

const badRequest = (message: string) => ({ error: { code: 'INVALID_REQUEST', message } });

export function registerAdminRoutes(app: FastifyInstance, ops: AdminOps, parseJson: (req: FastifyRequest) => unknown): void {
  app.post('/_merchants', async (req, reply) => {
    try {
      return reply.send(ops.registerMerchant(parseMerchantBody(parseJson(req))));
    } catch (err) {
      if (err instanceof MerchantInputError) return reply.code(400).send(badRequest(err.message));
      throw err;
    }
  });
}
