/**
 * Request and response schemas of the risk admin API (app/risk/config.ts shapes the answers).
 *
 * The rules and list entries are validated by domain/risk (compileRules,
 * validateListEntries), not by these schemas: those report every problem of a rule or entry
 * under one RISK.* code with its position (rule index, line and column of the expression,
 * entry index), which a merchant can branch on. So the request schemas here accept any JSON
 * in those places and only carry the shape for the OpenAPI document.
 */
import { z } from 'zod';
import { LIST_NAMES } from '../../domain/risk/index.js';
import { MAX_LIST_ENTRIES_PER_CALL } from '../../app/risk/config.js';
import { listQuery } from '../schemas.js';
import { list, named, time } from './objects.js';

const actions = ['allow', 'review', 'block'] as const;

const ruleShape = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/).meta({ description: 'Unique in the set: 1..64 letters, digits, _ . : -' }),
  when: z.string().meta({ description: 'A CEL condition over the payment\'s attributes (docs/risk.md), e.g. `amount > 100000 && payer_country != "CN"`', example: 'amount > 100000' }),
  action: z.enum(actions).meta({ description: 'What the rule decides when it fires' }),
  mode: z.enum(['active', 'shadow']).meta({ description: 'active decides; shadow is only recorded (try a rule on real traffic first)' }),
  score: z.number().int().min(0).max(99).optional().meta({ description: 'Adds to the payment\'s risk score when the rule fires' }),
});

const entryShape = z.strictObject({
  list: z.enum(LIST_NAMES).meta({ description: 'Which attribute the value is matched against: ip (address or CIDR, v4 or v6), device, customer, email, country (ISO 3166 alpha-2; the payer\'s or the IP\'s)' }),
  action: z.enum(actions).meta({ description: 'allow > block > review when several entries hit one payment' }),
  value: z.string().min(1).max(320).meta({ description: 'Normalised when stored: e-mails lower-cased, countries upper-cased, IPs and CIDRs in canonical form' }),
  expires_at: z.number().int().min(0).nullable().optional().meta({ description: 'Epoch milliseconds from which the entry no longer applies; absent or null: never' }),
});

function doc(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _s, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
  return rest;
}

export const putRulesBody = z.strictObject({
  rules: z.unknown().meta({ ...doc(z.array(ruleShape)), description: 'The whole rule set: it replaces the one in force as the next version. Checked as a whole (RISK.INVALID_RULE, 400, every problem with its rule, field, line and column); nothing is saved when any rule is bad' }),
  force: z.boolean().optional().meta({ description: 'Keep active block/review rules that would catch every payment (otherwise RISK.RULE_TOO_BROAD, 422)' }),
  created_by: z.string().min(1).max(128).optional().meta({ description: 'Who made this change (an operator, a ticket), kept with the version for audit' }),
}).meta({ required: ['rules'] });

export const rulesQuery = z.strictObject({
  version: z.coerce.number({ error: 'send a version number, e.g. version=3' }).int('send a whole version number, e.g. version=3').min(1, 'versions start at 1').optional()
    .meta({ description: 'An older version (kept for audit); absent: the one in force' }),
});

export const postListsBody = z.unknown().meta({
  oneOf: [doc(entryShape), doc(z.strictObject({ entries: z.array(entryShape).min(1).max(MAX_LIST_ENTRIES_PER_CALL) }))],
  description: `One entry, or {entries: [...]} with up to ${MAX_LIST_ENTRIES_PER_CALL} (more: RISK.LIST_TOO_LARGE; page the import). All are validated first (RISK.INVALID_LIST_ENTRY lists every bad one by index) and saved in one transaction, or none. An entry whose list and normalised value exist already is updated (action, expires_at), keeping its id.`,
});

export const listEntryParams = z.object({
  id: z.string().regex(/^mch_[0-9a-z]{26}$/, 'send a mch_ id (mch_ and 26 lower-case letters or digits), exactly as the API returned it'),
  entry_id: z.string().regex(/^rle_[0-9a-z]{26}$/, 'send a risk list entry id (rle_…) from GET /admin/merchants/{id}/risk/lists').meta({ description: 'The entry id (rle_…)' }),
});

export const riskRuleSetObject = named('RiskRuleSet', z.looseObject({
  object: z.literal('risk_rule_set'), merchant_id: z.string(),
  version: z.number().int().meta({ description: 'Starts at 1 and grows by one with every PUT; 0 when the merchant never saved rules. The highest is in force' }),
  rules: z.array(ruleShape.loose()),
  created_at: time.nullable().meta({ description: 'When this version was saved; null for version 0' }),
  created_by: z.string().nullable(),
}), 'One version of a merchant\'s risk rules');

export const riskListEntryObject = named('RiskListEntry', z.looseObject({
  id: z.string(), object: z.literal('risk_list_entry'), merchant_id: z.string(),
  list: z.enum(LIST_NAMES), action: z.enum(actions), value: z.string().meta({ description: 'As stored (normalised)' }),
  expires_at: z.number().int().nullable().meta({ description: 'Epoch milliseconds, as sent; null: never' }),
  expired: z.boolean().meta({ description: 'expires_at has passed: the entry no longer applies (it stays listed until deleted or sent again)' }),
  created_at: time, updated_at: time.meta({ description: 'The last time the entry was sent (action or expires_at may have changed)' }),
  deleted: z.literal(true).optional().meta({ description: 'In the answer of DELETE only' }),
}), 'An entry of one of a merchant\'s risk lists');

export const riskListEntryList = list('RiskListEntryList', riskListEntryObject);
export const riskListEntriesSaved = named('RiskListEntriesSaved', z.looseObject({
  object: z.literal('list'), data: z.array(riskListEntryObject).meta({ description: 'The saved entries, in the order sent' }), has_more: z.literal(false),
}), 'The entries a POST saved');

export const listEntriesQuery = listQuery.extend({ list: z.enum(LIST_NAMES).optional().meta({ description: 'Only entries of this list' }) });
