/**
 * What of a WeChat Pay APIv3 notification may be stored in clear. The envelope is public but
 * its `resource.ciphertext` holds the payer (openid) and opens with the account's APIv3 key,
 * so the ciphertext itself is never stored: `open` decrypts it into `resource.decrypted`,
 * which is masked by the same allow-list (ids, state, amounts kept; payer, the refund's
 * receiving account, device and promotion details masked).
 */
import type { NotificationPrivacy } from '../types.js';
import type { WechatpayCredentials } from './credentials.js';
import { decryptResource } from './sign.js';

const D = 'resource.decrypted';

export const wechatpayNotificationPrivacy: NotificationPrivacy<WechatpayCredentials> = {
  format: 'json',
  keep: [
    'id', 'create_time', 'resource_type', 'event_type', 'summary',
    'resource.original_type', 'resource.algorithm', 'resource.associated_data', 'resource.nonce',
    ...['mchid', 'appid', 'sp_mchid', 'sub_mchid', 'sp_appid', 'out_trade_no', 'transaction_id', 'trade_type', 'trade_state', 'trade_state_desc', 'bank_type', 'success_time',
      'out_refund_no', 'refund_id', 'refund_status', 'amount.total', 'amount.payer_total', 'amount.currency', 'amount.payer_currency', 'amount.refund', 'amount.payer_refund'].map((k) => `${D}.${k}`),
  ],
  personal: [`${D}.payer.openid`, `${D}.payer.sp_openid`, `${D}.payer.sub_openid`, `${D}.user_received_account`, `${D}.scene_info.device_id`, `${D}.attach`, `${D}.promotion_detail`],
  secret: ['resource.ciphertext'],
  identifiers: [`${D}.payer.openid`, `${D}.payer.sp_openid`, `${D}.payer.sub_openid`].map((path) => ({ path, kind: 'provider_buyer_id' as const })),
  secretHeaders: ['wechatpay-signature'],
  open(credentials, document) {
    const r = document.resource;
    if (typeof r !== 'object' || r === null || Array.isArray(r)) return undefined;
    const { ciphertext, nonce, associated_data: aad = '' } = r as Record<string, unknown>;
    if (typeof ciphertext !== 'string' || typeof nonce !== 'string' || typeof aad !== 'string') return undefined;
    const plain = decryptResource(credentials.apiv3Key, nonce, aad, ciphertext);
    if (!plain.ok) return undefined;
    try {
      return { ...document, resource: { ...r, decrypted: JSON.parse(plain.plaintext) as unknown } };
    } catch {
      return undefined;
    }
  },
};
