import { describe, expect, it } from 'vitest';
import { PaygateError } from '../errors.js';
import { compileRules, type RuleProblem } from './rules.js';

const rule = (when: string, extra: Record<string, unknown> = {}) => ({ name: 'r1', when, action: 'block', mode: 'active', ...extra });

function failure(input: unknown, opts = {}): { code: string; message: string; problems: RuleProblem[] } {
  try {
    compileRules(input, opts);
  } catch (err) {
    expect(err).toBeInstanceOf(PaygateError);
    const e = err as PaygateError;
    return { code: e.code, message: e.message, problems: (e.details?.problems ?? []) as RuleProblem[] };
  }
  throw new Error('compileRules accepted it');
}

describe('compileRules: bad input is refused with RISK.INVALID_RULE, located', () => {
  it('an unknown field in the rule object (zod strict)', () => {
    const f = failure([rule('amount > 1', { actoin: 'block' })]);
    expect(f.code).toBe('RISK.INVALID_RULE');
    expect(f.message).toContain('rule "r1" (rules[0]).actoin: unknown field "actoin"');
  });

  it('a missing field, a bad action, mode or score', () => {
    const f = failure([{ name: 'a', action: 'block', mode: 'active' }, rule('true', { name: 'b', action: 'deny' }), rule('true', { name: 'c', mode: 'live' }), rule('true', { name: 'd', score: 100 })]);
    expect(f.problems.map((p) => [p.index, p.field])).toEqual([[0, 'when'], [1, 'action'], [2, 'mode'], [3, 'score']]);
    expect(f.problems[0]!.message).toContain('is required');
    expect(f.problems[1]!.message).toContain('send allow, review or block');
  });

  it('an expression that does not parse, with line and column', () => {
    const f = failure([rule('amount > 100 &&\n  (velocity.ip.count_1h > ')]);
    expect(f.code).toBe('RISK.INVALID_RULE');
    expect(f.problems[0]).toMatchObject({ field: 'when', line: 2 });
    expect(f.message).toMatch(/rule "r1" \(rules\[0\]\)\.when, line 2, column \d+: .*check the syntax/);
  });

  it('a junk attribute name, pointing at it and suggesting the right one', () => {
    const f = failure([rule('amount > 1 && velocity.customer.count_1hr > 3')]);
    expect(f.problems[0]).toMatchObject({ line: 1, column: 33, offset: 32 }); // at the unknown name
    expect(f.message).toContain('"velocity.customer.count_1hr" is not an attribute; did you mean "velocity.customer.count_1h"?');
    const g = failure([rule('ammount > 1')]);
    expect(g.problems[0]).toMatchObject({ line: 1, column: 1 });
    expect(g.message).toContain('did you mean "amount"');
    expect(failure([rule('colour == "red"')]).message).toContain('"colour" is not an attribute');
  });

  it('a non-boolean expression and a type error', () => {
    expect(failure([rule('amount + 1')]).message).toContain('is of type int, but a rule\'s condition must be true or false');
    const t = failure([rule('currency > 5')]);
    expect(t.code).toBe('RISK.INVALID_RULE');
    expect(t.problems[0]!.field).toBe('when');
  });

  it('duplicate names, and nothing is kept when one rule of many is bad', () => {
    const f = failure([rule('amount > 100'), rule('amount > 200'), rule('amount > 300', { name: 'ok' })]);
    expect(f.problems).toHaveLength(1);
    expect(f.message).toContain('already used by rules[0]');
    expect(() => compileRules([rule('amount > 100', { name: 'ok1' }), rule('nope > 1', { name: 'bad' })])).toThrow(PaygateError);
  });

  it('refuses a non-array and an over-long expression', () => {
    expect(failure({}).code).toBe('RISK.INVALID_RULE');
    expect(failure([rule(`amount > 1 ${'&& amount > 1 '.repeat(400)}`)]).message).toContain('longer than 4096');
  });
});

describe('compileRules: rule sets that would block or review everything', () => {
  it('refuses a constant-true condition with RISK.RULE_TOO_BROAD unless forced', () => {
    for (const when of ['true', '1 == 1', 'amount > 5 || true', '!(false)']) {
      expect(failure([rule(when)]).code, when).toBe('RISK.RULE_TOO_BROAD');
    }
    expect(failure([rule('true')]).message).toContain('always true');
    expect(compileRules([rule('true')], { force: true }).rules).toHaveLength(1);
  });

  it('refuses a rule that fires on every ordinary sample payment, accepts one just past them', () => {
    expect(failure([rule('amount >= 100', { action: 'review' })]).message).toContain('matches every one of the 8 ordinary sample payments');
    expect(compileRules([rule('amount > 100')]).rules).toHaveLength(1);
    expect(failure([rule('graph.hops_to_blocked > 2')]).code).toBe('RISK.RULE_TOO_BROAD');
    expect(compileRules([rule('graph.hops_to_blocked <= 2')]).rules).toHaveLength(1);
  });

  it('lets shadow and allow rules be broad: they block nothing', () => {
    expect(compileRules([rule('true', { mode: 'shadow' }), rule('amount >= 0', { name: 'r2', action: 'allow' })]).rules).toHaveLength(2);
  });

  it('checks library-evaluated rules on the samples too', () => {
    expect(failure([rule('string(amount).size() > 0')]).code).toBe('RISK.RULE_TOO_BROAD');
    const c = compileRules([rule('customer.email.matches("^buyer[0-9]+@evil")')]);
    expect(c.rules[0]!.engine).toBe('cel');
  });
});
