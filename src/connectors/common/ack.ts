/**
 * What a connector answers a provider's notification with. Each provider has exactly two
 * answers — one that stops its retries and one that asks for another delivery — so a
 * connector states the pair and this builds the port's notificationAck from it.
 */
import type { NotificationAck } from '../notification-types.js';

export function ackWith(accepted: NotificationAck, rejected: NotificationAck): (ok: boolean) => NotificationAck {
  // A copy per call: the caller owns the answer it is given.
  return (ok) => ({ ...(ok ? accepted : rejected) });
}
