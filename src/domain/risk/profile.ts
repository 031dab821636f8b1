/**
 * A customer's behaviour profile in one currency: how much they usually pay, at what
 * hours and with which methods, learnt from their successful payments. Pure: the app
 * stores it (it is plain JSON) and feeds profileFacts into the attributes.
 *
 * Amounts: `amount_total` is the exact integer sum (money stays integers); the spread is
 * Welford's running M2 (sum of squared deviations from the running mean, the mean being
 * amount_total / payments), which stays accurate where a sum of squares would overflow
 * 2^53 after a few hundred large payments. The z-score is a statistic and a float.
 */

export interface BehaviourProfile {
  currency: string;
  /** Successful payments the profile is built from. */
  payments: number;
  /** Exact sum of their amounts, in minor units. */
  amount_total: number;
  /** Welford's M2: Σ (amount − mean)². */
  amount_m2: number;
  /** Payments per hour of day, 24 counters. */
  hours: number[];
  /** Payments per method. */
  methods: Record<string, number>;
}

/** Below this many payments the profile says nothing: z-score 0, hour and method usual. */
export const MIN_PROFILE_PAYMENTS = 5;
/** An hour (with its neighbours) or a method is usual when at least this share of payments had it. */
export const USUAL_SHARE = 0.1;

export function emptyProfile(currency: string): BehaviourProfile {
  return { currency, payments: 0, amount_total: 0, amount_m2: 0, hours: new Array<number>(24).fill(0), methods: {} };
}

export interface ProfilePayment { amount: number; currency: string; hour: number; method: string }

/** The profile after one more successful payment (a new object; the old one is not touched). */
export function updateProfile(p: BehaviourProfile, pay: ProfilePayment): BehaviourProfile {
  if (pay.currency !== p.currency) throw new Error(`profile is in ${p.currency}, payment in ${pay.currency}: keep one profile per customer and currency`);
  if (!Number.isSafeInteger(pay.amount) || pay.amount < 0) throw new Error(`amount must be integer minor units, got ${pay.amount}`);
  if (!Number.isInteger(pay.hour) || pay.hour < 0 || pay.hour > 23) throw new Error(`hour must be 0..23, got ${pay.hour}`);
  const n = p.payments + 1;
  const oldMean = p.payments > 0 ? p.amount_total / p.payments : 0;
  const total = p.amount_total + pay.amount;
  const newMean = total / n;
  const m2 = p.amount_m2 + (pay.amount - oldMean) * (pay.amount - newMean);
  const hours = p.hours.slice();
  hours[pay.hour] = (hours[pay.hour] ?? 0) + 1;
  return { currency: p.currency, payments: n, amount_total: total, amount_m2: m2, hours, methods: { ...p.methods, [pay.method]: (p.methods[pay.method] ?? 0) + 1 } };
}

export function profileMean(p: BehaviourProfile): number {
  return p.payments > 0 ? p.amount_total / p.payments : 0;
}

/** Sample standard deviation (n − 1), 0 below two payments. */
export function profileStdDev(p: BehaviourProfile): number {
  return p.payments > 1 ? Math.sqrt(Math.max(0, p.amount_m2) / (p.payments - 1)) : 0;
}

export interface ProfileFacts { amount_zscore: number; usual_hour: boolean; usual_method: boolean; payments: number }

/**
 * The `profile.*` attributes of a payment. The deviation is floored at 5 % of the mean
 * (and 1 minor unit), so a customer who always paid exactly 1000 is not "infinitely"
 * unusual at 1001; a payment in another currency than the profile's says nothing.
 */
export function profileFacts(p: BehaviourProfile | undefined, amount: number, hour: number, method: string, currency?: string): ProfileFacts {
  if (!p || p.payments < MIN_PROFILE_PAYMENTS || (currency !== undefined && currency !== p.currency)) {
    return { amount_zscore: 0, usual_hour: true, usual_method: true, payments: p?.payments ?? 0 };
  }
  const mean = profileMean(p);
  const sd = Math.max(profileStdDev(p), mean * 0.05, 1);
  const h = (k: number) => p.hours[(k + 24) % 24] ?? 0;
  const nearHour = h(hour - 1) + h(hour) + h(hour + 1);
  return {
    amount_zscore: (amount - mean) / sd,
    usual_hour: nearHour >= p.payments * USUAL_SHARE,
    usual_method: (p.methods[method] ?? 0) >= Math.max(1, p.payments * USUAL_SHARE),
    payments: p.payments,
  };
}
