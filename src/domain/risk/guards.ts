/**
 * A rule's condition as the conjunction it is: `a && b && c` fires exactly when every
 * conjunct is true, and with CEL's commutative && (closures.ts) it is false, with no
 * error, as soon as ONE conjunct is false, whatever the others do. So each conjunct
 * becomes a guard: a subject (a sub-expression over the attributes) and a test on its
 * value. Many rules share a subject (`amount`, `velocity.ip.count_1h`, `payer_country !=
 * ip_country`), so a decision evaluates each subject once and plan.ts answers every guard
 * from that value; only a rule whose guards cannot all be answered (a subject that failed,
 * e.g. a missing optional attribute) is evaluated, so that its error is the real one.
 *
 * The tests repeat what closures.ts computes for the shapes they take: `S op c` with c a
 * number is `v op c` on the number S yields, `S == c` / `S != c` is `v === c` / `v !== c`,
 * `S in [..]` is Set membership; any other conjunct X is the guard "X is true".
 */
import type { ASTNode } from '@marcbachmann/cel-js';
import type { Attributes } from './attributes.js';
import { compilePart, type Node } from './closures.js';

export type OrdOp = '<' | '<=' | '>' | '>=' | '==' | '!=';

export type GuardTest =
  /** The subject is a number (not NaN) and `v op value`. */
  | { kind: 'ord'; op: OrdOp; value: number }
  /** `values` holds the subject's value (SameValueZero), or does not when `negate`. */
  | { kind: 'cat'; values: readonly unknown[]; negate: boolean }
  /** The subject is exactly true (false is false; anything else answers nothing). */
  | { kind: 'truth' };

export interface Guard {
  /** Identifies the subject: equal keys, equal expressions, equal values on any attributes. */
  key: string;
  subject: (a: Attributes) => unknown;
  test: GuardTest;
}

const ORD: Record<string, OrdOp> = { '<': '<', '<=': '<=', '>': '>', '>=': '>=', '==': '==', '!=': '!=' };
const FLIP: Record<OrdOp, OrdOp> = { '<': '>', '<=': '>=', '>': '<', '>=': '<=', '==': '==', '!=': '!=' };

/** The expression's structure without source positions; literal types kept apart (5 int, 5.0 double). */
export function astKey(n: unknown): string {
  if (typeof n === 'bigint') return `${n}n`;
  if (typeof n === 'number') return `${Object.is(n, -0) ? '-0' : String(n)}d`;
  if (typeof n === 'string') return JSON.stringify(n);
  if (n === null || typeof n !== 'object') return String(n);
  if (Array.isArray(n)) return `[${n.map(astKey).join(',')}]`;
  const node = n as { op?: unknown; args?: unknown };
  if (typeof node.op !== 'string') throw new Error('not an AST node');
  return `${node.op}(${astKey(node.args)})`;
}

function conjuncts(n: ASTNode, out: ASTNode[]): ASTNode[] {
  if (n.op === '&&') {
    conjuncts(n.args[0], out);
    conjuncts(n.args[1], out);
  } else out.push(n);
  return out;
}

const isNum = (p: Readonly<Node>) => p.type === 'int' || p.type === 'double';
const isScalar = (p: Readonly<Node>) => p.type === 'string' || p.type === 'bool' || isNum(p);

function comparison(op: OrdOp, s: ASTNode, sp: Readonly<Node>, c: Readonly<Node>): Guard | undefined {
  if (sp.constant || !c.constant) return undefined;
  const v = c.value;
  if (typeof v === 'number' && !Number.isNaN(v) && isNum(sp)) return { key: `o:${astKey(s)}`, subject: sp.fn, test: { kind: 'ord', op, value: v } };
  if ((op === '==' || op === '!=') && (typeof v === 'string' || typeof v === 'boolean') && isScalar(sp)) {
    return { key: `c:${astKey(s)}`, subject: sp.fn, test: { kind: 'cat', values: [v], negate: op === '!=' } };
  }
  return undefined;
}

function guardOf(n: ASTNode): Guard {
  const op = ORD[n.op];
  if (op !== undefined) {
    const [l, r] = n.args as [ASTNode, ASTNode];
    const lp = compilePart(l), rp = compilePart(r);
    const g = comparison(op, l, lp, rp) ?? comparison(FLIP[op], r, rp, lp);
    if (g) return g;
  }
  if (n.op === 'in') {
    const [l, r] = n.args;
    const lp = compilePart(l), rp = compilePart(r);
    if (!lp.constant && rp.set && lp.type !== 'list') return { key: `c:${astKey(l)}`, subject: lp.fn, test: { kind: 'cat', values: [...rp.set], negate: false } };
  }
  // Any other conjunct is its own subject; && compares it with false, so only an exact true or false answers it.
  return { key: `t:${astKey(n)}`, subject: compilePart(n).fn, test: { kind: 'truth' } };
}

/**
 * The guards of a condition that closures.ts compiled, one per top-level conjunct, in
 * source order; undefined when a part does not compile alone (then the rule is always
 * evaluated).
 */
export function guardsOf(ast: ASTNode): Guard[] | undefined {
  try {
    return conjuncts(ast, []).map(guardOf);
  } catch {
    return undefined;
  }
}
