/** Short-lived download tokens (the bill URLs): kept in memory only, by design. */
import { randomBytes } from 'node:crypto';

export type Grant<G> = G & { expiresAt: number };

export class ShortLivedTokens<G extends object> {
  private readonly grants = new Map<string, Grant<G>>();

  constructor(private readonly ttlMs: number) {}

  /** A fresh unguessable token for `grant`, valid for the TTL; expired ones are swept here. */
  issue(grant: G, now: number): string {
    for (const [t, g] of this.grants) if (g.expiresAt <= now) this.grants.delete(t);
    const token = randomBytes(18).toString('base64url');
    this.grants.set(token, { ...grant, expiresAt: now + this.ttlMs });
    return token;
  }

  resolve(token: string, now: number): Grant<G> | 'expired' | undefined {
    const g = this.grants.get(token);
    if (!g) return undefined;
    return g.expiresAt <= now ? 'expired' : g;
  }
}
