/**
 * What a verified provider notification teaches risk control (docs/risk.md): the provider's
 * own identity of the buyer (Alipay buyer_id, WeChat openid, PayPal payer id and e-mail)
 * joins the payment's customer, device, IP and e-mail in the link graph, so a wallet that
 * paid for a customer on a device blocked later links every payment it makes to that device.
 *
 * And a payment allowed at create is checked again with what is known now: when the graph
 * (with the buyer's links) makes the merchant's rules or lists say review or block, the paid
 * payment is flagged — its `risk.flagged` records the new verdict and a `risk.flagged` event
 * tells the merchant, once. Money already taken is not touched: the merchant or an operator
 * decides (refund, ship or not).
 *
 * Runs in the notification's transaction: only what the provider signed may link a buyer
 * (a forger could otherwise plant links), and the flag is written with the success it is
 * about. A merchant with no risk configuration costs nothing here.
 */
import type { BuyerIdentifierKind } from '../../connectors/notification-types.js';
import { decide } from '../../domain/risk/index.js';
import type { Tx } from '../../infra/db/index.js';
import { paymentById, riskDecisionOf, updatePayment } from '../../infra/db/repos/payments.js';
import { recordEdges, type RiskEntity } from '../../infra/db/repos/risk-graph.js';
import { attemptsOf } from '../../infra/db/repos/attempts.js';
import type { AppContext } from '../context.js';
import { recordEvent } from '../outbox.js';
import { paymentToApi } from '../representations.js';
import { liveAccounts, livemodeOf } from '../modes.js';
import { baseAttributes, graphEntities, storedFacts } from './assess.js';
import { isUnconfigured, loadRiskConfig } from './config.js';

const KIND: Record<BuyerIdentifierKind, RiskEntity['kind']> = { provider_buyer_id: 'buyer', email: 'email', customer_id: 'customer' };

export async function learnFromNotification(ctx: AppContext, trx: Tx, merchantId: string, paymentId: string, identifiers: ReadonlyArray<{ kind: BuyerIdentifierKind; value: string }>): Promise<void> {
  if (identifiers.length === 0) return;
  // The merchant's configuration first (cached): without one, not a statement more per notification.
  const cfg = await loadRiskConfig(ctx, merchantId, trx);
  if (isUnconfigured(cfg)) return;
  const payment = await paymentById(trx, paymentId);
  if (!payment || payment.merchant_id !== merchantId) return;
  const now = ctx.now();
  const buyers = identifiers.map((i) => ({ kind: KIND[i.kind], value: i.kind === 'email' ? i.value.toLowerCase() : i.value }));
  const entities = [...graphEntities(payment), ...buyers];
  if (entities.length >= 2) await recordEdges(trx, payment.merchant_id, entities, now);

  const record = riskDecisionOf(payment);
  if (payment.status !== 'succeeded' || record?.action !== 'allow' || 'flagged' in record) return;
  const attrs = { ...baseAttributes(ctx, payment, new Date(Number(payment.created_at)).getUTCHours()), graph: (await storedFacts(trx, cfg, payment, entities, now, { limits: false, profile: false })).graph };
  const d = decide(cfg.rules, attrs, cfg.lists.hits(attrs, now));
  if (d.action === 'allow') return;
  const flagged = { action: d.action, score: d.score, rules: d.rules.filter((r) => r.mode === 'active'), at: new Date(now).toISOString(), source: 'notification' };
  const risk_decision = JSON.stringify({ ...record, flagged });
  await updatePayment(trx, payment.id, { risk_decision });
  const attempts = await attemptsOf(trx, [payment.id]);
  const live = await liveAccounts(ctx, attempts.map((a) => a.provider_account_id), trx);
  await recordEvent(trx, { merchantId: payment.merchant_id, type: 'risk.flagged', objectId: payment.id, data: paymentToApi({ ...payment, risk_decision }, attempts, ctx.publicUrl(), livemodeOf(attempts, live)) }, now);
  ctx.metrics.riskDecisions.inc({ action: `flagged_${d.action}` });
  ctx.log.warn({ payment_id: payment.id, action: d.action, rules: flagged.rules.map((r) => r.name) }, 'paid payment flagged by risk control after the provider named the buyer');
}
