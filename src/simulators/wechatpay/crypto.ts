// The simulator's own implementation of WeChat Pay APIv3 signing and resource encryption.
// Deliberately independent of the gateway's connector: if both shared one helper, a bug in
// it would pass both sides. Tests cross-check it against wechatpay-axios-plugin instead.
import { createCipheriv, randomBytes } from 'node:crypto';
import { rsaSha256Sign, rsaSha256Verify } from '../common/certs.js';

export const AUTH_SCHEME = 'WECHATPAY2-SHA256-RSA2048';

/** What the merchant signed: method, path+query as sent, timestamp, nonce, body, each + "\n". */
export function requestSigningString(method: string, url: string, timestamp: string, nonce: string, body: string): string {
  return [method, url, timestamp, nonce, body].map((part) => `${part}\n`).join('');
}

/** What WeChat Pay signs on answers and notifications. */
export function responseSigningString(timestamp: string, nonce: string, body: string): string {
  return [timestamp, nonce, body].map((part) => `${part}\n`).join('');
}

export const sha256WithRsaSign = rsaSha256Sign;
export const sha256WithRsaVerify = rsaSha256Verify;

export interface AuthorizationParts {
  mchid: string;
  nonce_str: string;
  signature: string;
  timestamp: string;
  serial_no: string;
}

const AUTH_KEYS = ['mchid', 'nonce_str', 'signature', 'timestamp', 'serial_no'] as const;

/**
 * `WECHATPAY2-SHA256-RSA2048 k="v",k="v",...`: SDKs emit the pairs in different orders
 * (the official Java SDK and wechatpay-axios-plugin disagree), so order is free, but every
 * key must appear exactly once. Returns a description of the problem instead of throwing.
 */
export function parseAuthorization(value: string | undefined): AuthorizationParts | string {
  if (value === undefined || value === '') return '缺少Authorization请求头 (missing Authorization header)';
  if (!value.startsWith(`${AUTH_SCHEME} `)) return `Authorization必须以 ${AUTH_SCHEME} 开头`;
  const rest = value.slice(AUTH_SCHEME.length + 1);
  const PAIR = /([a-z_]+)="([^"]*)"/g;
  if (rest.replace(PAIR, '').replace(/[\s,]/g, '') !== '') return 'Authorization格式错误 (expected k="v" pairs separated by commas)';
  const found = new Map<string, string>();
  for (const [, key = '', v = ''] of rest.matchAll(PAIR)) {
    if (found.has(key)) return `Authorization中 ${key} 重复`;
    found.set(key, v);
  }
  const out: Partial<AuthorizationParts> = {};
  for (const key of AUTH_KEYS) {
    const v = found.get(key);
    if (v === undefined || v === '') return `Authorization缺少 ${key}`;
    out[key] = v;
  }
  return out as AuthorizationParts;
}

const NONCE_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

export function randomNonce(length = 32): string {
  const bytes = randomBytes(length);
  let s = '';
  for (const b of bytes) s += NONCE_ALPHABET[b % NONCE_ALPHABET.length];
  return s;
}

export interface EncryptedResource {
  original_type: string;
  algorithm: 'AEAD_AES_256_GCM';
  ciphertext: string;
  associated_data: string;
  nonce: string;
}

/** AEAD_AES_256_GCM with the merchant's APIv3 key; the 16-byte tag is appended to the ciphertext. */
export function encryptResource(plaintext: string, apiv3Key: string, originalType: string, associatedData: string): EncryptedResource {
  const nonce = randomNonce(12);
  const cipher = createCipheriv('aes-256-gcm', Buffer.from(apiv3Key, 'utf8'), Buffer.from(nonce, 'utf8'));
  cipher.setAAD(Buffer.from(associatedData, 'utf8'));
  const sealed = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return { original_type: originalType, algorithm: 'AEAD_AES_256_GCM', ciphertext: sealed.toString('base64'), associated_data: associatedData, nonce };
}
