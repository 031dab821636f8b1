import { createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { alipayConnector } from './index.js';
import { rejection } from './testkit.js';

const app = generateKeyPairSync('rsa', { modulusLength: 2048 });
const alipay = generateKeyPairSync('rsa', { modulusLength: 2048 });

const pem = {
  privatePkcs1: app.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
  privatePkcs8: app.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  publicSpki: alipay.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  publicPkcs1: alipay.publicKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
};
const bare = {
  privatePkcs1: app.privateKey.export({ type: 'pkcs1', format: 'der' }).toString('base64'),
  privatePkcs8: app.privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64'),
  publicSpki: alipay.publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
  publicPkcs1: alipay.publicKey.export({ type: 'pkcs1', format: 'der' }).toString('base64'),
};

const good = { app_id: '2021000122671080', private_key: pem.privatePkcs1, alipay_public_key: pem.publicSpki };

/** The parsed keys are the right halves: app private signs, Alipay public verifies Alipay. */
function expectWorkingKeys(raw: unknown): void {
  const c = alipayConnector.parseCredentials(raw);
  if (c.mode !== 'public_key') throw new Error(`expected public-key mode, got ${c.mode}`);
  expect(c.appId).toBe('2021000122671080');
  expect(c.privateKey.type).toBe('private');
  expect(c.alipayPublicKey.type).toBe('public');
  const data = Buffer.from('probe');
  expect(verify('sha256', data, app.publicKey, sign('sha256', data, c.privateKey))).toBe(true);
  expect(verify('sha256', data, c.alipayPublicKey, sign('sha256', data, alipay.privateKey))).toBe(true);
}

describe('parseCredentials', () => {
  it.each([
    ['PKCS#1 PEM / SPKI PEM', pem.privatePkcs1, pem.publicSpki],
    ['PKCS#8 PEM / PKCS#1 PEM', pem.privatePkcs8, pem.publicPkcs1],
    ['bare base64 PKCS#8 / SPKI (Alipay console)', bare.privatePkcs8, bare.publicSpki],
    ['bare base64 PKCS#1 / PKCS#1', bare.privatePkcs1, bare.publicPkcs1],
    ['base64 wrapped over lines', bare.privatePkcs8.replace(/(.{64})/g, '$1\n'), `  ${bare.publicSpki}\n`],
    [
      'PKCS#8 body in "RSA PRIVATE KEY" armour (what alipay-sdk formatKey builds by default)',
      `-----BEGIN RSA PRIVATE KEY-----\n${bare.privatePkcs8}\n-----END RSA PRIVATE KEY-----`,
      pem.publicSpki,
    ],
    ['PEM with literal \\n from an env file', pem.privatePkcs1.replace(/\n/g, '\\n'), pem.publicSpki.replace(/\n/g, '\\n')],
  ])('accepts %s', (_label, privateKey, publicKey) => {
    expectWorkingKeys({ app_id: ' 2021000122671080 ', private_key: privateKey, alipay_public_key: publicKey });
  });

  it('rejects non-objects and names each missing field', () => {
    expect(rejection(null).message).toMatch(/app_id, private_key, alipay_public_key/);
    expect(rejection('x').message).toMatch(/must be an object/);
    for (const field of ['app_id', 'private_key', 'alipay_public_key'] as const) {
      const e = rejection({ ...good, [field]: '' });
      expect(e.message).toContain(field);
      expect(e.field).toBe(field);
      expect(rejection({ ...good, [field]: 42 }).message).toContain(field);
    }
    expect(rejection({ ...good, app_id: '2021 0001' }).message).toContain('app_id');
  });

  it('rejects unusable keys with a message naming the field', () => {
    expect(rejection({ ...good, private_key: 'not a key!' }).message).toContain('private_key');
    expect(rejection({ ...good, private_key: bare.publicSpki }).message).toContain('private_key');
    expect(rejection({ ...good, private_key: pem.publicSpki }).message).toContain('private_key');
    expect(rejection({ ...good, alipay_public_key: 'bm90IGEga2V5' }).message).toContain('alipay_public_key');
    expect(rejection({ ...good, alipay_public_key: pem.privatePkcs8 }).message).toMatch(/alipay_public_key holds a private key/);
    expect(rejection({ ...good, alipay_public_key: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----' }).message).toMatch(
      /certificate mode/,
    );
    expect(rejection({ ...good, alipay_public_key: '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PRIVATE KEY-----' }).message).toMatch(/malformed/);
  });

  it('rejects keys too short for RSA2 and non-RSA keys', () => {
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 });
    expect(rejection({ ...good, private_key: small.privateKey.export({ type: 'pkcs8', format: 'pem' }) }).message).toMatch(
      /private_key must be at least 2048 bits for RSA2, got 1024/,
    );
    const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    expect(rejection({ ...good, alipay_public_key: ec.publicKey.export({ type: 'spki', format: 'pem' }) }).message).toMatch(
      /alipay_public_key must be an RSA key, got ec/,
    );
  });

  it('catches the app public key pasted as the Alipay public key', () => {
    const appPublic = createPublicKey(app.privateKey).export({ type: 'spki', format: 'der' }).toString('base64');
    const e = rejection({ ...good, alipay_public_key: appPublic });
    expect(e.field).toBe('alipay_public_key');
    expect(e.message).toMatch(/app public key/);
    expect(e.message).toMatch(/ALIPAY public key/);
  });
});
