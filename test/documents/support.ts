import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Tenant } from '../helpers/factories.ts';

const run = promisify(execFile);

/** Text of a PDF as poppler's pdftotext extracts it (what a reader's copy-paste gives). */
export async function pdfText(pdf: Buffer, layout = false): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'billow-pdf-'));
  const file = path.join(dir, 'doc.pdf');
  try {
    fs.writeFileSync(file, pdf);
    const { stdout } = await run('pdftotext', [...(layout ? ['-layout'] : []), '-enc', 'UTF-8', file, '-'], { maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Pages of extracted text (pdftotext separates pages with a form feed). */
export async function pdfPages(pdf: Buffer): Promise<string[]> {
  return (await pdfText(pdf)).split('\f').filter((page) => page.trim() !== '');
}

export async function getPdf(tenant: Tenant, invoiceId: string): Promise<Buffer> {
  const response = await tenant.get(`/api/v1/invoices/${invoiceId}/pdf`);
  if (response.statusCode !== 200) throw new Error(`pdf failed: ${response.statusCode} ${response.body}`);
  return response.rawPayload;
}

/** A registered Indian business with a full profile (rule 46 needs every field). */
export async function gstProfile(tenant: Tenant): Promise<void> {
  const response = await tenant.request('PATCH', `/api/v1/businesses/${tenant.id}`, {
    legal_name: 'Sharma Traders Private Limited',
    gstin: '27AAFCS1234E1Z9',
    address: { line1: '12 Marine Drive', line2: 'Nariman Point', city: 'Mumbai', postal_code: '400021', country: 'IN' },
    terms: 'Payment within 30 days.',
    footer: 'Thank you for your business.',
  });
  if (response.statusCode !== 200) throw new Error(`profile failed: ${response.statusCode} ${response.body}`);
}
