/**
 * Secrets at rest (provider credentials, webhook secrets) are sealed with AES-256-GCM under
 * the master key. Format: "v1.<base64 iv(12) | ciphertext | tag(16)>", so a key rotation can
 * add "v2" without guessing. The AAD binds a blob to its row, so a ciphertext copied into
 * another row does not decrypt.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export class Vault {
  readonly #key: Buffer;
  constructor(key: Buffer) {
    if (key.length !== 32) throw new Error('master key must be 32 bytes');
    this.#key = Buffer.from(key);
  }

  seal(plaintext: string, aad: string): string {
    const iv = crypto.randomBytes(12);
    const cipher = crypto.createCipheriv('aes-256-gcm', this.#key, iv);
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return `v1.${Buffer.concat([iv, ct, cipher.getAuthTag()]).toString('base64')}`;
  }

  readonly #derived = new Map<string, Buffer>();

  /**
   * A key for one purpose (HKDF-SHA256 of the master key), so a purpose such as the keyed
   * hashes of buyer identifiers never needs the master key itself and never shares its key
   * with sealing. Derived once per purpose and kept (the identifier index asks per notification).
   */
  deriveKey(purpose: string): Buffer {
    let key = this.#derived.get(purpose);
    if (!key) this.#derived.set(purpose, (key = Buffer.from(crypto.hkdfSync('sha256', this.#key, Buffer.alloc(0), Buffer.from(`paygate:${purpose}`, 'utf8'), 32))));
    return key;
  }

  open(blob: string, aad: string): string {
    if (!blob.startsWith('v1.')) throw new Error('unknown secret format');
    const raw = Buffer.from(blob.slice(3), 'base64');
    if (raw.length < 28) throw new Error('sealed secret too short');
    const decipher = crypto.createDecipheriv('aes-256-gcm', this.#key, raw.subarray(0, 12));
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(raw.subarray(raw.length - 16));
    return Buffer.concat([decipher.update(raw.subarray(12, raw.length - 16)), decipher.final()]).toString('utf8');
  }
}

/**
 * The embedded default keeps a generated key in the data dir (0600) so `npm start` needs no
 * setup; production passes PAYGATE_MASTER_KEY. Returns whether the key was just generated.
 */
export function loadMasterKey(opts: { masterKey?: string; dataDir: string }): { key: Buffer; source: 'env' | 'file' | 'generated'; file?: string } {
  if (opts.masterKey) return { key: Buffer.from(opts.masterKey, 'base64'), source: 'env' };
  const file = path.join(opts.dataDir, 'master.key');
  if (fs.existsSync(file)) {
    const key = Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64');
    if (key.length !== 32) throw new Error(`${file} does not hold a 32-byte base64 key`);
    return { key, source: 'file', file };
  }
  fs.mkdirSync(opts.dataDir, { recursive: true });
  const key = crypto.randomBytes(32);
  fs.writeFileSync(file, key.toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
  return { key, source: 'generated', file };
}
