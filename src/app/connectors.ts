/** Which connector serves which provider, and which provider serves which method. */
import type { Connector, ProviderName } from '../connectors/types.js';
import { alipayConnector } from '../connectors/alipay/index.js';
import { stripeConnector } from '../connectors/stripe/index.js';
import { unionpayConnector } from '../connectors/unionpay/index.js';
import { wechatpayConnector } from '../connectors/wechatpay/index.js';
import { paypalConnector } from '../connectors/paypal/index.js';

export const METHODS = ['alipay_qr', 'wechat_native', 'unionpay_qr', 'paypal', 'stripe'] as const;
export type PaymentMethod = (typeof METHODS)[number];

export const PROVIDERS = ['alipay', 'wechatpay', 'unionpay', 'paypal', 'stripe'] as const;

const METHOD_PROVIDER: Record<PaymentMethod, ProviderName> = {
  alipay_qr: 'alipay',
  wechat_native: 'wechatpay',
  unionpay_qr: 'unionpay',
  paypal: 'paypal',
  stripe: 'stripe',
};

// Connectors are typed per provider; the registry erases the credentials type because
// credentials are parsed by the same connector that consumes them.
const CONNECTORS: Partial<Record<ProviderName, Connector<unknown>>> = {
  alipay: alipayConnector as Connector<unknown>,
  stripe: stripeConnector as Connector<unknown>,
  unionpay: unionpayConnector as Connector<unknown>,
  wechatpay: wechatpayConnector as Connector<unknown>,
  paypal: paypalConnector as Connector<unknown>,
};

export function providerForMethod(method: PaymentMethod): ProviderName {
  return METHOD_PROVIDER[method];
}

export function connectorFor(provider: string): Connector<unknown> | undefined {
  return CONNECTORS[provider as ProviderName];
}

export function availableProviders(): ProviderName[] {
  return Object.keys(CONNECTORS) as ProviderName[];
}
