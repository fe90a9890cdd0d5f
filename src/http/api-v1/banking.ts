import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { BankStatementRow, BankTransactionStatus, StatementFormat } from '../../db/schema.ts';
import type { DateFormat } from '../../domain/bank-statement.ts';
import { parseDate } from '../../domain/dates.ts';
import { createBankAccount, getBankAccount, listBankAccounts, updateBankAccount, bankAccountView } from '../../modules/banking/accounts.ts';
import { importStatement, readSmallStatement, type StatementOutcome, startStatementImport } from '../../modules/banking/import-statement.ts';
import { type AllocationInput, ignoreTransaction, matchTransaction, unmatchTransaction } from '../../modules/banking/match.ts';
import type { ColumnMapping } from '../../modules/banking/parse-csv.ts';
import { sniffFormat } from '../../modules/banking/read-statement.ts';
import { reconcile } from '../../modules/banking/reconciliation.ts';
import { listStatements, type StatementRequest } from '../../modules/banking/statements.ts';
import { suggestMatches } from '../../modules/banking/suggestions.ts';
import { getTransaction, listTransactions } from '../../modules/banking/transactions.ts';
import { businessOf } from '../auth.ts';
import {
  BankAccount,
  BankAccountCreate,
  BankAccountUpdate,
  BankTransaction,
  MatchBody,
  ReconciliationQuery,
  ReconciliationResponse,
  Statement,
  StatementAccepted,
  StatementBody,
  StatementImported,
  Suggestion,
  TransactionListQuery,
} from '../banking-schemas.ts';
import { contextOf, respond } from '../respond.ts';
import { errorResponses, IdParams, ListQuery, PageOf } from '../schemas.ts';
import { formatNative } from './format.ts';
import { wantsAsync } from './imports.ts';

const scope = (action: 'CREATE' | 'READ' | 'UPDATE') => ({ scope: `banking.${action}` as const });
const idOf = (request: FastifyRequest) => (request.params as { id: string }).id;
const pageOf = (q: { limit: number; cursor?: string; include_total: boolean }) => ({ limit: q.limit, cursor: q.cursor, includeTotal: q.include_total });
const MAX_REPORTED = 100;

function registerAccounts(app: FastifyInstance): void {
  const tags = ['banking'];
  app.post(
    '/bank-accounts',
    { config: scope('CREATE'), schema: { tags, summary: 'Create a bank account', description: 'A bank account with its own ledger account under Cash and Bank, in its currency.', body: BankAccountCreate, response: { 201: BankAccount, ...errorResponses(400, 401, 403, 409, 422) } } },
    (request, reply) => respond(request, reply, { status: 201, format: formatNative, body: (view) => view }, (ctx) => createBankAccount(ctx, request.body as { name: string; currency: string; last4?: string })),
  );
  app.get(
    '/bank-accounts',
    { config: scope('READ'), schema: { tags, summary: 'List bank accounts', description: 'Bank accounts of the business, newest first.', querystring: ListQuery, response: { 200: PageOf(BankAccount), ...errorResponses(401, 403, 422) } } },
    (request) => listBankAccounts(request.server.deps.db, businessOf(request).businessId, pageOf(request.query as never)),
  );
  app.get(
    '/bank-accounts/:id',
    { config: scope('READ'), schema: { tags, summary: 'Get a bank account', description: 'One bank account.', params: IdParams, response: { 200: BankAccount, ...errorResponses(401, 403, 404) } } },
    async (request) => bankAccountView(await getBankAccount(request.server.deps.db, businessOf(request).businessId, idOf(request))),
  );
  app.patch(
    '/bank-accounts/:id',
    { config: scope('UPDATE'), schema: { tags, summary: 'Update a bank account', description: 'Name and last4; the currency is fixed.', params: IdParams, body: BankAccountUpdate, response: { 200: BankAccount, ...errorResponses(401, 403, 404, 422) } } },
    (request) => updateBankAccount(contextOf(request), idOf(request), request.body as { name?: string; last4?: string | null }),
  );
  app.get(
    '/bank-accounts/:id/reconciliation',
    {
      config: scope('READ'),
      schema: { tags, summary: 'Reconcile a bank account', description: 'Statement balance, ledger balance, their difference and the unmatched transactions behind it, as of a date.', params: IdParams, querystring: ReconciliationQuery, response: { 200: ReconciliationResponse, ...errorResponses(401, 403, 404, 422) } },
    },
    (request) => {
      const asOf = (request.query as { as_of?: string }).as_of;
      return reconcile(request.server.deps.db, businessOf(request).businessId, idOf(request), asOf === undefined ? undefined : parseDate(asOf, 'as_of'), request.server.deps.clock);
    },
  );
}

interface StatementBodyInput {
  s3_key: string;
  format?: StatementFormat;
  columns?: ColumnMapping;
  date_format?: DateFormat;
}

const importedBody = (outcome: StatementOutcome) => ({
  statement_id: outcome.statement.id,
  imported: outcome.imported,
  duplicates: outcome.duplicates,
  matched: outcome.matched,
  unmatched: outcome.unmatched,
  balance_mismatches: outcome.mismatches.slice(0, MAX_REPORTED).map((m) => ({ line: m.line, expected: Number(m.expected), actual: Number(m.actual) })),
});

/** Small statements within the request (201); larger ones in the background on the import machinery (202). */
async function postStatement(request: FastifyRequest, reply: FastifyReply) {
  const body = request.body as StatementBodyInput;
  const { config, store, db } = request.server.deps;
  const ctx = contextOf(request);
  const account = await getBankAccount(db, ctx.businessId, idOf(request));
  const format = body.format ?? (await sniffFormat(store, ctx.businessId, body.s3_key));
  const statement: StatementRequest = { s3Key: body.s3_key, format, columns: body.columns, dateFormat: body.date_format ?? 'YYYY-MM-DD' };
  const lines = wantsAsync(request) ? undefined : await readSmallStatement(ctx, store, account, statement, config.csvSyncMaxRows);
  if (lines) {
    return respond(request, reply, { status: 201, format: formatNative, body: importedBody }, (c) => importStatement(c, account, statement, lines, config.importChunkInvoices));
  }
  const accepted = (row: BankStatementRow) => ({ import_id: row.import_id, statement_id: row.id, status_url: `${config.publicUrl}/api/v1/imports/${row.import_id}` });
  return respond(request, reply, { status: 202, format: formatNative, body: accepted }, (c) => startStatementImport(c, store, account, statement));
}

function registerStatements(app: FastifyInstance): void {
  const tags = ['banking'];
  app.post(
    '/bank-accounts/:id/statements',
    {
      config: scope('CREATE'),
      schema: {
        tags,
        summary: 'Import a bank statement',
        description:
          'Imports a statement uploaded with POST /api/v1/files: CSV (own headers mapped with `columns`, `date_format`), OFX 1.x/2.x or camt.053 (docs/banking.md). Lines already imported are skipped; new ones are auto-matched to the invoices and bills they name. Up to CSV_SYNC_MAX_ROWS lines: 201 with the counts. Larger, or `Prefer: respond-async`: 202 with an import id (progress at GET /api/v1/imports/{id}).',
        params: IdParams,
        body: StatementBody,
        response: { 201: StatementImported, 202: StatementAccepted, ...errorResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    postStatement,
  );
  app.get(
    '/bank-accounts/:id/statements',
    { config: scope('READ'), schema: { tags, summary: 'List statements', description: "A bank account's imported statements with their counts, newest first.", params: IdParams, querystring: ListQuery, response: { 200: PageOf(Statement), ...errorResponses(401, 403, 404, 422) } } },
    async (request) => {
      const { businessId } = businessOf(request);
      const account = await getBankAccount(request.server.deps.db, businessId, idOf(request));
      return listStatements(request.server.deps.db, businessId, account.id, pageOf(request.query as never));
    },
  );
}

function registerTransactions(app: FastifyInstance): void {
  const tags = ['banking'];
  app.get(
    '/bank-transactions',
    { config: scope('READ'), schema: { tags, summary: 'List bank transactions', description: 'Imported statement lines, newest first, filtered by account, status and date range.', querystring: TransactionListQuery, response: { 200: PageOf(BankTransaction), ...errorResponses(401, 403, 422) } } },
    (request) => {
      const q = request.query as { bank_account_id?: string; status?: BankTransactionStatus; date_from?: string; date_to?: string; limit: number; cursor?: string; include_total: boolean };
      const filters = { bankAccountId: q.bank_account_id, status: q.status, dateFrom: q.date_from, dateTo: q.date_to };
      return listTransactions(request.server.deps.db, businessOf(request).businessId, filters, pageOf(q));
    },
  );
  app.get(
    '/bank-transactions/:id',
    { config: scope('READ'), schema: { tags, summary: 'Get a bank transaction', description: 'One statement line with the payments it made.', params: IdParams, response: { 200: BankTransaction, ...errorResponses(401, 403, 404) } } },
    (request) => getTransaction(request.server.deps.db, businessOf(request).businessId, idOf(request)),
  );
  app.get(
    '/bank-transactions/:id/suggestions',
    {
      config: scope('READ'),
      schema: { tags, summary: 'Suggest matches', description: 'Open invoices (money in) or bills (money out) that could be what an unmatched transaction paid, ranked by exact amount, number named, and party name.', params: IdParams, response: { 200: Type.Object({ items: Type.Array(Suggestion) }), ...errorResponses(401, 403, 404, 409) } },
    },
    async (request) => ({ items: await suggestMatches(request.server.deps.db, businessOf(request).businessId, idOf(request)) }),
  );
  const action = (path: string, summary: string, description: string, run: (request: FastifyRequest) => Parameters<typeof respond>[3], body?: typeof MatchBody) =>
    app.post(
      `/bank-transactions/:id/${path}`,
      { config: scope('UPDATE'), schema: { tags, summary, description, params: IdParams, ...(body ? { body } : {}), response: { 200: BankTransaction, ...errorResponses(400, 401, 403, 404, 409, ...(body ? [422] : [])) } } },
      (request, reply) => respond(request, reply, { status: 200, format: formatNative, body: (view) => view }, run(request)),
    );
  action('match', 'Match a transaction', 'Pays the given invoices (money in) or bills (money out), partially or in full; the amounts must add up to the transaction amount (else 422). Each balance is re-checked under lock.', (r) => (ctx) => matchTransaction(ctx, idOf(r), (r.body as { allocations: AllocationInput[] }).allocations), MatchBody);
  action('unmatch', 'Unmatch a transaction', "Reverses the transaction's payments and their journal entries; documents' balances and statuses are as before. An ignored transaction becomes unmatched.", (r) => (ctx) => unmatchTransaction(ctx, idOf(r)));
  action('ignore', 'Ignore a transaction', 'Marks an unmatched transaction as paying no invoice or bill (fees, own transfers).', (r) => (ctx) => ignoreTransaction(ctx, idOf(r)));
}

/** Bank accounts, statements, transactions and reconciliation under /api/v1 (SPEC §13). */
export function registerBankingRoutes(app: FastifyInstance): void {
  registerAccounts(app);
  registerStatements(app);
  registerTransactions(app);
}
