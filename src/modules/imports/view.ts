import type { ImportRow } from '../../db/schema.ts';

export interface ImportView {
  id: string;
  status: ImportRow['status'];
  s3_key: string;
  finalize: boolean;
  skip_invalid: boolean;
  rows_processed: number;
  rows_total: number | null;
  invoices_succeeded: number;
  invoices_failed: number;
  error_count: number;
  percent: number;
  message: string | null;
  errors_url: string;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

/** Progress by rows once the total is known, by bytes read before that. */
function percentOf(row: ImportRow): number {
  if (row.status === 'succeeded') return 100;
  const fraction = row.rows_total ? row.checkpoint_rows / row.rows_total : row.bytes_total > 0 ? row.bytes_processed / row.bytes_total : 0;
  return Math.min(100, Math.floor(fraction * 1000) / 10);
}

export function importView(row: ImportRow, baseUrl: string): ImportView {
  return {
    id: row.id,
    status: row.status,
    s3_key: row.s3_key,
    finalize: row.finalize,
    skip_invalid: row.skip_invalid,
    rows_processed: row.checkpoint_rows,
    rows_total: row.rows_total,
    invoices_succeeded: row.invoices_succeeded,
    invoices_failed: row.invoices_failed,
    error_count: row.error_count,
    percent: percentOf(row),
    message: row.message,
    errors_url: `${baseUrl}/api/v1/imports/${row.id}/errors.csv`,
    created_at: row.created_at,
    started_at: row.started_at,
    finished_at: row.finished_at,
  };
}
