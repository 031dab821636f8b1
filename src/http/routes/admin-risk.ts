/**
 * Admin API for a merchant's risk configuration (docs/risk.md): its rules, saved as versions,
 * and its allow / review / block lists. Validation, storage and cache invalidation are the
 * use cases' (app/risk/config.ts); this file only maps HTTP onto them.
 */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../app/context.js';
import { addListEntries, deleteRiskListEntry, getRiskRules, listRiskListEntries, MAX_LIST_ENTRIES_PER_CALL, saveRiskRules } from '../../app/risk/config.js';
import { defineRoute } from '../define.js';
import { merchantIdParams } from '../schemas.js';
import { listEntriesQuery, listEntryParams, postListsBody, putRulesBody, riskListEntriesSaved, riskListEntryList, riskListEntryObject, riskRuleSetObject, rulesQuery } from './risk-objects.js';

// A full page of entries with long values and expiry is about 400 KiB, above the default body limit.
const LIST_IMPORT_BODY_LIMIT = 1024 * 1024;

export function adminRiskRoutes(app: FastifyInstance, ctx: AppContext): void {
  defineRoute(app, ctx, {
    method: 'PUT', url: '/admin/merchants/{id}/risk/rules', tag: 'Admin', auth: 'admin', params: merchantIdParams, body: putRulesBody, response: riskRuleSetObject,
    summary: 'Replace the merchant\'s risk rules: the whole set is checked first (400 RISK.INVALID_RULE with every problem and its line and column; 422 RISK.RULE_TOO_BROAD unless force) '
      + 'and saved as the next version, in force on every node at once. Nothing is saved when it is refused.',
  }, async ({ params, body }) => ({ body: await saveRiskRules(ctx, params.id, { rules: body.rules, force: body.force, created_by: body.created_by }) }));

  defineRoute(app, ctx, {
    method: 'GET', url: '/admin/merchants/{id}/risk/rules', tag: 'Admin', auth: 'admin', params: merchantIdParams, query: rulesQuery, response: riskRuleSetObject,
    summary: 'The merchant\'s risk rules in force (version 0 and no rules when none were saved), or an older version with ?version=N (404 RISK.RULE_VERSION_NOT_FOUND).',
  }, async ({ params, query }) => ({ body: await getRiskRules(ctx, params.id, query.version) }));

  defineRoute(app, ctx, {
    method: 'POST', url: '/admin/merchants/{id}/risk/lists', tag: 'Admin', auth: 'admin', params: merchantIdParams, body: postListsBody, response: riskListEntriesSaved, bodyLimit: LIST_IMPORT_BODY_LIMIT,
    summary: `Add entries to the merchant's risk lists: one entry or {entries} (up to ${MAX_LIST_ENTRIES_PER_CALL}, else 400 RISK.LIST_TOO_LARGE), all validated first `
      + '(400 RISK.INVALID_LIST_ENTRY) and saved in one transaction; an entry with the same list and value is updated, not duplicated.',
  }, async ({ params, body }) => ({ body: { object: 'list', data: await addListEntries(ctx, params.id, body), has_more: false } }));

  defineRoute(app, ctx, {
    method: 'GET', url: '/admin/merchants/{id}/risk/lists', tag: 'Admin', auth: 'admin', params: merchantIdParams, query: listEntriesQuery, response: riskListEntryList,
    summary: 'The merchant\'s risk list entries, newest first, paged, optionally of one list; expired entries are listed with expired: true.',
  }, async ({ params, query }) => {
    const page = await listRiskListEntries(ctx, params.id, query);
    return { body: { object: 'list', data: page.data, has_more: page.has_more } };
  });

  defineRoute(app, ctx, {
    method: 'DELETE', url: '/admin/merchants/{id}/risk/lists/{entry_id}', tag: 'Admin', auth: 'admin', params: listEntryParams, response: riskListEntryObject,
    summary: 'Remove an entry from the merchant\'s risk lists; answers it with deleted: true (404 RISK.LIST_ENTRY_NOT_FOUND when the merchant has no such entry).',
  }, async ({ params }) => ({ body: await deleteRiskListEntry(ctx, params.id, params.entry_id) }));
}
