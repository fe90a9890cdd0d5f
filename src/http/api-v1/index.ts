import type { FastifyInstance } from 'fastify';
import { installErrorFormat } from '../errors.ts';
import { registerBankingRoutes } from './banking.ts';
import { registerBatchRoutes } from './batch.ts';
import { registerBusinessRoutes } from './businesses.ts';
import { registerCatalogRoutes } from './catalog.ts';
import { registerChargeRoutes } from './charges.ts';
import { registerDocumentRoutes } from './documents.ts';
import { registerOrderRoutes } from './orders.ts';
import { registerNoteRoutes } from './notes.ts';
import { registerFileRoutes } from './files.ts';
import { registerImportRoutes } from './imports.ts';
import { registerIntegrationRoutes } from './integrations.ts';
import { registerEventRoutes } from './events.ts';
import { registerRecurringRoutes } from './recurring.ts';
import { registerReportRoutes } from './reports.ts';
import { registerSendRoutes } from './sending.ts';
import { formatNative } from './format.ts';
import { registerWebhookRoutes } from './webhooks.ts';

/** The native API under /api/v1 (FastAPI-style conventions, DayZero seeds 001/002/004). */
export async function apiV1(app: FastifyInstance): Promise<void> {
  installErrorFormat(app, formatNative);
  registerBusinessRoutes(app);
  registerCatalogRoutes(app);
  // The static /invoices/batch before /invoices/:id…, so the router never reads "batch" as an id.
  registerBatchRoutes(app);
  registerDocumentRoutes(app);
  registerSendRoutes(app);
  registerChargeRoutes(app);
  registerNoteRoutes(app);
  registerRecurringRoutes(app);
  registerReportRoutes(app);
  registerOrderRoutes(app);
  await registerFileRoutes(app);
  registerImportRoutes(app);
  registerWebhookRoutes(app);
  registerEventRoutes(app);
  registerIntegrationRoutes(app);
  registerBankingRoutes(app);
}
