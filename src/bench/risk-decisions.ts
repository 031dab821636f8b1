/**
 * Risk decisions on one core: PAYGATE_BENCH_RISK_RULES merchant rules (1,000) and
 * PAYGATE_BENCH_RISK_ENTRIES list entries (100,000: IPv4 and IPv6 addresses and CIDRs,
 * devices, customers, emails, countries), over a pool of synthetic payments with every
 * fact filled in. A decision is `lists.hits` + `decide`, as the app will call them.
 * Prints the build times, then decisions/s (a tight loop, no timer per decision) and
 * p50/p99/max per decision (timed one by one), for the closures the rules compile to and,
 * for comparison, for the same rules on the CEL library's own evaluator. The first 2,000
 * decisions are checked against decideEveryRule (no plan, every rule run).
 * The goal: p99 <= 2 ms and >= 20,000 decisions/s per core.
 * Knobs: PAYGATE_BENCH_RISK_RULES, PAYGATE_BENCH_RISK_ENTRIES, PAYGATE_BENCH_RISK_DECISIONS (200000),
 * PAYGATE_BENCH_RISK_CEL_DECISIONS (2000; 0 skips the library run).
 */
import os from 'node:os';
import { NO_BLOCKED_NEARBY, type Attributes } from '../domain/risk/attributes.js';
import { decide, decideEveryRule } from '../domain/risk/decide.js';
import { ListIndex, validateListEntries, type ListEntry } from '../domain/risk/lists.js';
import { compileRules, type CompiledRuleSet, type RiskRule } from '../domain/risk/rules.js';
import { numEnv } from './env.js';
import { seeded } from '../test-support/seeded.js';

const RULES = numEnv('PAYGATE_BENCH_RISK_RULES', 1000, 1);
const ENTRIES = numEnv('PAYGATE_BENCH_RISK_ENTRIES', 100_000, 10);
const DECISIONS = numEnv('PAYGATE_BENCH_RISK_DECISIONS', 200_000, 1000);
const CEL_DECISIONS = numEnv('PAYGATE_BENCH_RISK_CEL_DECISIONS', 2000, 0);
const log = (msg: string) => console.error(`[bench risk ${new Date().toISOString().slice(11, 19)}] ${msg}`);

// Seeded (test-support/seeded.ts): every run, and both databases, see the same data.
const rng = seeded;
const rand = rng(42);
const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
const one = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;

const METHODS = ['alipay_qr', 'wechat_native', 'unionpay_qr', 'paypal', 'stripe'];
const CURRENCIES = ['CNY', 'USD', 'EUR', 'GBP', 'JPY', 'HKD'];
const COUNTRIES = ['CN', 'US', 'DE', 'GB', 'JP', 'HK', 'FR', 'SG', 'RU', 'NG', 'BR', 'IN'];
const KEYS = ['customer', 'device', 'ip', 'email'];
const WINDOWS = ['1m', '1h', '24h'];

/** Rules of the shapes merchants write: thresholds on amount, velocity, limits, graph, geo, profile. */
function makeRules(n: number): RiskRule[] {
  const templates: Array<() => Pick<RiskRule, 'when' | 'action'>> = [
    () => ({ when: `amount > ${int(50_000, 5_000_000)} && velocity.customer.count_1h > ${int(2, 20)}`, action: 'block' }),
    () => ({ when: `velocity.${one(KEYS)}.count_${one(WINDOWS)} >= ${int(5, 200)}`, action: one(['block', 'review'] as const) }),
    () => ({ when: `velocity.${one(KEYS)}.amount_${one(WINDOWS)} + amount > ${int(100_000, 50_000_000)}`, action: 'review' }),
    () => ({ when: `payer_country != ip_country && amount >= ${int(10_000, 1_000_000)}`, action: 'review' }),
    () => ({ when: `currency == "${one(CURRENCIES)}" && amount > ${int(100_000, 10_000_000)}`, action: 'review' }),
    () => ({ when: `method in ["paypal", "stripe"] && graph.device_customers_24h > ${int(2, 10)}`, action: 'block' }),
    () => ({ when: `profile.amount_zscore > ${(2 + rand() * 4).toFixed(1)} && profile.payments >= ${int(5, 30)}`, action: 'review' }),
    () => ({ when: `limits.${one(['customer_day_amount', 'customer_month_amount', 'merchant_day_amount'])} + amount > ${int(1_000_000, 500_000_000)}`, action: 'block' }),
    () => ({ when: `customer.email.endsWith("@${one(['mailinator.com', 'tempmail.dev', 'example.net'])}") && amount > ${int(1000, 100_000)}`, action: 'block' }),
    () => ({ when: `hour < ${int(3, 7)} && !profile.usual_hour && amount > ${int(10_000, 500_000)}`, action: 'review' }),
    () => ({ when: `graph.hops_to_blocked <= ${int(0, 2)} && amount > ${int(0, 100_000)}`, action: 'block' }),
    () => ({ when: `ip_country in ["${one(COUNTRIES)}", "${one(COUNTRIES)}"] && method == "${one(METHODS)}" && amount > ${int(1000, 1_000_000)}`, action: 'review' }),
    () => ({ when: `customer.id == "cus_vip_${int(1, 10_000)}"`, action: 'allow' }),
  ];
  return Array.from({ length: n }, (_, i) => {
    const t = one(templates)();
    return { name: `rule_${i}`, ...t, mode: rand() < 0.1 ? 'shadow' : 'active', ...(rand() < 0.5 ? { score: int(10, 95) } : {}) };
  });
}

const ipv4 = () => `${int(1, 223)}.${int(0, 255)}.${int(0, 255)}.${int(0, 255)}`;
const hex = () => int(0, 0xffff).toString(16);
const ipv6 = () => `2001:db8:${hex()}:${hex()}::${hex()}`;

function makeEntries(n: number): ListEntry[] {
  const raw: unknown[] = [];
  const action = () => (rand() < 0.7 ? 'block' : rand() < 0.7 ? 'review' : 'allow');
  for (let i = 0; i < n; i++) {
    const r = rand();
    const expires_at = rand() < 0.2 ? Date.now() + int(-86_400_000, 86_400_000) : undefined;
    let list: string, value: string;
    if (r < 0.4) [list, value] = ['ip', ipv4()];
    else if (r < 0.5) [list, value] = ['ip', `${int(1, 223)}.${int(0, 255)}.${int(0, 255)}.0/${one([24, 24, 24, 20, 16].map(String))}`.replace(/\.\d+\.0\/16$/, '.0.0/16').replace(/\.(\d+)\.0\/20$/, (_m, x: string) => `.${Number(x) & 0xf0}.0/20`)];
    else if (r < 0.6) [list, value] = ['ip', rand() < 0.5 ? ipv6() : `2001:db8:${hex()}::/48`];
    else if (r < 0.8) [list, value] = ['device', `dev_${int(1, 1_000_000)}`];
    else if (r < 0.9) [list, value] = ['email', `user${int(1, 1_000_000)}@example.com`];
    else if (r < 0.999) [list, value] = ['customer', `cus_${int(1, 1_000_000)}`];
    else [list, value] = ['country', one(['KP', 'IR', 'SY', 'CU'])];
    raw.push({ list, action: action(), value, ...(expires_at !== undefined ? { expires_at } : {}) });
  }
  return validateListEntries(raw);
}

function makePayment(): Attributes {
  const velocity = Object.fromEntries(KEYS.map((k) => [k, { count_1m: int(0, 3), count_1h: int(0, 10), count_24h: int(0, 40), amount_1m: int(0, 100_000), amount_1h: int(0, 1_000_000), amount_24h: int(0, 5_000_000) }]));
  const country = one(COUNTRIES);
  return {
    amount: int(100, 2_000_000), currency: one(CURRENCIES), method: one(METHODS), merchant_id: 'mer_bench', hour: int(0, 23),
    customer: { id: `cus_${int(1, 1_000_000)}`, email: `user${int(1, 1_000_000)}@${one(['example.com', 'mailinator.com', 'qq.com'])}`, phone: '+8613800000000' },
    client_ip: rand() < 0.8 ? ipv4() : ipv6(), device_id: `dev_${int(1, 1_000_000)}`, payer_country: country, ip_country: rand() < 0.9 ? country : one(COUNTRIES),
    velocity,
    limits: { customer_day_amount: int(0, 1_000_000), customer_day_count: int(0, 10), customer_month_amount: int(0, 10_000_000), customer_month_count: int(0, 100), merchant_day_amount: int(0, 100_000_000), merchant_day_count: int(0, 10_000), merchant_month_amount: int(0, 1_000_000_000), merchant_month_count: int(0, 300_000) },
    graph: { device_customers_24h: int(1, 4), customer_devices_24h: int(1, 4), ip_customers_24h: int(1, 20), hops_to_blocked: rand() < 0.05 ? int(0, 2) : NO_BLOCKED_NEARBY },
    profile: { amount_zscore: rand() * 6 - 2, usual_hour: rand() < 0.85, usual_method: rand() < 0.9, payments: int(0, 80) },
  };
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

function run(label: string, rules: CompiledRuleSet, lists: ListIndex, pool: Attributes[], n: number): string {
  const now = Date.now();
  let sink = 0;
  const one = (a: Attributes) => {
    const d = decide(rules, a, lists.hits(a, now));
    sink += d.score + d.rules.length;
  };
  for (let i = 0; i < Math.min(n, 20_000); i++) one(pool[i % pool.length]!); // warm-up: let V8 optimise
  const t0 = performance.now();
  for (let i = 0; i < n; i++) one(pool[i % pool.length]!);
  const perSecond = n / ((performance.now() - t0) / 1000);
  const times = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const s = performance.now();
    one(pool[i % pool.length]!);
    times[i] = performance.now() - s;
  }
  times.sort();
  if (sink < 0) console.log(sink); // keeps the work observable
  return `${label.padEnd(34)}${Math.round(perSecond).toString().padStart(12)}${percentile(times, 0.5).toFixed(3).padStart(10)}${percentile(times, 0.99).toFixed(3).padStart(10)}${times[times.length - 1]!.toFixed(3).padStart(10)}`;
}

const ruleInput = makeRules(RULES);
let t = performance.now();
const compiled = compileRules(ruleInput, { force: true });
const compileMs = performance.now() - t;
const engines = compiled.rules.reduce((m, r) => m.set(r.engine, (m.get(r.engine) ?? 0) + 1), new Map<string, number>());
t = performance.now();
const entries = makeEntries(ENTRIES);
const validateMs = performance.now() - t;
t = performance.now();
const lists = new ListIndex(entries);
const indexMs = performance.now() - t;
const pool = Array.from({ length: 10_000 }, makePayment);
log(`compiled ${RULES} rules in ${compileMs.toFixed(0)} ms; validated ${ENTRIES} entries in ${validateMs.toFixed(0)} ms, indexed in ${indexMs.toFixed(0)} ms`);

const sampleNow = Date.now();
const sampleHits = pool.slice(0, 2000).map((a) => lists.hits(a, sampleNow));
const sample = sampleHits.map((h, i) => decide(compiled, pool[i]!, h));
// decide skips rules by the set's plan; the decisions must be those of running every rule.
const differing = sample.filter((d, i) => JSON.stringify(d) !== JSON.stringify(decideEveryRule(compiled, pool[i]!, sampleHits[i]))).length;
if (differing > 0) throw new Error(`${differing} of ${sample.length} decisions differ from running every rule`);
const avg = (f: (d: (typeof sample)[number]) => number) => (sample.reduce((s, d) => s + f(d), 0) / sample.length).toFixed(1);
const actions = sample.reduce((m, d) => m.set(d.action, (m.get(d.action) ?? 0) + 1), new Map<string, number>());

const lines = [`${'engine'.padEnd(34)}${'decisions/s'.padStart(12)}${'p50 ms'.padStart(10)}${'p99 ms'.padStart(10)}${'max ms'.padStart(10)}`];
log(`closures: ${DECISIONS} decisions`);
lines.push(run(`closures (${[...engines].map(([k, v]) => `${v} ${k}`).join(', ')})`, compiled, lists, pool, DECISIONS));
if (CEL_DECISIONS > 0) {
  log(`library evaluator: ${CEL_DECISIONS} decisions`);
  lines.push(run('CEL library evaluator (all rules)', compileRules(ruleInput, { force: true, engine: 'cel' }), lists, pool, CEL_DECISIONS));
}
console.log(`\nRisk decisions: ${RULES} rules, ${ENTRIES} list entries (${lists.size} indexed), ${os.cpus()[0]?.model.trim() ?? 'CPU'}, node ${process.version}, load ${os.loadavg()[0]!.toFixed(1)}`);
console.log(`build: rules ${compileMs.toFixed(0)} ms, entries validated ${validateMs.toFixed(0)} ms, indexed ${indexMs.toFixed(0)} ms`);
console.log(`per decision (mean of ${sample.length}): ${avg((d) => d.rules.length)} rules fired, ${avg((d) => d.errors.length)} errors, ${avg((d) => d.lists.length)} list hits; actions ${[...actions].map(([k, v]) => `${k} ${v}`).join(', ')}; all equal to running every rule`);
console.log(lines.join('\n'));
