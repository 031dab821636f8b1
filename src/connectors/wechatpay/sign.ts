/**
 * WECHATPAY2-SHA256-RSA2048: the strings WeChat Pay signs and SHA256withRSA over them.
 * This is the connector's own implementation; the simulator has its own (shared/providers/
 * README.md: two independent implementations, cross-checked by wechatpay-axios-plugin).
 */
import { createDecipheriv, sign as rsaSign, verify as rsaVerify, type KeyObject } from 'node:crypto';

export const SIGNATURE_TYPE = 'WECHATPAY2-SHA256-RSA2048';

/** `METHOD\nPATH?QUERY\ntimestamp\nnonce\nbody\n`; a GET signs an empty body line. */
export function requestMessage(method: string, pathWithQuery: string, timestamp: string, nonce: string, body: string): string {
  return `${method}\n${pathWithQuery}\n${timestamp}\n${nonce}\n${body}\n`;
}

/** `timestamp\nnonce\nbody\n` for answers and notifications (204: empty body line). */
export function responseMessage(timestamp: string, nonce: string, body: string): string {
  return `${timestamp}\n${nonce}\n${body}\n`;
}

export function signMessage(message: string, privateKey: KeyObject): string {
  return rsaSign('sha256', Buffer.from(message, 'utf8'), privateKey).toString('base64');
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

export function verifyMessage(message: string, signatureBase64: string, publicKey: KeyObject): boolean {
  // Buffer.from(…, 'base64') skips junk silently; a mangled signature must never be "repaired".
  if (signatureBase64.length % 4 !== 0 || !BASE64.test(signatureBase64)) return false;
  try {
    return rsaVerify('sha256', Buffer.from(message, 'utf8'), publicKey, Buffer.from(signatureBase64, 'base64'));
  } catch {
    return false;
  }
}

export function authorizationHeader(p: { mchid: string; nonce: string; signature: string; timestamp: string; serialNo: string }): string {
  return `${SIGNATURE_TYPE} mchid="${p.mchid}",nonce_str="${p.nonce}",signature="${p.signature}",timestamp="${p.timestamp}",serial_no="${p.serialNo}"`;
}

const GCM_TAG_BYTES = 16;

export type DecryptOutcome = { ok: true; plaintext: string } | { ok: false; reason: 'format' | 'tag'; message: string };

/**
 * AEAD_AES_256_GCM as WeChat Pay uses it: key = APIv3 key bytes, IV = nonce (UTF-8),
 * AAD = associated_data, ciphertext = base64(encrypted || 16-byte tag).
 */
export function decryptResource(apiv3Key: Buffer, nonce: string, associatedData: string, ciphertextBase64: string): DecryptOutcome {
  if (ciphertextBase64.length % 4 !== 0 || !BASE64.test(ciphertextBase64)) return { ok: false, reason: 'format', message: 'resource.ciphertext is not base64' };
  const data = Buffer.from(ciphertextBase64, 'base64');
  if (data.length <= GCM_TAG_BYTES) return { ok: false, reason: 'format', message: 'resource.ciphertext is shorter than its GCM tag' };
  const iv = Buffer.from(nonce, 'utf8');
  if (iv.length === 0) return { ok: false, reason: 'format', message: 'resource.nonce is empty' };
  try {
    const decipher = createDecipheriv('aes-256-gcm', apiv3Key, iv, { authTagLength: GCM_TAG_BYTES });
    decipher.setAAD(Buffer.from(associatedData, 'utf8'));
    decipher.setAuthTag(data.subarray(data.length - GCM_TAG_BYTES));
    const plain = Buffer.concat([decipher.update(data.subarray(0, data.length - GCM_TAG_BYTES)), decipher.final()]);
    return { ok: true, plaintext: plain.toString('utf8') };
  } catch {
    // final() throws only when the tag does not authenticate: wrong key, or tampered
    // ciphertext / nonce / associated_data. The key is by far the most common cause.
    return { ok: false, reason: 'tag', message: 'resource did not decrypt (GCM tag mismatch): check the APIv3 key (apiv3_key) set for this account; the ciphertext, nonce or associated_data may also have been altered' };
  }
}
