/**
 * Merchant risk rules: `{name, when, action, mode, score?}` where `when` is a CEL
 * expression over the attribute schema. compileRules checks the whole set before keeping
 * any of it, so a merchant never runs half of what they sent: unknown fields, bad names,
 * expressions that do not parse, name an attribute the schema lacks or are not boolean,
 * duplicate names (RISK.INVALID_RULE, every problem located by rule and line/column), and
 * active block/review rules that would catch every payment (RISK.RULE_TOO_BROAD).
 */
import type { ParseResult } from '@marcbachmann/cel-js';
import { z } from 'zod';
import { PaygateError } from '../errors.js';
import type { Attributes } from './attributes.js';
import { celContext, checkExpression, lineColumn } from './cel-env.js';
import { compileClosure, Unsupported } from './closures.js';
import { guardsOf, type Guard } from './guards.js';
import { RulePlan } from './plan.js';
import { SAMPLE_PAYMENTS } from './samples.js';

export type RuleAction = 'allow' | 'review' | 'block';
export type RuleMode = 'active' | 'shadow';

export interface RiskRule {
  name: string;
  when: string;
  action: RuleAction;
  mode: RuleMode;
  score?: number | undefined;
}

const ruleSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/, 'send 1..64 letters, digits, _ . : - starting with a letter or digit'),
  when: z.string({ error: 'send the condition as a CEL string, e.g. "amount > 100000"' }),
  action: z.enum(['allow', 'review', 'block'], { error: 'send allow, review or block' }),
  mode: z.enum(['active', 'shadow'], { error: 'send active or shadow' }),
  score: z.int({ error: 'send an integer 0..99' }).min(0, 'send an integer 0..99').max(99, 'send an integer 0..99').optional(),
});

/** Cheap evaluation scope of one decision: the library path needs a converted context, built once. */
export interface EvalScope {
  attrs: Attributes;
  cel: Record<string, unknown> | undefined;
}

export interface CompiledRule {
  readonly name: string;
  readonly when: string;
  readonly action: RuleAction;
  readonly mode: RuleMode;
  readonly score: number | undefined;
  /** 'closure' (fast path) or 'cel' (the library's evaluator, for what closures.ts does not compile). */
  readonly engine: 'closure' | 'cel';
  /** Closure rules read `attrs`; library rules use (and fill) the scope's converted context. */
  readonly evaluate: (attrs: Attributes, scope: EvalScope) => boolean;
}

export interface CompiledRuleSet {
  readonly rules: readonly CompiledRule[];
  /** How decide skips rules that cannot fire (plan.ts); a set built without one has every rule evaluated. */
  readonly plan?: RulePlan | undefined;
}

export interface RuleProblem {
  rule: string | undefined;
  index: number;
  field: string;
  message: string;
  line?: number;
  column?: number;
  offset?: number;
}

function libraryEvaluator(parsed: ParseResult): CompiledRule['evaluate'] {
  return (_attrs, scope) => parsed((scope.cel ??= celContext(scope.attrs))) === true;
}

interface CompiledOne { rule: CompiledRule; constant: boolean | undefined; guards: Guard[] | undefined }

function compileOne(rule: RiskRule, parsed: ParseResult, engine: 'auto' | 'cel'): CompiledOne {
  const base = { name: rule.name, when: rule.when, action: rule.action, mode: rule.mode, score: rule.score };
  try {
    if (engine === 'cel') throw new Unsupported('the library evaluator was asked for');
    const c = compileClosure(parsed.ast);
    // Guards only for closure rules: their && semantics are the ones guards.ts relies on.
    return { rule: Object.freeze({ ...base, engine: 'closure' as const, evaluate: c.evaluate }), constant: c.constant, guards: guardsOf(parsed.ast) };
  } catch (err) {
    if (!(err instanceof Unsupported)) throw err;
    return { rule: Object.freeze({ ...base, engine: 'cel' as const, evaluate: libraryEvaluator(parsed) }), constant: undefined, guards: undefined };
  }
}

function label(name: string | undefined, index: number): string {
  return name === undefined ? `rules[${index}]` : `rule "${name}" (rules[${index}])`;
}

function problemMessage(p: RuleProblem): string {
  const where = p.line !== undefined ? `.${p.field}, line ${p.line}, column ${p.column}` : p.field ? `.${p.field}` : '';
  return `${label(p.rule, p.index)}${where}: ${p.message}`;
}

function fail(code: 'RISK.INVALID_RULE' | 'RISK.RULE_TOO_BROAD', problems: RuleProblem[]): never {
  const first = problems[0]!;
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''} in details.problems)` : '';
  throw new PaygateError(code, `${problemMessage(first)}${more}`, { field: `rules[${first.index}]${first.field ? `.${first.field}` : ''}`, details: { problems: problems.map((p) => ({ ...p, message: problemMessage(p) })) } });
}

/** Would this rule, evaluated on an ordinary payment, fire? An error counts as not firing. */
function fires(rule: CompiledRule, attrs: Attributes): boolean {
  try {
    return rule.evaluate(attrs, { attrs, cel: undefined });
  } catch {
    return false;
  }
}

/**
 * Validates and compiles a rule set; throws PaygateError RISK.INVALID_RULE listing every
 * problem, or RISK.RULE_TOO_BROAD for an active block/review rule whose condition is
 * constant true or that fires on every built-in sample payment, unless `force`. Shadow
 * rules and allow rules are not checked for breadth: a shadow rule decides nothing, and
 * an allow rule that matches everything is the merchant switching risk off on purpose.
 */
export interface CompileOptions {
  /** Keep active block/review rules that would catch every payment. */
  force?: boolean;
  /** 'cel' runs every rule on the library's evaluator (for comparison in tests and the bench); default 'auto'. */
  engine?: 'auto' | 'cel';
}

export function compileRules(input: unknown, opts: CompileOptions = {}): CompiledRuleSet {
  if (!Array.isArray(input)) fail('RISK.INVALID_RULE', [{ rule: undefined, index: 0, field: '', message: 'send the rules as a JSON array of {name, when, action, mode, score?}' }]);
  const problems: RuleProblem[] = [];
  const broad: RuleProblem[] = [];
  const compiled: CompiledRule[] = [];
  const guards: Array<Guard[] | undefined> = [];
  const seen = new Map<string, number>();
  input.forEach((raw: unknown, index) => {
    const name = raw !== null && typeof raw === 'object' && typeof (raw as { name?: unknown }).name === 'string' ? (raw as { name: string }).name : undefined;
    const shape = ruleSchema.safeParse(raw);
    if (!shape.success) {
      for (const issue of shape.error.issues) {
        if (issue.code === 'unrecognized_keys') {
          for (const key of issue.keys) problems.push({ rule: name, index, field: key, message: `unknown field "${key}"; a rule has only name, when, action, mode and score` });
        } else {
          const field = issue.path.join('.');
          const missing = issue.code === 'invalid_type' && (raw as Record<string, unknown> | null)?.[field] === undefined && field !== '';
          problems.push({ rule: name, index, field, message: missing ? `is required: ${issue.message}` : issue.message });
        }
      }
      return;
    }
    const rule = shape.data;
    const dup = seen.get(rule.name);
    if (dup !== undefined) problems.push({ rule: rule.name, index, field: 'name', message: `the name is already used by rules[${dup}]; give each rule its own name` });
    else seen.set(rule.name, index);
    const checked = checkExpression(rule.when);
    if (!checked.ok) {
      const p = checked.problem;
      problems.push({ rule: rule.name, index, field: 'when', message: p.message, line: p.line, column: p.column, offset: p.start });
      return;
    }
    const { rule: c, constant, guards: g } = compileOne(rule, checked.parsed, opts.engine ?? 'auto');
    compiled.push(c);
    guards.push(g);
    if (opts.force || rule.mode !== 'active' || rule.action === 'allow') return;
    const at = { rule: rule.name, index, field: 'when', ...lineColumn(rule.when, 0), offset: 0 };
    if (constant === true) broad.push({ ...at, message: 'the condition is always true, so this rule would ' + rule.action + ' every payment; narrow it, put it in shadow mode, or send force: true if that is meant' });
    else if (constant === false) return;
    else if (SAMPLE_PAYMENTS.every((s) => fires(c, s))) broad.push({ ...at, message: `the condition matches every one of the ${SAMPLE_PAYMENTS.length} ordinary sample payments, so this rule would ${rule.action} nearly everything; narrow it, put it in shadow mode, or send force: true if that is meant` });
  });
  if (problems.length > 0) fail('RISK.INVALID_RULE', problems);
  if (broad.length > 0) fail('RISK.RULE_TOO_BROAD', broad);
  const rules = Object.freeze(compiled);
  return Object.freeze({ rules, plan: new RulePlan(rules, guards) });
}
