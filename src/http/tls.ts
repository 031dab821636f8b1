/**
 * Built-in TLS: the certificate and key from PAYGATE_TLS_CERT / PAYGATE_TLS_KEY, a TLS 1.2+
 * server profile, HSTS, and reloading the certificate without a restart (SIGHUP or a change of
 * either file) — existing connections keep the context they shook hands with, new ones get
 * the new certificate, so nothing in flight is dropped.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import tls from 'node:tls';
import { Gauge, type Registry } from 'prom-client';
import type { Logger } from 'pino';
import { ConfigError, type Config } from '../infra/config.js';

/**
 * TLS 1.3 suites first (all three AEAD), then for TLS 1.2 only forward-secret ECDHE with
 * AES-GCM or ChaCha20-Poly1305 (Mozilla's "intermediate" minus DHE): no CBC, no RSA key
 * exchange, no SHA-1 MACs.
 */
export const TLS_CIPHERS = [
  'TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256',
  'ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES128-GCM-SHA256', 'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384', 'ECDHE-ECDSA-CHACHA20-POLY1305', 'ECDHE-RSA-CHACHA20-POLY1305',
].join(':');

export interface TlsMaterial {
  cert: Buffer;
  key: Buffer;
  /** The first certificate of the chain file: the server's own. */
  leaf: crypto.X509Certificate;
}

export type TlsServerOptions = tls.SecureContextOptions & tls.TlsOptions;

function readFile(variable: string, file: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw new ConfigError(`${variable}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
}

/** Reads and checks the pair; every problem is a ConfigError naming the variable to fix. */
export function readTlsMaterial(certFile: string, keyFile: string): TlsMaterial {
  const cert = readFile('PAYGATE_TLS_CERT', certFile);
  const key = readFile('PAYGATE_TLS_KEY', keyFile);
  let leaf: crypto.X509Certificate;
  try {
    leaf = new crypto.X509Certificate(cert);
  } catch {
    throw new ConfigError(`PAYGATE_TLS_CERT: ${certFile} is not a PEM certificate (expected -----BEGIN CERTIFICATE-----, server certificate first, then the intermediates)`);
  }
  let privateKey: crypto.KeyObject;
  try {
    privateKey = crypto.createPrivateKey(key);
  } catch {
    throw new ConfigError(`PAYGATE_TLS_KEY: ${keyFile} is not an unencrypted PEM private key`);
  }
  if (!leaf.checkPrivateKey(privateKey)) {
    throw new ConfigError(`PAYGATE_TLS_KEY: ${keyFile} does not belong to the first certificate in PAYGATE_TLS_CERT (${certFile})`);
  }
  try {
    // What the server will do with them: catches a chain file with a broken second certificate.
    tls.createSecureContext(serverOptions({ cert, key, leaf }));
  } catch (err) {
    throw new ConfigError(`PAYGATE_TLS_CERT: ${certFile} cannot be used with ${keyFile}: ${(err as Error).message}`);
  }
  return { cert, key, leaf };
}

export function serverOptions(m: TlsMaterial): TlsServerOptions {
  return { cert: m.cert, key: m.key, minVersion: 'TLSv1.2', ciphers: TLS_CIPHERS, honorCipherOrder: true };
}

/** The Strict-Transport-Security value, or undefined without TLS (never sent over plain HTTP). */
export function hstsHeader(config: Readonly<Config>): string | undefined {
  if (!config.tls) return undefined;
  return `max-age=${config.PAYGATE_HSTS_MAX_AGE}${config.PAYGATE_HSTS_INCLUDE_SUBDOMAINS ? '; includeSubDomains' : ''}`;
}

export interface TlsReloaderOptions {
  certFile: string;
  keyFile: string;
  material: TlsMaterial;
  /** The servers to update (public, and the admin listener when there is one). */
  servers: () => tls.Server[];
  log: Logger;
  registry: Registry;
  /** fs.watchFile interval; polling, because secret mounts swap files by renaming a symlink, which fs.watch misses. */
  pollMs?: number;
  debounceMs?: number;
}

export class TlsReloader {
  private current: TlsMaterial;
  private timer: NodeJS.Timeout | undefined;
  private watching = false;
  private readonly expiry: Gauge;
  private readonly onChange = () => this.schedule();

  constructor(private readonly o: TlsReloaderOptions) {
    this.current = o.material;
    this.expiry = new Gauge({ name: 'paygate_tls_certificate_expiry_seconds', help: 'notAfter of the certificate this node serves (Unix seconds)', registers: [o.registry] });
    this.expiry.set(this.notAfter(o.material));
  }

  get options(): TlsServerOptions {
    return serverOptions(this.current);
  }

  get fingerprint256(): string {
    return this.current.leaf.fingerprint256;
  }

  /**
   * Re-reads both files. A pair that does not load keeps the old certificate in service and
   * logs why; an unchanged pair is a no-op. Returns whether a new certificate went live.
   */
  reload(): boolean {
    let next: TlsMaterial;
    try {
      next = readTlsMaterial(this.o.certFile, this.o.keyFile);
    } catch (err) {
      this.o.log.error({ err: { message: (err as Error).message } }, 'TLS certificate not reloaded; still serving the previous one');
      return false;
    }
    if (next.cert.equals(this.current.cert) && next.key.equals(this.current.key)) return false;
    for (const server of this.o.servers()) server.setSecureContext(serverOptions(next));
    this.current = next;
    this.expiry.set(this.notAfter(next));
    this.o.log.info({ fingerprint256: next.leaf.fingerprint256, subject: next.leaf.subject, valid_to: next.leaf.validTo }, 'TLS certificate reloaded');
    return true;
  }

  watch(): void {
    if (this.watching) return;
    this.watching = true;
    const interval = this.o.pollMs ?? 1_000;
    fs.watchFile(this.o.certFile, { interval, persistent: false }, this.onChange);
    fs.watchFile(this.o.keyFile, { interval, persistent: false }, this.onChange);
  }

  close(): void {
    clearTimeout(this.timer);
    if (!this.watching) return;
    this.watching = false;
    fs.unwatchFile(this.o.certFile, this.onChange);
    fs.unwatchFile(this.o.keyFile, this.onChange);
  }

  /** Certificate and key are usually replaced one after the other: wait until both have landed. */
  private schedule(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.reload(), this.o.debounceMs ?? 250);
    this.timer.unref();
  }

  private notAfter(m: TlsMaterial): number {
    return Math.floor(new Date(m.leaf.validTo).getTime() / 1000);
  }
}
