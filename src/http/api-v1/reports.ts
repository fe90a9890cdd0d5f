import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { trialBalance } from '../../modules/ledger/trial-balance.ts';
import { businessOf } from '../auth.ts';
import { Closed, DateString, errorResponses, Nullable } from '../schemas.ts';

const TrialBalanceResponse = Type.Object({
  as_of: Nullable(Type.String()),
  currencies: Type.Array(
    Type.Object({
      currency: Type.String(),
      accounts: Type.Array(
        Type.Object({ code: Type.String(), name: Type.String(), type: Type.String(), debit: Type.Integer(), credit: Type.Integer(), balance: Type.Integer() }),
      ),
      total_debit: Type.Integer(),
      total_credit: Type.Integer(),
      balanced: Type.Boolean(),
    }),
  ),
});

export function registerReportRoutes(app: FastifyInstance): void {
  app.get(
    '/reports/trial-balance',
    {
      config: { scope: 'reports.READ' },
      schema: {
        tags: ['reports'],
        summary: 'Trial balance',
        description: 'Debits and credits per account from the journal, one section per currency.',
        querystring: Closed({ as_of: Type.Optional(DateString) }),
        response: { 200: TrialBalanceResponse, ...errorResponses(401, 403, 422) },
      },
    },
    async (request) => trialBalance(request.server.deps.db, businessOf(request).businessId, (request.query as { as_of?: string }).as_of),
  );
}
