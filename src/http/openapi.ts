/**
 * Builds the OpenAPI 3.1 document from the route definitions and their zod schemas: request
 * schemas from http/schemas.ts, answers from routes/objects.ts (one component each), webhook
 * payloads under `webhooks`, plus the routes not made with defineRoute (openapi-paths.ts).
 * Linted by @redocly/cli in openapi.test.ts.
 */
import { z } from 'zod';
import { ERROR_CATALOG } from '../domain/errors.js';
import type { OpenApiOp } from './define.js';
import { extraPaths } from './openapi-paths.js';
import { EVENT_TYPES } from './schemas.js';
import { responseRegistry, webhookPayloads } from './routes/objects.js';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const errorContent = { 'application/json': { schema: ref('Error') } };

function paramsOf(schema: z.ZodType | undefined, where: 'path' | 'query') {
  if (!schema) return [];
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as { properties?: Record<string, { description?: string }>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, s]) => ({
    name, in: where, required: where === 'path' || (json.required ?? []).includes(name), schema: s, ...(s.description ? { description: s.description } : {}),
  }));
}

/** postV1PaymentsIdCancel for POST /v1/payments/{id}/cancel: unique per method and path. */
function operationId(method: string, url: string): string {
  return method.toLowerCase() + url.split(/[/_{}]+/).filter(Boolean).map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
}

/** The schema of a success answer: a component reference when the route's schema is a named object. */
function answerSchema(schema: z.ZodType): unknown {
  const meta = responseRegistry.get(schema);
  if (meta) return ref(meta.id);
  const { $schema: _s, ...inline } = z.toJSONSchema(schema, { io: 'output', unrepresentable: 'any' });
  return inline;
}

function components(): Record<string, unknown> {
  const { schemas } = z.toJSONSchema(responseRegistry, { io: 'output', unrepresentable: 'any', uri: (id) => `#/components/schemas/${id}` });
  // Components are fragments of this document, not standalone JSON Schema documents.
  return Object.fromEntries(Object.entries(schemas).map(([id, s]) => {
    const { $schema: _s, $id: _i, ...rest } = s as Record<string, unknown>;
    return [id, rest];
  }));
}

function operation(op: OpenApiOp): Record<string, unknown> {
  const success = op.secretFields?.length
    ? `Success. ${op.secretFields.map((f) => `\`${f}\``).join(', ')} is in this answer only: a replay with the same Idempotency-Key answers null there, with ${op.secretFields.map((f) => `\`${f}_shown_once: true\``).join(', ')} (Paygate never stores it outside the vault)`
    : 'Success';
  const clientErrors: Record<string, unknown> = {};
  if (op.params || op.query || op.body) clientErrors['400'] = { description: 'Validation failed (VALIDATION.*): `errors` lists every problem', content: errorContent };
  if (op.auth !== 'none') clientErrors['401'] = { description: op.auth === 'merchant' ? 'AUTH.MISSING or AUTH.INVALID_KEY' : 'AUTH.INVALID_ADMIN_TOKEN', content: errorContent };
  if (op.params) clientErrors['404'] = { description: 'No such object (*.NOT_FOUND)', content: errorContent };
  if (op.body) clientErrors['415'] = { description: 'The body is not JSON (VALIDATION.UNSUPPORTED_MEDIA_TYPE)', content: errorContent };
  if (op.auth === 'merchant') clientErrors['429'] = { description: 'Rate limited (RATE_LIMIT.EXCEEDED) or node overloaded (RATE_LIMIT.OVERLOADED); see Retry-After', headers: { 'Retry-After': { schema: { type: 'integer' } } }, content: errorContent };
  const entry: Record<string, unknown> = {
    operationId: operationId(op.method, op.url),
    summary: op.summary,
    tags: [op.tag],
    security: op.auth === 'merchant' ? [{ secretKey: [] }] : op.auth === 'admin' ? [{ adminToken: [] }] : [],
    parameters: [
      ...paramsOf(op.params, 'path'),
      ...paramsOf(op.query, 'query'),
      ...(op.method === 'POST' && op.auth === 'merchant' ? [{ name: 'Idempotency-Key', in: 'header', required: false, description: 'Makes a retry of this POST answer the first answer instead of acting twice', schema: { type: 'string', maxLength: 255 } }] : []),
      ...(op.auth === 'merchant' ? [{ name: 'Paygate-Priority', in: 'header', required: false, description: 'Priority class for rate limiting and load shedding (default normal; high must be granted to the key)', schema: { type: 'string', enum: ['high', 'normal', 'low'] } }] : []),
    ],
    responses: {
      [String(op.success)]: { description: success, ...(op.response ? { content: { 'application/json': { schema: answerSchema(op.response) } } } : {}) },
      ...clientErrors,
      default: { description: 'Error', content: errorContent },
    },
  };
  if (op.body) entry.requestBody = { required: true, content: { 'application/json': { schema: z.toJSONSchema(op.body, { io: 'input', unrepresentable: 'any' }) } } };
  return entry;
}

function webhooks(): Record<string, unknown> {
  return Object.fromEntries(EVENT_TYPES.map((type) => [type, {
    post: {
      operationId: `webhook${type.split('.').map((w) => w[0]!.toUpperCase() + w.slice(1)).join('')}`,
      summary: `${type}: sent to every webhook endpoint subscribed to it (or to *)`,
      tags: ['Webhooks'], security: [],
      parameters: [
        { name: 'Paygate-Signature', in: 'header', required: true, description: 't=<unix seconds>,v1=<hex HMAC-SHA256(endpoint secret, "<t>.<raw body>")>: verify over the raw bytes, compare in constant time, reject a t far from now', schema: { type: 'string' } },
        { name: 'Paygate-Event-Id', in: 'header', required: true, description: 'The event id, the same on every retry: deduplicate on it', schema: { type: 'string' } },
      ],
      requestBody: { required: true, content: { 'application/json': { schema: ref(responseRegistry.get(webhookPayloads[type]!)!.id) } } },
      responses: {
        '200': { description: 'Any 2xx acknowledges the delivery' },
        default: { description: 'Anything else (or no answer in time) is retried on the back-off schedule until the delivery gives up' },
      },
    },
  }]));
}

export function buildOpenApi(ops: OpenApiOp[], version: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of ops) (paths[op.url] ??= {})[op.method.toLowerCase()] = operation(op);
  Object.assign(paths, extraPaths());
  return {
    openapi: '3.1.0',
    info: {
      title: 'Paygate API', version, license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
      description: 'One API over Alipay, WeChat Pay, UnionPay, PayPal and Stripe. Amounts are integers in minor units (8888 is 88.88 CNY). Answers may gain fields: ignore the ones you do not know.',
    },
    servers: [{ url: '/', description: 'This gateway (with PAYGATE_ADMIN_LISTEN the admin API listens on its own address)' }],
    components: {
      securitySchemes: {
        secretKey: { type: 'http', scheme: 'bearer', description: 'sk_test_... or sk_live_...' },
        adminToken: { type: 'http', scheme: 'bearer', description: 'PAYGATE_ADMIN_TOKEN' },
        metricsToken: { type: 'http', scheme: 'bearer', description: 'PAYGATE_METRICS_TOKEN (only when set)' },
      },
      schemas: {
        ...components(),
        Problem: {
          type: 'object', required: ['field', 'code', 'message'],
          properties: {
            field: { type: 'string', description: 'Dotted path of the input (empty for the whole body)' },
            code: { type: 'string', description: 'required, unknown_field, invalid_type, too_small, too_big, invalid_format, invalid_value, custom, …' },
            message: { type: 'string', description: 'What to send instead' },
          },
        },
        Error: {
          type: 'object', required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message', 'request_id'],
              properties: {
                code: { type: 'string', enum: Object.keys(ERROR_CATALOG) }, message: { type: 'string' }, request_id: { type: 'string' }, field: { type: 'string', description: 'The first failing input' },
                payment_id: { type: 'string', description: 'The payment a failed create made or resumed (repeat the create with the same merchant_order_id to go on with it)' },
                provider_code: { type: ['string', 'null'], description: "The provider's own code for the failure, when it gave one" },
                tried: { type: 'array', description: 'Provider accounts routing passed over or stopped at, and why', items: ref('RoutingEntry') },
                safe_to_repeat: { type: 'boolean', description: 'The provider gave no answer and may hold the order: repeat the same create (same merchant_order_id, amount, currency, method); it resumes the same attempt with the same provider-side key, never a second order' },
              },
            },
            errors: { type: 'array', description: 'Validation errors only: every problem of the request', items: ref('Problem') },
          },
        },
      },
    },
    paths,
    webhooks: webhooks(),
  };
}
