/**
 * The fast path of rule evaluation: a type-checked CEL AST turned into plain JS closures
 * over the attributes object. Measured (src/bench/risk-decisions.ts), the library's own
 * evaluator needs BigInt ints and a converted context per decision, too slow for 1,000
 * rules in a 2 ms budget; closures over numbers measured about 4× faster. Only a subset is
 * compiled (attributes, literals, comparisons, && || ! ?:, arithmetic, `in` a literal list,
 * has(), size(), startsWith/endsWith/contains); anything else raises Unsupported and the
 * rule runs on the library's evaluator instead, so both give the same answers
 * (closures.test.ts compares them on random inputs).
 *
 * CEL semantics kept: && and || absorb an error when the other side decides (false && err
 * is false, err || true is true); int division truncates and fails on zero; an int result
 * outside ±2^53 is an error (CEL would only fail at 2^63; no amount comes near either).
 */
import type { ASTNode } from '@marcbachmann/cel-js';
import { ATTRIBUTE_SCHEMA, type Attributes, type AttributeType } from './attributes.js';

/** An evaluation failure of one rule (missing attribute, division by zero, overflow). */
export class RuleEvalError extends Error {
  override readonly name = 'RuleEvalError';
}

export class Unsupported extends Error {
  override readonly name = 'Unsupported';
}

type Fn = (a: Attributes) => unknown;
type T = AttributeType | 'list';
interface Leaf { read: Fn; jsType: string; missing: RuleEvalError; wrong: RuleEvalError }
export interface Node { fn: Fn; type: T; constant: boolean; value?: unknown; set?: Set<unknown>; leaf?: Leaf }

const JS_TYPE: Record<AttributeType, string> = { int: 'number', double: 'number', string: 'string', bool: 'boolean' };

function constant(value: unknown, type: T): Node {
  return { fn: () => value, type, constant: true, value };
}

/** A getter per attribute; a missing one throws an error made once (throwing costs little without a new stack). */
function getter(path: string): Node {
  const spec = ATTRIBUTE_SCHEMA[path];
  if (!spec) throw new Unsupported(`not a leaf attribute: ${path}`);
  const leaf: Leaf = { read: reader(path), jsType: JS_TYPE[spec.type], missing: new RuleEvalError(`attribute ${path} is missing`), wrong: new RuleEvalError(`attribute ${path} is not of type ${spec.type}`) };
  const { read, jsType, missing, wrong } = leaf;
  const fn: Fn = (a) => {
    const v = read(a);
    if (typeof v === jsType) return v;
    throw v === undefined || v === null ? missing : wrong;
  };
  return { fn, type: spec.type, constant: false, leaf };
}

/** Reads a path without checks; one closure per depth so each stays a few property loads. */
function reader(path: string): Fn {
  const parts = path.split('.');
  type R = Record<string, Record<string, Record<string, unknown> | undefined> | undefined>;
  if (parts.length === 1) {
    const [k] = parts as [string];
    return (a) => (a as unknown as Record<string, unknown>)[k];
  }
  if (parts.length === 2) {
    const [k1, k2] = parts as [string, string];
    return (a) => (a as unknown as R)[k1]?.[k2];
  }
  const [k1, k2, k3] = parts as [string, string, string];
  return (a) => (a as unknown as R)[k1]?.[k2]?.[k3];
}

const FLIP: Record<string, string> = { '<': '>', '<=': '>=', '>': '<', '>=': '<=', '==': '==', '!=': '!=' };

/**
 * `attribute OP constant` as one closure instead of three (read, constant, compare): the
 * shape of most rule conditions, and where decisions spend their time.
 */
function fused(op: string, leaf: Leaf, c: unknown): Node | undefined {
  const { read, jsType, missing, wrong } = leaf;
  let fn: Fn;
  switch (op) {
    case '>': fn = (a) => { const v = read(a); if (typeof v !== jsType) throw v === undefined || v === null ? missing : wrong; return (v as number) > (c as number); }; break;
    case '>=': fn = (a) => { const v = read(a); if (typeof v !== jsType) throw v === undefined || v === null ? missing : wrong; return (v as number) >= (c as number); }; break;
    case '<': fn = (a) => { const v = read(a); if (typeof v !== jsType) throw v === undefined || v === null ? missing : wrong; return (v as number) < (c as number); }; break;
    case '<=': fn = (a) => { const v = read(a); if (typeof v !== jsType) throw v === undefined || v === null ? missing : wrong; return (v as number) <= (c as number); }; break;
    case '==': fn = (a) => { const v = read(a); if (typeof v !== jsType) throw v === undefined || v === null ? missing : wrong; return v === c; }; break;
    case '!=': fn = (a) => { const v = read(a); if (typeof v !== jsType) throw v === undefined || v === null ? missing : wrong; return v !== c; }; break;
    default: return undefined;
  }
  return { fn, type: 'bool', constant: false };
}

/** The dotted path of an `id` or select chain (velocity.customer.count_1m), or undefined. */
export function selectPath(n: ASTNode): string | undefined {
  if (n.op === 'id') return n.args;
  if (n.op === '.') {
    const base = selectPath(n.args[0]);
    return base === undefined ? undefined : `${base}.${n.args[1]}`;
  }
  return undefined;
}

/** Folds a node whose inputs are all constant; one that fails stays a closure and fails when run. */
function fold(fn: Fn, type: T, parts: Node[]): Node {
  if (parts.every((p) => p.constant)) {
    try {
      return constant(fn({} as Attributes), type);
    } catch {
      /* fall through: the error surfaces at evaluation, where it is reported */
    }
  }
  return { fn, type, constant: false };
}

const overflow = new RuleEvalError('int overflow');
const divZero = new RuleEvalError('division by zero');
function int(v: number): number {
  if (!Number.isSafeInteger(v)) throw overflow;
  return v;
}

/**
 * `&&` (false decides) and `||` (true decides), with CEL's commutative errors: an error on one
 * side loses to the deciding value on the other, so `a && b` is false when either is false.
 */
function logical(l: Node, r: Node, decides: boolean): Node {
  if ((l.constant && l.value === decides) || (r.constant && r.value === decides)) return constant(decides, 'bool');
  if (l.constant && l.value === !decides) return r;
  if (r.constant && r.value === !decides) return l;
  const a = l.fn, b = r.fn;
  return { type: 'bool', constant: false, fn: (x) => {
    let err: unknown;
    try {
      if (a(x) === decides) return decides;
    } catch (e) { err = e; }
    if (b(x) === decides) return decides;
    if (err !== undefined) throw err;
    return !decides;
  } };
}
const and = (l: Node, r: Node): Node => logical(l, r, false);
const or = (l: Node, r: Node): Node => logical(l, r, true);

function binary(op: string, l: Node, r: Node): Node {
  const a = l.fn, b = r.fn;
  const num = (l.type === 'int' || l.type === 'double') && (r.type === 'int' || r.type === 'double');
  const ints = l.type === 'int' && r.type === 'int';
  const nums = [l, r];
  const strOrNum = (n: Node) => n.type !== 'list' && n.type !== 'bool';
  if (l.leaf && r.constant && (op === '==' || op === '!=' || (num && strOrNum(r)))) {
    const f = fused(op, l.leaf, r.value);
    if (f) return f;
  }
  if (r.leaf && l.constant && (op === '==' || op === '!=' || (num && strOrNum(l)))) {
    const f = fused(FLIP[op] ?? '', r.leaf, l.value);
    if (f) return f;
  }
  if (num && r.constant && !l.constant) {
    // expression OP constant: no call for the constant.
    const c = r.value as number;
    switch (op) {
      case '>': return { fn: (x) => (a(x) as number) > c, type: 'bool', constant: false };
      case '>=': return { fn: (x) => (a(x) as number) >= c, type: 'bool', constant: false };
      case '<': return { fn: (x) => (a(x) as number) < c, type: 'bool', constant: false };
      case '<=': return { fn: (x) => (a(x) as number) <= c, type: 'bool', constant: false };
      case '==': return { fn: (x) => a(x) === c, type: 'bool', constant: false };
      case '!=': return { fn: (x) => a(x) !== c, type: 'bool', constant: false };
    }
  }
  switch (op) {
    case '==': if (l.type === 'list' || r.type === 'list') break; return fold((x) => a(x) === b(x), 'bool', nums);
    case '!=': if (l.type === 'list' || r.type === 'list') break; return fold((x) => a(x) !== b(x), 'bool', nums);
    // String ordering is left to the library: CEL orders by code point, JS by UTF-16 unit.
    case '<': if (num) return fold((x) => (a(x) as number) < (b(x) as number), 'bool', nums); break;
    case '<=': if (num) return fold((x) => (a(x) as number) <= (b(x) as number), 'bool', nums); break;
    case '>': if (num) return fold((x) => (a(x) as number) > (b(x) as number), 'bool', nums); break;
    case '>=': if (num) return fold((x) => (a(x) as number) >= (b(x) as number), 'bool', nums); break;
    case '+':
      if (ints) return fold((x) => int((a(x) as number) + (b(x) as number)), 'int', nums);
      if (l.type === 'double' && r.type === 'double') return fold((x) => (a(x) as number) + (b(x) as number), 'double', nums);
      if (l.type === 'string' && r.type === 'string') return fold((x) => (a(x) as string) + (b(x) as string), 'string', nums);
      break;
    case '-':
      if (ints) return fold((x) => int((a(x) as number) - (b(x) as number)), 'int', nums);
      if (l.type === 'double' && r.type === 'double') return fold((x) => (a(x) as number) - (b(x) as number), 'double', nums);
      break;
    case '*':
      if (ints) return fold((x) => int((a(x) as number) * (b(x) as number)), 'int', nums);
      if (l.type === 'double' && r.type === 'double') return fold((x) => (a(x) as number) * (b(x) as number), 'double', nums);
      break;
    case '/':
      if (ints) return fold((x) => { const d = b(x) as number; if (d === 0) throw divZero; return int(Math.trunc((a(x) as number) / d)); }, 'int', nums);
      if (l.type === 'double' && r.type === 'double') return fold((x) => (a(x) as number) / (b(x) as number), 'double', nums);
      break;
    case '%':
      if (ints) return fold((x) => { const d = b(x) as number; if (d === 0) throw divZero; return int((a(x) as number) % d); }, 'int', nums);
      break;
    case 'in':
      if (r.set) { const set = r.set; return fold((x) => set.has(a(x)), 'bool', [l]); }
      break;
  }
  throw new Unsupported(`operator ${op} on ${l.type}, ${r.type}`);
}

function stringMethod(name: string, target: Node, args: Node[]): Node {
  const t = target.fn;
  if (name === 'size' && args.length === 0 && target.type === 'string') return fold((x) => [...(t(x) as string)].length, 'int', [target]);
  const [arg] = args;
  if (args.length !== 1 || target.type !== 'string' || arg?.type !== 'string') throw new Unsupported(`method ${name}`);
  const s = arg.fn;
  if (name === 'startsWith') return fold((x) => (t(x) as string).startsWith(s(x) as string), 'bool', [target, arg]);
  if (name === 'endsWith') return fold((x) => (t(x) as string).endsWith(s(x) as string), 'bool', [target, arg]);
  if (name === 'contains') return fold((x) => (t(x) as string).includes(s(x) as string), 'bool', [target, arg]);
  throw new Unsupported(`method ${name}`);
}

function build(n: ASTNode): Node {
  switch (n.op) {
    case 'value': {
      const v = n.args;
      if (typeof v === 'bigint') {
        if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER)) throw new Unsupported('int literal beyond 2^53');
        return constant(Number(v), 'int');
      }
      if (typeof v === 'number') return constant(v, 'double');
      if (typeof v === 'string') return constant(v, 'string');
      if (typeof v === 'boolean') return constant(v, 'bool');
      throw new Unsupported('literal');
    }
    case 'id':
    case '.': {
      const p = selectPath(n);
      if (p === undefined) throw new Unsupported('select on an expression');
      return getter(p);
    }
    case '&&': return and(build(n.args[0]), build(n.args[1]));
    case '||': return or(build(n.args[0]), build(n.args[1]));
    case '!_': { const e = build(n.args); const f = e.fn; return fold((x) => !(f(x) as boolean), 'bool', [e]); }
    case '-_': {
      const e = build(n.args); const f = e.fn;
      if (e.type === 'int') return fold((x) => int(-(f(x) as number)), 'int', [e]);
      if (e.type === 'double') return fold((x) => -(f(x) as number), 'double', [e]);
      throw new Unsupported('negation');
    }
    case '?:': {
      const [c, y, z] = n.args.map(build) as [Node, Node, Node];
      if (c.constant) return c.value === true ? y : z;
      const cf = c.fn, yf = y.fn, zf = z.fn;
      return { fn: (x) => (cf(x) === true ? yf(x) : zf(x)), type: y.type, constant: false };
    }
    case 'list': {
      const items = n.args.map(build);
      if (!items.every((i) => i.constant)) throw new Unsupported('list of non-constants');
      return { ...constant(items.map((i) => i.value), 'list'), set: new Set(items.map((i) => i.value)) };
    }
    case 'call': {
      const [name, args] = n.args;
      if (name === 'has' && args.length === 1) {
        const p = selectPath(args[0]!);
        if (p === undefined || !ATTRIBUTE_SCHEMA[p]) throw new Unsupported('has() of a group');
        const g = getter(p).fn;
        return { type: 'bool', constant: false, fn: (x) => { try { g(x); return true; } catch { return false; } } };
      }
      if (name === 'size' && args.length === 1) return stringMethod('size', build(args[0]!), []);
      throw new Unsupported(`function ${name}`);
    }
    case 'rcall': {
      const [name, target, args] = n.args;
      return stringMethod(name, build(target), args.map(build));
    }
    default:
      if (n.op in { '==': 1, '!=': 1, '<': 1, '<=': 1, '>': 1, '>=': 1, '+': 1, '-': 1, '*': 1, '/': 1, '%': 1, in: 1 }) {
        const [l, r] = n.args as [ASTNode, ASTNode];
        return binary(n.op, build(l), build(r));
      }
      throw new Unsupported(`node ${n.op}`);
  }
}

export interface Closure {
  evaluate: (a: Attributes) => boolean;
  /** The value when the expression does not depend on the attributes at all. */
  constant: boolean | undefined;
}

/** One sub-expression alone, as build() makes it inside a rule: guards.ts shares a subject across rules. */
export function compilePart(ast: ASTNode): Readonly<Node> {
  return build(ast);
}

/** Compiles a type-checked boolean AST; throws Unsupported when it uses more than the subset. */
export function compileClosure(ast: ASTNode): Closure {
  const node = build(ast);
  if (node.type !== 'bool') throw new Unsupported('not a boolean');
  // A bool node yields true or false (leaves check their type), so its closure is the evaluator.
  return { evaluate: node.fn as (a: Attributes) => boolean, constant: node.constant ? node.value === true : undefined };
}
