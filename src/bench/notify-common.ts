/**
 * What the notification bench and each provider's signer share. The types live here, below
 * both, so notify.ts (which picks a signer) and the signers (which produce notifications)
 * do not import each other.
 */
import fs from 'node:fs';
import path from 'node:path';

/** A payment to notify about: its attempt's reference is the provider-side order id. */
export interface NotifyTarget {
  paymentId: string;
  reference: string;
  amount: number;
  currency: string;
}

export interface SignedNotification {
  body: string;
  /** Content type included: each provider posts its own. */
  headers: Record<string, string>;
}

export type Signer = (targets: NotifyTarget[]) => SignedNotification[];

/**
 * The string fields `names` of a simulator's key file, <paygate data dir>/sandbox/<file>
 * (runtime.ts gives the in-process simulators that dir); throws naming the file and the
 * fields when one is missing.
 */
export function readSimulatorKeyFile<K extends string>(paygateDataDir: string, file: string, names: readonly K[]): Record<K, string> {
  const full = path.join(paygateDataDir, 'sandbox', file);
  const parsed: unknown = JSON.parse(fs.readFileSync(full, 'utf8'));
  const f = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
  const out: Partial<Record<K, string>> = {};
  for (const name of names) {
    const v = f[name];
    if (typeof v !== 'string') throw new Error(`${full} has no ${names.join(' / ')}`);
    out[name] = v;
  }
  return out as Record<K, string>;
}
