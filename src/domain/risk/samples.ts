/**
 * Ordinary payments, as a healthy shop sees them every day: small and large, several
 * methods, currencies, countries and hours, a returning and a brand-new customer, low
 * velocity and no blocked neighbour. An active block/review rule that fires on every one
 * of them would stop the shop's normal trade, so compileRules refuses it (RULE_TOO_BROAD).
 * They carry every fact, so a rule never escapes the check by failing on a missing one.
 */
import { NO_BLOCKED_NEARBY, type Attributes, type VelocityFacts } from './attributes.js';

function velocity(count1h: number, amount1h: number): VelocityFacts {
  return { count_1m: count1h > 0 ? 1 : 0, count_1h: count1h, count_24h: count1h + 1, amount_1m: count1h > 0 ? amount1h : 0, amount_1h: amount1h, amount_24h: amount1h * 2 };
}

function sample(n: number, p: Pick<Attributes, 'amount' | 'currency' | 'method' | 'hour'> & { country: string; ip: string; z: number; payments: number; seen: number }): Attributes {
  const v = velocity(p.seen, p.amount * p.seen);
  return {
    amount: p.amount, currency: p.currency, method: p.method, merchant_id: 'mer_sample', hour: p.hour,
    customer: { id: `cus_sample_${n}`, email: `buyer${n}@example.com`, phone: `+86138000000${n}` },
    client_ip: p.ip, device_id: `dev_sample_${n}`, payer_country: p.country, ip_country: p.country,
    velocity: { customer: v, device: v, ip: v, email: v },
    limits: {
      customer_day_amount: p.amount * p.seen, customer_day_count: p.seen, customer_month_amount: p.amount * p.payments, customer_month_count: p.payments,
      merchant_day_amount: 5_000_000 + n * 100_000, merchant_day_count: 900 + n * 10, merchant_month_amount: 150_000_000, merchant_month_count: 27_000,
    },
    graph: { device_customers_24h: 1, customer_devices_24h: 1, ip_customers_24h: 1, hops_to_blocked: NO_BLOCKED_NEARBY },
    profile: { amount_zscore: p.z, usual_hour: true, usual_method: true, payments: p.payments },
  };
}

export const SAMPLE_PAYMENTS: readonly Attributes[] = Object.freeze([
  sample(1, { amount: 100, currency: 'CNY', method: 'wechat_native', hour: 12, country: 'CN', ip: '114.114.114.114', z: -0.8, payments: 40, seen: 1 }),
  sample(2, { amount: 3_500, currency: 'CNY', method: 'alipay_qr', hour: 9, country: 'CN', ip: '223.5.5.5', z: 0.1, payments: 12, seen: 0 }),
  sample(3, { amount: 88_800, currency: 'CNY', method: 'unionpay_qr', hour: 20, country: 'CN', ip: '2408:8000::1', z: 1.2, payments: 6, seen: 0 }),
  sample(4, { amount: 2_599, currency: 'USD', method: 'stripe', hour: 15, country: 'US', ip: '8.8.4.4', z: 0, payments: 0, seen: 0 }),
  sample(5, { amount: 15_000, currency: 'EUR', method: 'paypal', hour: 18, country: 'DE', ip: '2a00:1450:4001::1', z: -0.3, payments: 25, seen: 2 }),
  sample(6, { amount: 499_900, currency: 'CNY', method: 'alipay_qr', hour: 22, country: 'HK', ip: '203.0.113.9', z: 0.6, payments: 8, seen: 0 }),
  sample(7, { amount: 1_200, currency: 'JPY', method: 'stripe', hour: 7, country: 'JP', ip: '1.1.1.1', z: 0.4, payments: 3, seen: 1 }),
  sample(8, { amount: 9_900, currency: 'GBP', method: 'paypal', hour: 1, country: 'GB', ip: '81.2.69.142', z: -0.1, payments: 60, seen: 0 }),
]);
