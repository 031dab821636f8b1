/**
 * What the hosted cashier learns about the buyer (app/risk/cashier-visitor.ts): the address
 * and the cashier's own device id, written into the payment's risk inputs only where the
 * merchant left them empty.
 */
import type { DbOrTx } from '../index.js';

export interface VisitorInputs { clientIp: string | null; deviceId: string | null }

/**
 * Fills client_ip / device_id where they are null, in one statement: COALESCE keeps a value
 * already there (the merchant's own, or an earlier visit's), so two page loads at once cannot
 * overwrite each other or the merchant. Only while the payment is in one of `openStatuses`
 * (checked in the same statement, so a payment that closed meanwhile is left alone); the WHERE
 * also skips a payment with nothing left to fill, so updated_at moves only when a value was
 * written. Answers whether a row changed.
 */
export async function fillVisitorInputs(db: DbOrTx, paymentId: string, v: VisitorInputs, openStatuses: readonly string[], now: number): Promise<boolean> {
  const { clientIp, deviceId } = v;
  if (clientIp === null && deviceId === null) return false;
  const r = await db.updateTable('payments')
    .set((eb) => ({
      ...(clientIp !== null ? { client_ip: eb.fn.coalesce('client_ip', eb.val(clientIp)) } : {}),
      ...(deviceId !== null ? { device_id: eb.fn.coalesce('device_id', eb.val(deviceId)) } : {}),
      updated_at: now,
    }))
    .where('id', '=', paymentId)
    .where('status', 'in', openStatuses)
    .where((eb) => eb.or([
      ...(clientIp !== null ? [eb('client_ip', 'is', null)] : []),
      ...(deviceId !== null ? [eb('device_id', 'is', null)] : []),
    ]))
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}
