/**
 * The CEL side of merchant rules: one environment that knows every attribute of the
 * schema and its type, so the library's parser and type checker refuse what a rule may
 * not say (a name that is not an attribute, a field of the wrong type, a non-boolean
 * result) before anything runs. Also the slow path of evaluation (see closures.ts) and
 * the conversion of attributes to what the library evaluates (CEL ints are BigInt).
 */
import { Environment, type ASTNode, type Context, type ParseResult } from '@marcbachmann/cel-js';
import { ATTRIBUTE_PATHS, ATTRIBUTE_SCHEMA, nestedSchema, readPath, type Attributes } from './attributes.js';

/** Big enough for any honest rule, small enough that one rule cannot make a decision slow. */
export const MAX_EXPRESSION_LENGTH = 4096;
const LIMITS = { maxAstNodes: 512, maxDepth: 32, maxListElements: 1000, maxMapEntries: 0, maxCallArguments: 4 };

function buildEnvironment(): Environment {
  const env = new Environment({ limits: LIMITS });
  for (const [name, shape] of Object.entries(nestedSchema())) {
    if (typeof shape === 'string') env.registerVariable(name, shape);
    else env.registerVariable({ name, schema: shape as Record<string, string> });
  }
  return env;
}

let shared: Environment | undefined;
export function celEnvironment(): Environment {
  return (shared ??= buildEnvironment());
}

/** A problem in one expression, at a 0-based offset [start, end) and 1-based line/column. */
export interface ExpressionProblem {
  start: number;
  end: number;
  line: number;
  column: number;
  message: string;
}

export function lineColumn(source: string, offset: number): { line: number; column: number } {
  const before = source.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}

/** Levenshtein distance, for "did you mean"; attribute names are short, so quadratic is fine. */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}

export function suggestAttribute(name: string): string | undefined {
  let best: string | undefined, bestD = Infinity;
  for (const p of ATTRIBUTE_PATHS) {
    const d = distance(name, p);
    if (d < bestD) [best, bestD] = [p, d];
  }
  return bestD <= Math.max(2, Math.floor(name.length / 4)) ? best : undefined;
}

/** The dotted text of a select chain starting at an identifier, extended to the name the checker stopped at. */
function pathText(source: string, start: number, end: number): string {
  let e = end;
  while (e < source.length && /[A-Za-z0-9_.]/.test(source[e]!)) e++;
  return source.slice(start, e).replace(/\s+/g, '');
}

type LibraryError = Error & { code?: string; range?: { start: number; end: number }; node?: { start: number; end: number } };

function problemOf(source: string, err: LibraryError, fallbackMessage: string): ExpressionProblem {
  const start = err.range?.start ?? err.node?.start ?? 0;
  const end = err.range?.end ?? err.node?.end ?? start;
  const summary = (err.message.split('\n')[0] ?? '').trim();
  let message: string;
  if (err.code === 'unknown_variable' || err.code === 'no_such_key') {
    const name = pathText(source, err.node?.start ?? start, end);
    const hint = suggestAttribute(name);
    message = `"${name}" is not an attribute; ${hint ? `did you mean "${hint}"? ` : ''}use one of the attributes of the risk schema (e.g. amount, currency, velocity.customer.count_1h, profile.amount_zscore)`;
  } else if (err.name === 'ParseError') {
    message = `${summary}; ${fallbackMessage}`;
  } else {
    message = `${summary}; check the types: ints (amount, counts) compare with ints, strings are in double quotes, bools are true/false`;
  }
  return { start, end, ...lineColumn(source, start), message };
}

export type CheckOutcome = { ok: true; parsed: ParseResult; ast: ASTNode } | { ok: false; problem: ExpressionProblem };

/** Parses and type-checks one rule expression; it must be a boolean over schema attributes. */
export function checkExpression(source: string): CheckOutcome {
  const at = (offset: number, message: string): CheckOutcome => ({ ok: false, problem: { start: offset, end: offset, ...lineColumn(source, offset), message } });
  if (source.length > MAX_EXPRESSION_LENGTH) return at(MAX_EXPRESSION_LENGTH, `the expression is longer than ${MAX_EXPRESSION_LENGTH} characters; split it into several rules`);
  if (source.trim() === '') return at(0, 'the expression is empty; write a condition such as `amount > 100000`');
  let parsed: ParseResult;
  try {
    parsed = celEnvironment().parse(source);
  } catch (err) {
    return { ok: false, problem: problemOf(source, err as LibraryError, 'check the syntax there: CEL uses && || ! == != < <= > >= in, strings in double quotes, lists in [ ]') };
  }
  const checked = parsed.check();
  if (!checked.valid) return { ok: false, problem: problemOf(source, (checked.error ?? new Error('type check failed')) as LibraryError, '') };
  if (checked.type !== 'bool') {
    return at(0, `the expression is of type ${checked.type}, but a rule's condition must be true or false; compare it, e.g. \`${source.trim()} > 0\``);
  }
  return { ok: true, parsed, ast: parsed.ast };
}

/** Attributes as the library evaluates them: schema paths only, ints as BigInt. */
export function celContext(attrs: Attributes): Context {
  const root: Record<string, unknown> = {};
  for (const p of ATTRIBUTE_PATHS) {
    // Groups always exist (an absent group is an empty one, as in the closures), so
    // has(profile.usual_hour) is false rather than an unknown variable.
    const parts = p.split('.');
    let node = root;
    for (const part of parts.slice(0, -1)) node = (node[part] ??= {}) as Record<string, unknown>;
    let v = readPath(attrs, p);
    if (v === undefined) continue;
    if (ATTRIBUTE_SCHEMA[p]!.type === 'int' && typeof v === 'number' && Number.isSafeInteger(v)) v = BigInt(v);
    node[parts[parts.length - 1]!] = v;
  }
  return root;
}
