import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { newSerial } from './ids.js';
import { generateRsaPemPair, makePlatformCertificate } from './keys.js';

describe('platform certificate serials', () => {
  const pair = generateRsaPemPair();
  const day = 86_400_000;

  // A random serial starting with a 00 byte (1 in 256) used to give a certificate OpenSSL
  // refuses ("illegal padding"), which failed a simulator start about once in 500.
  it.each(['00001A2B3C', '0000FF', '7F00', 'FF00', '0080', '00000000000000000001'])('serial %s encodes as a certificate OpenSSL parses, with the same value', (serial) => {
    const cert = new X509Certificate(makePlatformCertificate(pair, serial, new Date(Date.now() - day), new Date(Date.now() + day)));
    expect(BigInt(`0x${cert.serialNumber}`)).toBe(BigInt(`0x${serial}`));
  });

  it('new serials are 40 hex digits with a first byte 0x10–0x7f', () => {
    for (let i = 0; i < 2000; i++) expect(newSerial()).toMatch(/^[1-7][0-9A-F]{39}$/);
  });
});
