import PDFDocument from 'pdfkit';
import type { DocumentModel, Table } from './model.ts';
import { type Style, TextWriter } from './text.ts';

type Doc = InstanceType<typeof PDFDocument>;

const PAGE = { width: 595.28, height: 841.89, margin: 40 };
const CONTENT_WIDTH = PAGE.width - 2 * PAGE.margin;
/** Lowest y for content; the page footer sits below it. */
const BOTTOM = PAGE.height - PAGE.margin - 18;
const BODY: Style = { size: 9, weight: 400 };
const BOLD: Style = { size: 9, weight: 700 };
const CELL: Style = { size: 7.5, weight: 400 };
const CELL_BOLD: Style = { size: 7.5, weight: 700 };
const PAD = 3;
const GREY = '#59636e';
const INK = '#1f2328';
const RULE = '#c8ccd0';

class PdfLayout {
  readonly text: TextWriter;
  y = PAGE.margin;

  constructor(
    readonly doc: Doc,
    readonly model: DocumentModel,
  ) {
    this.text = new TextWriter(doc);
  }

  newPage(): void {
    this.doc.addPage();
    this.y = PAGE.margin;
  }

  /** Starts a new page when `height` does not fit below the cursor. */
  ensure(height: number): void {
    if (this.y + height > BOTTOM) this.newPage();
  }

  header(): void {
    const { doc, model, text } = this;
    const right = { x: PAGE.margin + CONTENT_WIDTH / 2, width: CONTENT_WIDTH / 2 };
    const left = PAGE.margin;
    if (model.logo) {
      doc.image(model.logo.data, PAGE.margin, PAGE.margin, { fit: [110, 50] });
      this.y = PAGE.margin + 56;
    }
    let y = this.y;
    y += text.write(model.seller.name, left, y, CONTENT_WIDTH / 2 - 10, { size: 14, weight: 700 });
    y += text.write(model.seller.lines.join('\n'), left, y, CONTENT_WIDTH / 2 - 10, BODY);
    let ry = PAGE.margin;
    ry += text.write(model.title, right.x, ry, right.width, { size: 16, weight: 700 }, 'right');
    if (model.copyLabel) {
      doc.fillColor(GREY);
      ry += text.write(model.copyLabel, right.x, ry, right.width, { size: 8, weight: 400 }, 'right');
      doc.fillColor(INK);
    }
    ry += 4;
    for (const [label, value] of model.facts) {
      text.write(label, right.x, ry, right.width / 2, BOLD, 'right');
      ry += text.write(value, right.x + right.width / 2 + 6, ry, right.width / 2 - 6, BODY);
    }
    ry += text.write(`Status: ${model.status}`, right.x, ry, right.width, BODY, 'right');
    this.y = Math.max(y, ry) + 10;
    this.rule();
  }

  parties(): void {
    const { text, model } = this;
    // The issuer heads the page; this is the other party.
    const party = model.buyer;
    const width = CONTENT_WIDTH / 2;
    this.y += text.write(party.heading, PAGE.margin, this.y, width, { size: 8, weight: 700 });
    this.y += text.write(party.name, PAGE.margin, this.y, width, { size: 10, weight: 700 });
    this.y += text.write(party.lines.join('\n'), PAGE.margin, this.y, width, BODY) + 10;
  }

  rule(color = RULE): void {
    this.doc.save().strokeColor(color).lineWidth(0.5).moveTo(PAGE.margin, this.y).lineTo(PAGE.margin + CONTENT_WIDTH, this.y).stroke().restore();
    this.y += 4;
  }

  /**
   * Column widths from their content: every right-aligned (amount) column gets at least its
   * widest line, so no amount ever wraps, and every column its widest word; the widest
   * left-aligned column (the item text) gives up what that costs.
   */
  private widths(table: Table): number[] {
    const total = table.columns.reduce((sum, c) => sum + c.width, 0);
    const shares = table.columns.map((c) => (c.width / total) * CONTENT_WIDTH);
    const cells = (i: number) => [table.columns[i]?.label ?? '', ...table.rows.map((r) => r[i] ?? ''), table.footer?.[i] ?? ''];
    const needed = table.columns.map((c, i) => {
      const measure = (text: string, style: Style) => (c.align === 'right' ? this.text.widestLine(text, style) : this.text.widestWord(text, style));
      return Math.max(...cells(i).map((text, j) => measure(text, j === 0 ? CELL_BOLD : CELL))) + 2 * PAD + 0.5;
    });
    const widths = shares.map((share, i) => Math.max(share, needed[i] ?? 0));
    const flexible = widths.reduce((best, w, i) => (table.columns[i]?.align === 'left' && w > (widths[best] ?? 0) ? i : best), 0);
    const excess = widths.reduce((sum, w) => sum + w, 0) - CONTENT_WIDTH;
    if (excess > 0) widths[flexible] = Math.max(needed[flexible] ?? 0, (widths[flexible] ?? 0) - excess);
    return widths;
  }

  private row(cells: string[], widths: number[], table: Table, style: Style, draw: boolean): number {
    let x = PAGE.margin;
    let height = 0;
    cells.forEach((cell, i) => {
      const width = (widths[i] ?? 0) - 2 * PAD;
      const align = table.columns[i]?.align ?? 'left';
      const used = draw ? this.text.write(cell, x + PAD, this.y + PAD, width, style, align) : this.text.height(cell, width, style);
      height = Math.max(height, used);
      x += widths[i] ?? 0;
    });
    return height + 2 * PAD;
  }

  private headerRow(table: Table, widths: number[]): void {
    const labels = table.columns.map((c) => c.label);
    const height = this.row(labels, widths, table, CELL_BOLD, false);
    this.doc.save().rect(PAGE.margin, this.y, CONTENT_WIDTH, height).fill('#eef1f4').restore();
    this.row(labels, widths, table, CELL_BOLD, true);
    this.y += height;
  }

  /** A table that flows over pages, its header row repeated at the top of each. */
  table(table: Table): void {
    const widths = this.widths(table);
    const first = table.rows[0];
    this.ensure(this.row(table.columns.map((c) => c.label), widths, table, CELL_BOLD, false) + (first ? this.row(first, widths, table, CELL, false) : 0));
    this.headerRow(table, widths);
    const rows: [string[], Style][] = [...table.rows.map((r): [string[], Style] => [r, CELL]), ...(table.footer ? [[table.footer, CELL_BOLD] as [string[], Style]] : [])];
    for (const [cells, style] of rows) {
      const height = this.row(cells, widths, table, style, false);
      if (this.y + height > BOTTOM) {
        this.newPage();
        this.headerRow(table, widths);
      }
      this.row(cells, widths, table, style, true);
      this.y += height;
      this.rule();
      this.y -= 4;
    }
    this.y += 8;
  }

  totals(): void {
    const { text, model } = this;
    const x = PAGE.margin + CONTENT_WIDTH * 0.55;
    const width = CONTENT_WIDTH * 0.45;
    this.ensure(model.totals.length * text.lineHeight(BOLD) + 8);
    for (const t of model.totals) {
      const style = t.strong ? { size: 10, weight: 700 as const } : BODY;
      text.write(t.label, x, this.y, width / 2, style);
      this.y += text.write(t.value, x + width / 2, this.y, width / 2, style, 'right');
    }
    this.y += 6;
  }

  paragraph(content: string, style: Style = BODY, label?: string): void {
    const body = label ? `${label}: ${content}` : content;
    const height = this.text.height(body, CONTENT_WIDTH, style);
    this.ensure(Math.min(height, 60));
    this.y += this.text.write(body, PAGE.margin, this.y, CONTENT_WIDTH, style) + 6;
  }

  signatory(signatory: string): void {
    const width = 200;
    const height = this.text.height(signatory, width, BODY);
    this.ensure(height + 10);
    this.text.write(signatory, PAGE.margin + CONTENT_WIDTH - width, this.y + 10, width, BOLD, 'right');
    this.y += height + 16;
  }

  /** Page numbers, the document number and the status mark, once every page exists. */
  decoratePages(): void {
    const { doc, model, text } = this;
    const range = doc.bufferedPageRange();
    for (let i = range.start; i < range.start + range.count; i++) {
      doc.switchToPage(i);
      // Footers sit in the bottom margin, where pdfkit would otherwise start a new page.
      doc.page.margins.bottom = 0;
      const footer = `${model.title} ${model.number} · Page ${i - range.start + 1} of ${range.count}`;
      text.write(footer, PAGE.margin, PAGE.height - PAGE.margin - 10, CONTENT_WIDTH, { size: 7.5, weight: 400 }, 'right');
      if (model.footer && i === range.start + range.count - 1) text.write(model.footer, PAGE.margin, PAGE.height - PAGE.margin - 10, CONTENT_WIDTH * 0.6, { size: 7.5, weight: 400 });
      if (model.mark) this.mark(model.mark);
    }
  }

  private mark(mark: string): void {
    const { doc } = this;
    doc.save();
    // Level, not slanted: text extraction then reads the mark as a word.
    doc.fillColor(mark === 'PAID' ? '#1a7f37' : '#cf222e').fillOpacity(0.12);
    this.text.write(mark, 0, PAGE.height / 2 - 50, PAGE.width, { size: 96, weight: 700 }, 'center');
    doc.restore();
  }
}

function collect(doc: Doc): Promise<Buffer> {
  const chunks: Buffer[] = [];
  return new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
}

/** The document as an A4 PDF with embedded, subsetted fonts for every script it contains. */
export function renderDocumentPdf(model: DocumentModel): Promise<Buffer> {
  const doc = new PDFDocument({
    size: 'A4',
    margin: PAGE.margin,
    bufferPages: true,
    // No default font: every run picks its own face, and loading Helvetica's metrics is wasted work.
    font: null as unknown as string,
    info: { Title: `${model.title} ${model.number}`, Author: model.seller.name },
    lang: model.locale,
  });
  const done = collect(doc);
  doc.fillColor(INK);
  const layout = new PdfLayout(doc, model);
  layout.header();
  layout.parties();
  layout.table(model.lines);
  layout.totals();
  layout.paragraph(model.amountInWords, BOLD);
  layout.paragraph(model.summaryTitle, BOLD);
  layout.table(model.summary);
  for (const note of model.notes) layout.paragraph(note.text, BODY, note.label);
  if (model.signatory) layout.signatory(model.signatory);
  layout.decoratePages();
  doc.end();
  return done;
}
