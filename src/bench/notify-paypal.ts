/**
 * PayPal PAYMENT.CAPTURE.COMPLETED webhooks, signed here as PayPal documents it,
 * independently of the connector and the simulator:
 *   PAYPAL-TRANSMISSION-SIG = base64(SHA256withRSA("<transmission id>|<transmission time>|
 *   <webhook id>|<CRC-32 of the raw body, unsigned decimal>"))
 * with the simulator's webhook key (<data>/sandbox/paypal-keys.json); PAYPAL-CERT-URL points
 * at the simulator's certificate under the account's base URL, the only non-PayPal place
 * the gateway will fetch a certificate from. The gateway downloads it on first use and
 * caches it, so the measured run sees a warm cache; the warm-up slice (at least one
 * notification per connection) absorbs the cold start, and the report shows how many
 * downloads each phase caused.
 */
import { createPrivateKey, randomBytes, randomUUID, sign } from 'node:crypto';
import { credential, rawAccount, type BenchGateway } from './gateway.js';
import { readSimulatorKeyFile, type NotifyTarget, type Signer, type SignedNotification } from './notify-common.js';

/** CRC-32/ISO-HDLC (zlib's), table-driven; written here so no other implementation is trusted. */
const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of buf) crc = (CRC_TABLE[(crc ^ byte) & 0xff] ?? 0) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** Orders v2 amount value: decimal string in the currency's major unit. */
function value(minor: number, currency: string): string {
  if (!['USD', 'EUR', 'GBP', 'CNY'].includes(currency)) throw new Error(`the bench formats 2-decimal currencies only, not ${currency}`);
  return `${Math.floor(minor / 100)}.${String(minor % 100).padStart(2, '0')}`;
}

export async function paypalSigner(gw: BenchGateway): Promise<Signer> {
  const account = await rawAccount(gw, 'paypal');
  const webhookId = credential(account.credentials, 'webhook_id');
  const keys = readSimulatorKeyFile(gw.dataDir, 'paypal-keys.json', ['certId', 'privateKeyPem']);
  const privateKey = createPrivateKey(keys.privateKeyPem);
  const certUrl = `${account.baseUrl.replace(/\/$/, '')}/certs/${keys.certId}.pem`;

  const one = (t: NotifyTarget, time: string): SignedNotification => {
    const captureId = randomBytes(9).toString('hex').toUpperCase().slice(0, 17);
    const money = { currency_code: t.currency, value: value(t.amount, t.currency) };
    const body = JSON.stringify({
      id: `WH-${randomBytes(10).toString('hex').toUpperCase()}`, event_version: '1.0', create_time: time, resource_type: 'capture',
      resource_version: '2.0', event_type: 'PAYMENT.CAPTURE.COMPLETED', summary: `Payment completed for ${money.value} ${money.currency_code}`,
      resource: {
        id: captureId, status: 'COMPLETED', amount: money, final_capture: true, seller_protection: { status: 'ELIGIBLE' },
        // Paygate sets both to its reference at create; the webhook names the order by them.
        custom_id: t.reference, invoice_id: t.reference, create_time: time, update_time: time,
      },
    });
    const transmissionId = randomUUID();
    const message = `${transmissionId}|${time}|${webhookId}|${crc32(Buffer.from(body, 'utf8'))}`;
    return {
      body,
      headers: {
        'content-type': 'application/json',
        'paypal-transmission-id': transmissionId, 'paypal-transmission-time': time,
        'paypal-transmission-sig': sign('sha256', Buffer.from(message, 'utf8'), privateKey).toString('base64'),
        'paypal-cert-url': certUrl, 'paypal-auth-algo': 'SHA256withRSA',
      },
    };
  };
  return (targets) => {
    const time = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    return targets.map((t) => one(t, time));
  };
}
