import type { FastifyPluginAsync } from 'fastify';

export interface SimulatorOptions {
  /** Where the simulator keeps its keys and state (<data dir>/sandbox). */
  dataDir: string;
  timeScale: number;
  /** The gateway's public URL, known after listen. */
  publicUrl: () => string;
}

/** A provider simulator as the gateway mounts and provisions it. */
export interface SandboxSimulator {
  /** Provider name; mounted at /sandbox/<provider>. */
  provider: string;
  plugin: FastifyPluginAsync;
  /** Credentials for a new sandbox provider account (the shape the provider's connector parses). */
  newAccountCredentials(): Record<string, unknown> | Promise<Record<string, unknown>>;
  /** Called once the account exists, with the gateway's notify URL for it (PayPal/Stripe: register the webhook URL at the simulator). */
  afterAccountCreated?(accountId: string, notifyUrl: string, credentials: Record<string, unknown>): void | Promise<void>;
  close(): Promise<void>;
}
