/** The pure core of risk control: attributes, rules, lists, profiles and the decision. */
export * from './attributes.js';
export { checkExpression, MAX_EXPRESSION_LENGTH, type ExpressionProblem } from './cel-env.js';
export { RuleEvalError } from './closures.js';
export * from './decide.js';
export * from './lists.js';
export * from './profile.js';
export * from './rules.js';
export { SAMPLE_PAYMENTS } from './samples.js';
