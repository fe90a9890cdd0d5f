/**
 * `npm run bench -- pdf [options]` — invoice PDF rendering: p50/p99 render time and size for
 * 10- and 500-line invoices, Latin and mixed-script, from the document model to bytes. The
 * baseline is plain pdfkit drawing the same cells with its built-in Helvetica (no embedded
 * fonts, no per-script runs: what the old renderer did, garbling non-Latin text), measured in
 * the same run. Then GET /api/v1/invoices/{id}/pdf through the real server on PGlite.
 *
 * Options:
 *   --iterations N   renders per 10-line configuration (default 60; 500-line ones get N/6)
 *   --http N         sequential HTTP requests for the end-to-end phase (default 40; 0 skips it)
 *   --wait-idle N    wait up to N s for the machine to be < 20% busy first (default 30)
 *
 * stdout: one JSON object per configuration, then one for the HTTP phase.
 */
import { performance } from 'node:perf_hooks';
import PDFDocument from 'pdfkit';
import type { Business } from '../src/db/schema.ts';
import { buildDocumentModel, type DocumentModel } from '../src/modules/documents/model.ts';
import { renderDocumentPdf } from '../src/modules/documents/pdf.ts';
import type { DocumentView } from '../src/modules/invoicing/view.ts';
import { startServer } from '../src/server.ts';
import { numberOption, parseArgs } from './lib/args.ts';
import { HttpClient } from './lib/http.ts';
import { median, percentile, round, waitForIdle } from './lib/stats.ts';
import { ADMIN_TOKEN, benchServerConfig, pgliteTarget } from './lib/targets.ts';

const log = (message: string) => process.stderr.write(`[bench pdf] ${message}\n`);

const LATIN = ['Widget, anodised aluminium', 'Installation service', 'Annual support contract', 'Cable set 2 m'];
const MIXED = ['株式会社テスト 部品', 'Ελληνικό προϊόν', 'Überweisung – 测试', 'मुख्य सेवा शुल्क', 'தமிழ் சேவை', 'خدمة الصيانة', 'Москва поставка'];

function line(i: number, names: string[]) {
  return {
    id: String(i), item_id: null, name: names[i % names.length] as string, description: i % 3 === 0 ? 'Delivered to site' : null, hsn_code: '8471',
    quantity: 2, unit_price: 123_456, discount_percent: null, discount_amount: null, tax_rate: 18, amount: 246_912, discount: 0,
    taxable_amount: 246_912, cgst: 22_222, sgst: 22_222, igst: 0, tax: 0, tax_total: 44_444, total: 291_356,
  };
}

/** A finalized intra-state GST invoice of `lines` lines, as the API would return it. */
function fixtureModel(lines: number, names: string[]): DocumentModel {
  const view = {
    id: 'inv', object: 'invoice', business_id: 'b', status: 'open', number: 'BN-00001', customer_id: 'c', customer_name: names === MIXED ? '株式会社テスト — Ελλάδα' : 'Acme Industries Pvt Ltd',
    customer_email: 'ap@acme.example', currency: 'INR', date: '2026-11-28', due_date: '2026-12-28', place_of_supply: 'IN-MH', tax_regime: 'intra', description: null, reference: null,
    line_items: Array.from({ length: lines }, (_, i) => line(i, names)), subtotal: 246_912 * lines, discount_total: 0, cgst: 22_222 * lines, sgst: 22_222 * lines, igst: 0, tax: 0,
    tax_total: 44_444 * lines, total: 291_356 * lines, total_paid: 0, balance_due: 291_356 * lines,
  } as unknown as DocumentView;
  const business = {
    id: 'b', name: 'Bench Traders', legal_name: 'Bench Traders Pvt Ltd', country: 'IN', state: 'IN-MH', currency: 'INR', gstin: '27AAPFU0939F1ZV', tax_id: null, locale: null,
    address: { line1: '12 Marine Drive', city: 'Mumbai', postal_code: '400021' }, terms: 'Payment within 30 days.', footer: null,
  } as unknown as Business;
  const party = { name: view.customer_name as string, email: 'ap@acme.example', address: { line1: '4 Residency Road', city: 'Pune' }, state: 'IN-MH', gstin: '27AAACA1234A1Z5' };
  return buildDocumentModel({ view, business, party, logo: null });
}

/** Baseline: the same cells with pdfkit's built-in font and its own text wrapping. */
function baselinePdf(model: DocumentModel): Promise<Buffer> {
  const doc = new PDFDocument({ size: 'A4', margin: 40 });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve) => {
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
  });
  doc.font('Helvetica').fontSize(7.5);
  for (const row of model.lines.rows) {
    if (doc.y > 760) doc.addPage();
    const y = doc.y;
    row.forEach((cell, i) => doc.text(cell.replace(/[^\x20-\xff\n]/g, '?'), 40 + i * 57, y, { width: 55, lineBreak: true }));
    doc.y = y + 22;
  }
  doc.end();
  return done;
}

/** Wall time and this process's CPU time per render: on a shared machine the CPU time is the steadier figure. */
async function measure(render: () => Promise<Buffer>, iterations: number): Promise<{ p50: number; p99: number; cpuP50: number; bytes: number }> {
  for (let i = 0; i < 3; i++) await render();
  const times: number[] = [];
  const cpu: number[] = [];
  let bytes = 0;
  for (let i = 0; i < iterations; i++) {
    const start = performance.now();
    const cpuStart = process.cpuUsage();
    bytes = (await render()).length;
    const used = process.cpuUsage(cpuStart);
    times.push(performance.now() - start);
    cpu.push((used.user + used.system) / 1000);
  }
  return { p50: round(median(times), 2), p99: round(percentile(times, 99), 2), cpuP50: round(median(cpu), 2), bytes };
}

async function httpPhase(requests: number): Promise<object> {
  const target = await pgliteTarget();
  const server = await startServer({ ...benchServerConfig(target), workers: false });
  try {
    const client = new HttpClient(server.url, 1);
    const created = await client.json('POST', '/api/v1/businesses', { name: 'Bench PDF', country: 'IN', state: 'IN-MH', currency: 'INR', gstin: '27AAPFU0939F1ZV' }, { authorization: `Bearer ${ADMIN_TOKEN}` }, 201);
    const auth = { authorization: `Bearer ${created.token as string}` };
    await client.json('POST', '/api/v1/customers', { id: 'ct_b', name: 'Acme', state: 'IN-MH' }, auth, 201);
    const lines = Array.from({ length: 10 }, (_, i) => ({ name: LATIN[i % LATIN.length], quantity: 2, unit_price: 123_456, tax_rate: 18, hsn_code: '8471' }));
    const invoice = await client.json('POST', '/api/v1/invoices', { customer_id: 'ct_b', place_of_supply: 'IN-MH', auto_approve: true, line_items: lines }, auth, 201);
    const path = `/api/v1/invoices/${invoice.id as string}/pdf`;
    const timed = async () => {
      const start = performance.now();
      const response = await client.request('GET', path, undefined, auth);
      if (response.status !== 200) throw new Error(`GET ${path}: ${response.status}`);
      return performance.now() - start;
    };
    for (let i = 0; i < 3; i++) await timed();
    const times: number[] = [];
    for (let i = 0; i < requests; i++) times.push(await timed());
    return { phase: 'http', database: 'pglite', lines: 10, script: 'latin', requests, p50_ms: round(median(times), 2), p99_ms: round(percentile(times, 99), 2) };
  } finally {
    await server.stop();
    await target.cleanup();
  }
}

export async function main(argv: string[]): Promise<void> {
  const args = parseArgs(argv);
  const iterations = Math.floor(numberOption(args, 'iterations', 60, 1));
  const requests = Math.floor(numberOption(args, 'http', 40, 0));
  const busy = await waitForIdle(numberOption(args, 'wait-idle', 30, 0));
  if (busy !== null) log(`machine busy ${busy}% before measuring`);
  for (const lines of [10, 500]) {
    for (const [script, names] of [['latin', LATIN], ['mixed', MIXED]] as const) {
      const model = fixtureModel(lines, names);
      const n = lines === 10 ? iterations : Math.max(3, Math.floor(iterations / 6));
      log(`${lines} lines, ${script}: ${n} renders`);
      const ours = await measure(() => renderDocumentPdf(model), n);
      const base = await measure(() => baselinePdf(model), n);
      const result = {
        phase: 'render', lines, script, iterations: n, p50_ms: ours.p50, p99_ms: ours.p99, cpu_p50_ms: ours.cpuP50, bytes: ours.bytes,
        baseline_p50_ms: base.p50, baseline_cpu_p50_ms: base.cpuP50, baseline_bytes: base.bytes, ratio_cpu_p50: round(ours.cpuP50 / base.cpuP50, 2),
      };
      process.stdout.write(`${JSON.stringify(result)}\n`);
    }
  }
  if (requests > 0) process.stdout.write(`${JSON.stringify(await httpPhase(requests))}\n`);
}
