/**
 * The evaluation plan of a rule set: its rules' guards (guards.ts) grouped by subject, so
 * a decision evaluates each distinct subject once and learns from it which rules cannot
 * fire, without visiting those rules. Profiled on the bench's 1,000 rules
 * (src/bench/risk-decisions.ts), running every rule's closures was nearly all of a
 * decision, while the rules share a few dozen subjects (amount, a velocity count, a
 * country); and visiting every rule to test its guards still cost most of what was left.
 *
 * Each subject's value becomes an integer answer:
 *   ord   — its number placed among the group's sorted distinct thresholds t0 < t1 < …:
 *           2j+1 when v === tj, 2j when t(j-1) < v < tj; a guard `v op tj` has code
 *           2j+1 and holds exactly when `answer op code`;
 *   cat   — the id of its value among the group's literals (m when none of them); an
 *           `==` guard's code is its literal's id, an `in` guard a byte mask over the ids;
 *   truth — 1 for true, 0 for false; the guard is `== 1`.
 * -1 when the subject failed or is not of its kind (not a number, NaN, not a boolean):
 * its guards are unanswered, and a rule with one of those and no false guard is evaluated.
 *
 * The guards of one group and operator are kept sorted by code, so those that are false
 * for an answer are a prefix, a suffix or a run found by binary search, and marking them
 * costs one bit each; then only the rules left unmarked are visited.
 */
import type { Attributes } from './attributes.js';
import type { Guard, OrdOp } from './guards.js';

const OPS: readonly OrdOp[] = ['<', '<=', '>', '>=', '==', '!='];
const LT = 0, LE = 1, GT = 2, GE = 3, EQ = 4, NE = 5;
const KIND_ORD = 0, KIND_CAT = 1, KIND_TRUTH = 2;

/**
 * Guards of one group and operator, sorted by code; `rules[k]` is the rule of `codes[k]`.
 * A long list also keeps, per block of 32 positions, the bitsets of the rules before and
 * after the block boundary (`pre`/`suf`, `words` each), so marking a prefix or suffix is a
 * few word ORs and at most 31 single bits.
 */
interface Sorted { codes: Int32Array; rules: Int32Array; pre: Int32Array | undefined; suf: Int32Array | undefined }

/** Below this many positions a list is marked bit by bit; above, the block bitsets pay. */
const LONG = 64;

function sortedList(xs: Array<[number, number]>, words: number): Sorted {
  xs.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const codes = Int32Array.from(xs, (x) => x[0]), rules = Int32Array.from(xs, (x) => x[1]);
  if (rules.length <= LONG) return { codes, rules, pre: undefined, suf: undefined };
  const blocks = (rules.length + 31) >>> 5;
  const pre = new Int32Array((blocks + 1) * words), suf = new Int32Array((blocks + 1) * words);
  for (let b = 1; b <= blocks; b++) {
    pre.copyWithin(b * words, (b - 1) * words, b * words);
    mark(pre, b * words, rules, (b - 1) * 32, Math.min(rules.length, b * 32));
  }
  for (let b = blocks - 1; b >= 0; b--) {
    suf.copyWithin(b * words, (b + 1) * words, (b + 2) * words);
    mark(suf, b * words, rules, b * 32, Math.min(rules.length, (b + 1) * 32));
  }
  return { codes, rules, pre, suf };
}

function or(out: Int32Array, from: Int32Array, at: number, words: number): void {
  for (let w = 0; w < words; w++) out[w]! |= from[at + w]!;
}

/** Marks rules[0, p) in the bitset out[0, words). */
function markPrefix(out: Int32Array, l: Sorted, p: number, words: number): void {
  if (l.pre === undefined || p <= LONG) return mark(out, 0, l.rules, 0, p);
  const b = p >>> 5;
  or(out, l.pre, b * words, words);
  mark(out, 0, l.rules, b * 32, p);
}

/** Marks rules[p, length) in the bitset out[0, words). */
function markSuffix(out: Int32Array, l: Sorted, p: number, words: number): void {
  const n = l.rules.length;
  if (l.suf === undefined || n - p <= LONG) return mark(out, 0, l.rules, p, n);
  const b = (p + 31) >>> 5;
  or(out, l.suf, b * words, words);
  mark(out, 0, l.rules, p, b * 32);
}

interface Group {
  kind: number;
  subject: (a: Attributes) => unknown;
  thresholds: Float64Array;
  values: Map<unknown, number>;
  /** By operator: <, <=, >, >=, ==, != (cat and truth use == and != only). */
  sorted: Sorted[];
  /** `in` guards: rule and offset of its mask in `masks`. */
  maskRules: Int32Array;
  maskAt: Int32Array;
  /** Every rule with a guard here, to mark unanswered. */
  members: Int32Array;
}

interface Draft { kind: number; subject: (a: Attributes) => unknown; thresholds: number[]; values: Map<unknown, number>; guards: Array<{ rule: number; guard: Guard }> }

/** First index whose element is >= v (strict: > v). */
function bound(t: ArrayLike<number>, v: number, strict: boolean): number {
  let lo = 0, hi = t.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const x = t[mid]!;
    if (x < v || (strict && x === v)) lo = mid + 1; else hi = mid;
  }
  return lo;
}

/** Sets the bits of rules[from, to) in the bitset that starts at bits[at]. */
function mark(bits: Int32Array, at: number, rules: Int32Array, from: number, to: number): void {
  for (let k = from; k < to; k++) {
    const i = rules[k]!;
    bits[at + (i >> 5)]! |= 1 << (i & 31);
  }
}

export class RulePlan {
  /** 32-bit words of one rule bitset. */
  readonly words: number;
  private readonly groups: Group[];
  private readonly masks: Uint8Array;
  /** Rules without guards: never skipped, always evaluated. */
  private readonly unguarded: Int32Array;
  /** The bits past the last rule, always skipped. */
  private readonly padding: Int32Array;
  /** The buffer select returns, when not lent out (see release). */
  private scratch: Int32Array | undefined;

  /** `rules` is kept only to tell which rule set the plan belongs to. */
  constructor(readonly rules: readonly unknown[], guards: ReadonlyArray<readonly Guard[] | undefined>) {
    const n = guards.length;
    this.words = (n + 31) >>> 5;
    this.unguarded = new Int32Array(this.words);
    this.padding = new Int32Array(this.words);
    for (let i = n; i < this.words * 32; i++) this.padding[i >> 5]! |= 1 << (i & 31);
    const drafts = new Map<string, Draft>();
    guards.forEach((gs, rule) => {
      if (!gs || gs.length === 0) return void (this.unguarded[rule >> 5]! |= 1 << (rule & 31));
      for (const guard of gs) {
        let d = drafts.get(guard.key);
        if (!d) {
          const kind = guard.test.kind === 'ord' ? KIND_ORD : guard.test.kind === 'cat' ? KIND_CAT : KIND_TRUTH;
          drafts.set(guard.key, (d = { kind, subject: guard.subject, thresholds: [], values: new Map(), guards: [] }));
        }
        d.guards.push({ rule, guard });
        if (guard.test.kind === 'ord') d.thresholds.push(guard.test.value);
        else if (guard.test.kind === 'cat') for (const v of guard.test.values) if (!d.values.has(v)) d.values.set(v, d.values.size);
      }
    });
    const masks: number[] = [];
    this.groups = [...drafts.values()].map((d) => {
      const thresholds = Float64Array.from([...new Set(d.thresholds)].sort((a, b) => a - b));
      const byOp: Array<Array<[number, number]>> = OPS.map(() => []);
      const inRules: number[] = [], inAt: number[] = [];
      for (const { rule, guard } of d.guards) {
        const t = guard.test;
        if (t.kind === 'ord') byOp[OPS.indexOf(t.op)]!.push([2 * bound(thresholds, t.value, false) + 1, rule]);
        else if (t.kind === 'truth') byOp[EQ]!.push([1, rule]);
        else if (t.values.length === 1) byOp[t.negate ? NE : EQ]!.push([d.values.get(t.values[0])!, rule]);
        else {
          const mask = new Array<number>(d.values.size + 1).fill(t.negate ? 1 : 0);
          for (const v of t.values) mask[d.values.get(v)!] = t.negate ? 0 : 1;
          inRules.push(rule);
          inAt.push(masks.length);
          for (const x of mask) masks.push(x);
        }
      }
      const sorted = byOp.map((xs) => sortedList(xs, this.words));
      const members = Int32Array.from(new Set(d.guards.map((g) => g.rule)));
      return { kind: d.kind, subject: d.subject, thresholds, values: d.values, sorted, maskRules: Int32Array.from(inRules), maskAt: Int32Array.from(inAt), members };
    });
    this.masks = Uint8Array.from(masks);
  }

  private answer(g: Group, a: Attributes): number {
    let v: unknown;
    try {
      v = g.subject(a);
    } catch {
      return -1;
    }
    if (g.kind === KIND_ORD) {
      if (typeof v !== 'number' || v !== v) return -1;
      const j = bound(g.thresholds, v, false);
      return j < g.thresholds.length && g.thresholds[j] === v ? 2 * j + 1 : 2 * j;
    }
    if (g.kind === KIND_CAT) return v !== v ? -1 : (g.values.get(v) ?? g.values.size);
    return v === true ? 1 : v === false ? 0 : -1;
  }

  /**
   * Two rule bitsets in one array: words [0, words) mark the rules that cannot fire (a
   * guard is false; also the padding), words [words, 2·words) the rules to evaluate (no
   * guards, or an unanswered guard). A rule in neither fires: all its guards hold.
   */
  select(a: Attributes): Int32Array {
    const w = this.words;
    // Skipped rules in [0, w) (where markPrefix/markSuffix write), rules to run in [w, 2w).
    // One buffer reused: allocating it (off-heap past 64 bytes) cost ~1 µs a decision.
    let out = this.scratch;
    if (out === undefined) out = new Int32Array(2 * w);
    else this.scratch = undefined;
    out.set(this.padding);
    out.set(this.unguarded, w);
    for (const g of this.groups) {
      const s = this.answer(g, a);
      if (s < 0) {
        mark(out, w, g.members, 0, g.members.length);
        continue;
      }
      const so = g.sorted;
      let l = so[LT]!; if (l.codes.length > 0) markPrefix(out, l, bound(l.codes, s, true), w);
      l = so[LE]!; if (l.codes.length > 0) markPrefix(out, l, bound(l.codes, s, false), w);
      l = so[GT]!; if (l.codes.length > 0) markSuffix(out, l, bound(l.codes, s, false), w);
      l = so[GE]!; if (l.codes.length > 0) markSuffix(out, l, bound(l.codes, s, true), w);
      l = so[EQ]!;
      if (l.codes.length > 0) {
        markPrefix(out, l, bound(l.codes, s, false), w);
        markSuffix(out, l, bound(l.codes, s, true), w);
      }
      l = so[NE]!; if (l.codes.length > 0) mark(out, 0, l.rules, bound(l.codes, s, false), bound(l.codes, s, true));
      const { maskRules, maskAt } = g;
      for (let k = 0; k < maskRules.length; k++) {
        if (this.masks[maskAt[k]! + s] === 0) {
          const i = maskRules[k]!;
          out[i >> 5]! |= 1 << (i & 31);
        }
      }
    }
    return out;
  }

  /** Gives back what select returned, once read; a select meanwhile (none is expected) gets a new one. */
  release(bits: Int32Array): void {
    if (bits.length === 2 * this.words) this.scratch = bits;
  }
}
