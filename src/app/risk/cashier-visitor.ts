/**
 * The hosted cashier as a source of risk inputs (docs/risk.md, "The hosted cashier"): the
 * page of an open payment knows the buyer's address and sets a device id of its own. Both go
 * into the payment's client_ip / device_id where the merchant sent none — the merchant's
 * values win — and, for a merchant with a risk configuration, into the link graph with the
 * payment's other entities, so the next payment from the same browser or address is linked
 * to this one even when the merchant sends neither.
 *
 * The create's decision has been taken by then: these inputs serve later payments (graph,
 * hops to blocked entities), not this one. Velocity is not counted here: it counts creates.
 */
import { isIP } from 'node:net';
import { PAYMENT_STATUSES, isTerminal } from '../../domain/payment-state.js';
import { fillVisitorInputs } from '../../infra/db/repos/payment-visitors.js';
import { paymentById } from '../../infra/db/repos/payments.js';
import { recordEdges, type RiskEntity } from '../../infra/db/repos/risk-graph.js';
import type { AppContext } from '../context.js';
import { graphEntities } from './assess.js';
import { isUnconfigured, loadRiskConfig } from './config.js';

export interface CashierVisitor {
  /** The buyer's address as the server saw it (req.ip, PAYGATE_TRUST_PROXY honoured). */
  ip: string | null | undefined;
  /** The cashier's own device id (its cookie). */
  deviceId: string | null | undefined;
}

export interface VisitorNoted {
  /** client_ip and/or device_id were written (they were null). */
  filled: boolean;
  /** Directed links written to the graph (0 without a risk configuration). */
  edges: number;
}

const OPEN_STATUSES = PAYMENT_STATUSES.filter((s) => !isTerminal(s));

/** The columns' limits (migration 0011, and the create's validation in http/schemas.ts): a value that does not fit is not stored. */
const usableIp = (ip: string | null | undefined): string | null => (ip && ip.length <= 45 && isIP(ip) !== 0 ? ip : null);
const usableDevice = (id: string | null | undefined): string | null => (id && id.length <= 128 && /^[\x21-\x7e]+$/.test(id) ? id : null);

/**
 * For an open payment: fills its missing client_ip / device_id (always — one cheap UPDATE
 * that writes nothing when both are set), and links the visitor's address and device with
 * the payment's entities when the merchant has any risk configuration (a merchant without
 * one pays for no graph writes). A closed or unknown payment is left alone.
 */
export async function noteCashierVisitor(ctx: AppContext, paymentId: string, visitor: CashierVisitor): Promise<VisitorNoted> {
  const ip = usableIp(visitor.ip);
  const deviceId = usableDevice(visitor.deviceId);
  if (ip === null && deviceId === null) return { filled: false, edges: 0 };
  const payment = await paymentById(ctx.db, paymentId);
  if (!payment || isTerminal(payment.status)) return { filled: false, edges: 0 };
  const now = ctx.now();
  const filled = await fillVisitorInputs(ctx.db, paymentId, { clientIp: ip, deviceId }, OPEN_STATUSES, now);
  if (isUnconfigured(await loadRiskConfig(ctx, payment.merchant_id))) return { filled, edges: 0 };
  // The row as read before the fill: the merchant's own values, plus the visitor's (recordEdges drops repeats).
  const entities: RiskEntity[] = [
    ...graphEntities(payment),
    ...(ip !== null ? [{ kind: 'ip' as const, value: ip }] : []),
    ...(deviceId !== null ? [{ kind: 'device' as const, value: deviceId }] : []),
  ];
  const edges = await recordEdges(ctx.db, payment.merchant_id, entities, now);
  return { filled, edges };
}
