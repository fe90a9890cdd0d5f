import type PDFDocument from 'pdfkit';
import { type Face, loadFace, isRtl, runsOf, type Weight } from './fonts.ts';

type Doc = InstanceType<typeof PDFDocument>;

/** A piece of one line in one face, measured. */
export interface Fragment {
  face: Face;
  text: string;
  width: number;
}

interface Token {
  fragments: Fragment[];
  width: number;
  space: boolean;
  rtl: boolean;
}

export interface Style {
  size: number;
  weight: Weight;
}

/**
 * Text placement on top of pdfkit: wrapping, alignment and per-script font runs done here,
 * because pdfkit's own wrapper works with one font at a time. Lines are measured before they
 * are drawn, so tables know row heights and page breaks exactly.
 */
export class TextWriter {
  private readonly registered = new Set<string>();

  constructor(readonly doc: Doc) {}

  private use(face: Face, size: number): void {
    if (!this.registered.has(face.name)) {
      this.doc.registerFont(face.name, loadFace(face));
      this.registered.add(face.name);
    }
    this.doc.font(face.name).fontSize(size);
  }

  private measure(face: Face, text: string, size: number): number {
    this.use(face, size);
    return this.doc.widthOfString(text);
  }

  private token(text: string, style: Style): Token {
    const fragments = runsOf(text, style.weight).map((run) => ({ face: run.face, text: run.text, width: this.measure(run.face, run.text, style.size) }));
    return { fragments, width: fragments.reduce((sum, f) => sum + f.width, 0), space: /^\s+$/.test(text), rtl: isRtl(text) };
  }

  /** Words and spaces; CJK characters are words of their own, since those scripts break anywhere. */
  private tokens(paragraph: string, style: Style): Token[] {
    return (paragraph.match(/\s+|[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]|[^\s\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]+/gu) ?? []).map((t) =>
      this.token(t, style),
    );
  }

  /** A word wider than the column is cut between characters. */
  private split(token: Token, width: number, style: Style): Token[] {
    const pieces: Token[] = [];
    let text = '';
    for (const char of token.fragments.map((f) => f.text).join('')) {
      if (text && this.token(text + char, style).width > width) {
        pieces.push(this.token(text, style));
        text = '';
      }
      text += char;
    }
    if (text) pieces.push(this.token(text, style));
    return pieces;
  }

  private readonly laidOut = new Map<string, Token[][]>();

  /** Lines of tokens; tables measure a row before drawing it, so layouts are kept per document. */
  layout(text: string, width: number, style: Style): Token[][] {
    const key = `${width}|${style.size}|${style.weight}|${text}`;
    let lines = this.laidOut.get(key);
    if (!lines) {
      lines = this.wrap(text, width, style);
      this.laidOut.set(key, lines);
    }
    return lines;
  }

  /** Greedy: a line takes words while they fit. */
  private wrap(text: string, width: number, style: Style): Token[][] {
    const lines: Token[][] = [];
    for (const paragraph of text.split('\n')) {
      let line: Token[] = [];
      let used = 0;
      for (const whole of this.tokens(paragraph, style)) {
        for (const token of whole.width > width && !whole.space ? this.split(whole, width, style) : [whole]) {
          if (token.space && line.length === 0) continue;
          if (used + token.width > width && line.length > 0 && !token.space) {
            lines.push(line);
            line = [];
            used = 0;
          }
          line.push(token);
          used += token.width;
        }
      }
      lines.push(line);
    }
    return lines.map(trimEnd).map(visualOrder);
  }

  /** The width of the widest word of `text`: what a column needs so that nothing is cut mid-word. */
  widestWord(text: string, style: Style): number {
    return Math.max(0, ...text.split('\n').flatMap((p) => this.tokens(p, style).filter((t) => !t.space).map((t) => t.width)));
  }

  /** The width of the widest line of `text` kept whole (an amount, `@9%`). */
  widestLine(text: string, style: Style): number {
    return Math.max(0, ...text.split('\n').map((line) => this.tokens(line, style).reduce((sum, t) => sum + t.width, 0)));
  }

  lineHeight(style: Style): number {
    return style.size * 1.3;
  }

  height(text: string, width: number, style: Style): number {
    return this.layout(text, width, style).length * this.lineHeight(style);
  }

  /** Draws text in a box of `width` from (x, y); returns the height used. */
  write(text: string, x: number, y: number, width: number, style: Style, align: 'left' | 'right' | 'center' = 'left'): number {
    const lines = this.layout(text, width, style);
    const step = this.lineHeight(style);
    lines.forEach((line, i) => {
      const lineWidth = line.reduce((sum, t) => sum + t.width, 0);
      let at = align === 'left' ? x : align === 'right' ? x + width - lineWidth : x + (width - lineWidth) / 2;
      for (const fragment of merge(line)) {
        this.use(fragment.face, style.size);
        this.doc.text(fragment.text, at, y + i * step, { lineBreak: false });
        at += fragment.width;
      }
    });
    return lines.length * step;
  }
}

function trimEnd(line: Token[]): Token[] {
  let end = line.length;
  while (end > 0 && line[end - 1]?.space) end--;
  return line.slice(0, end);
}

/**
 * Right-to-left words (Arabic, Hebrew) are shaped by fontkit one word at a time; a run of
 * them is placed right to left here. That is the whole bidi support: digits or Latin words
 * inside an Arabic phrase keep left-to-right order around it.
 */
function visualOrder(line: Token[]): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < line.length) {
    const token = line[i] as Token;
    if (!token.rtl) {
      out.push(token);
      i++;
      continue;
    }
    let end = i + 1;
    while (end + 1 < line.length && line[end]?.space && line[end + 1]?.rtl) end += 2;
    out.push(...line.slice(i, end).reverse());
    i = end;
  }
  return out;
}

/** Neighbouring fragments in one face become one text operation: smaller PDF, cleaner extraction. */
// A right-to-left word stays an operation of its own: fontkit reverses the glyphs of each
// operation, so joining words would undo the order visualOrder gave them.
function merge(line: Token[]): Fragment[] {
  const merged: Fragment[] = [];
  let joinable = false;
  for (const token of line) {
    for (const fragment of token.fragments) {
      const last = merged[merged.length - 1];
      if (last && joinable && !token.rtl && last.face === fragment.face) {
        last.text += fragment.text;
        last.width += fragment.width;
      } else merged.push({ ...fragment });
      joinable = !token.rtl;
    }
  }
  return merged;
}
