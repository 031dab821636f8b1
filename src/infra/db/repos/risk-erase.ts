/**
 * Forgetting a buyer in risk control's own tables (app/privacy.ts eraseBuyer): the links of
 * the graph that touch their identities, and their behaviour profiles. Links between two
 * entities that are not theirs (a shared IP and another customer) belong to other buyers and
 * stay; the buyer's IP goes with every link it had to their customer, e-mail or device.
 */
import type { DbOrTx } from '../index.js';
import type { RiskEntity } from './risk-graph.js';

export interface BuyerRiskData { merchantId: string; entities: RiskEntity[]; customerIds: string[] }

/** Deletes the links with one of `entities` at either end, and the customers' profiles; answers the rows deleted. */
export async function forgetBuyerRiskData(db: DbOrTx, d: BuyerRiskData): Promise<{ links: number; profiles: number }> {
  let links = 0;
  if (d.entities.length > 0) {
    for (const [kind, value] of [['a_kind', 'a_value'], ['b_kind', 'b_value']] as const) {
      const r = await db.deleteFrom('risk_edges').where('merchant_id', '=', d.merchantId)
        .where((eb) => eb.or(d.entities.map((e) => eb.and([eb(kind, '=', e.kind), eb(value, '=', e.value)])))).executeTakeFirst();
      links += Number(r.numDeletedRows);
    }
  }
  let profiles = 0;
  if (d.customerIds.length > 0) {
    const r = await db.deleteFrom('risk_profiles').where('merchant_id', '=', d.merchantId).where('customer_id', 'in', d.customerIds).executeTakeFirst();
    profiles = Number(r.numDeletedRows);
  }
  return { links, profiles };
}
