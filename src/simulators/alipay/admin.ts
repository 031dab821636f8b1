// Sandbox-only control endpoints: fault injection and merchant app registration.
import type { FastifyInstance } from 'fastify';
import { FaultsInputError, parseFaultsPatch, type Faults } from '../common/faults.js';
import { JSON_BODY_LIMIT } from './payer.js';

export interface RegisterAppInput {
  appId?: string;
  appPublicKeyPem?: string;
}

export interface RegisteredApp {
  app_id: string;
  /** Only when the simulator generated the key pair (PKCS#1 PEM). */
  private_key?: string;
  alipay_public_key: string;
}

export interface AdminOps {
  registerApp(input: RegisterAppInput): RegisteredApp;
  setFaults(f: Partial<Faults>): void;
  faults(): Faults;
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
    } else {
      throw new AppInputError(`unknown field "${k}"; allowed: app_id, app_public_key`);
    }
  }
  return out;
}

const badRequest = (message: string) => ({ error: { code: 'INVALID_REQUEST', message } });

export function registerAdminRoutes(app: FastifyInstance, ops: AdminOps): void {
  app.get('/_faults', async () => ops.faults());

  app.post('/_faults', { bodyLimit: JSON_BODY_LIMIT }, async (req, reply) => {
    try {
      ops.setFaults(parseFaultsPatch(req.body));
      return ops.faults();
    } catch (err) {
      if (err instanceof FaultsInputError) return reply.code(400).send(badRequest(err.message));
      throw err;
    }
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
