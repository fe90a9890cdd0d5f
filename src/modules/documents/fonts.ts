import fs from 'node:fs';
import * as fontkit from 'fontkit';
import { createRequire } from 'node:module';
import path from 'node:path';
import zlib from 'node:zlib';

/**
 * Fonts for every script a customer may type, from npm (@fontsource Noto families, OFL).
 * Each family ships as subsets split by Unicode range (Latin, Greek, Cyrillic, …, and ~100
 * slices of CJK); a face is one such file. Text is cut into runs, each drawn with the first
 * face in the chain that covers its characters, so the PDF embeds (subsetted) only the
 * slices a document uses and text extraction gives back the original characters.
 */
const CHAIN = ['noto-sans', 'noto-sans-devanagari', 'noto-sans-tamil', 'noto-sans-arabic', 'noto-sans-sc'];

export type Weight = 400 | 700;

export interface Face {
  /** Name the face is registered under in a PDF document. */
  name: string;
  file: string;
  /** Sorted [first, last] code point ranges. */
  ranges: [number, number][];
}

const require = createRequire(import.meta.url);

function parseRanges(css: string): [number, number][] {
  return css
    .split(',')
    .map((part) => part.trim().replace(/^U\+/i, ''))
    .map((part): [number, number] => {
      const [first, last] = part.split('-');
      return [Number.parseInt(first ?? '', 16), Number.parseInt(last ?? first ?? '', 16)];
    })
    .sort((a, b) => a[0] - b[0]);
}

/** The faces one @fontsource stylesheet declares, in its order. */
function facesOf(pkg: string, weight: Weight): Face[] {
  const cssFile = require.resolve(`@fontsource/${pkg}/${weight}.css`);
  const css = fs.readFileSync(cssFile, 'utf8');
  const faces: Face[] = [];
  for (const block of css.split('@font-face').slice(1)) {
    const file = /url\(\.\/files\/([^)]+\.woff)\)/.exec(block)?.[1];
    const ranges = /unicode-range:\s*([^;]+);/.exec(block)?.[1];
    if (!file || !ranges) continue;
    faces.push({ name: file.replace(/\.woff$/, ''), file: path.join(path.dirname(cssFile), 'files', file), ranges: parseRanges(ranges) });
  }
  return faces;
}

const chains = new Map<Weight, Face[]>();

export function fontChain(weight: Weight): Face[] {
  let chain = chains.get(weight);
  if (!chain) {
    chain = CHAIN.flatMap((pkg) => facesOf(pkg, weight));
    chains.set(weight, chain);
  }
  return chain;
}

function covers(face: Face, codePoint: number): boolean {
  for (const [first, last] of face.ranges) {
    if (codePoint < first) return false;
    if (codePoint <= last) return true;
  }
  return false;
}

/**
 * WOFF → plain sfnt (TrueType/OpenType): the same tables, inflated once. fontkit reads WOFF
 * too, but inflates a table again on every access, which made subsetting ~50× slower.
 */
export function woffToSfnt(woff: Buffer): Buffer {
  if (woff.readUInt32BE(0) !== 0x774f4646) throw new Error('not a WOFF file');
  const flavor = woff.readUInt32BE(4);
  const numTables = woff.readUInt16BE(12);
  const tables = Array.from({ length: numTables }, (_, i) => {
    const at = 44 + i * 20;
    const [offset, compLength, origLength] = [woff.readUInt32BE(at + 4), woff.readUInt32BE(at + 8), woff.readUInt32BE(at + 12)];
    const raw = woff.subarray(offset, offset + compLength);
    return { tag: woff.readUInt32BE(at), checksum: woff.readUInt32BE(at + 16), data: compLength < origLength ? zlib.inflateSync(raw) : raw };
  });
  const entrySelector = Math.floor(Math.log2(numTables));
  const header = Buffer.alloc(12 + 16 * numTables);
  header.writeUInt32BE(flavor, 0);
  header.writeUInt16BE(numTables, 4);
  header.writeUInt16BE(16 * 2 ** entrySelector, 6);
  header.writeUInt16BE(entrySelector, 8);
  header.writeUInt16BE(numTables * 16 - 16 * 2 ** entrySelector, 10);
  const chunks: Buffer[] = [header];
  let offset = header.length;
  tables.forEach((table, i) => {
    const record = 12 + 16 * i;
    header.writeUInt32BE(table.tag, record);
    header.writeUInt32BE(table.checksum, record + 4);
    header.writeUInt32BE(offset, record + 8);
    header.writeUInt32BE(table.data.length, record + 12);
    const padded = Buffer.alloc((table.data.length + 3) & ~3);
    table.data.copy(padded);
    chunks.push(padded);
    offset += padded.length;
  });
  return Buffer.concat(chunks);
}

const loaded = new Map<string, PDFKit.Mixins.PDFFontSource>();

/**
 * A face as a parsed fontkit font, loaded once per process and shared by every document
 * (pdfkit accepts a font object; each document still makes its own subset). Parsing the
 * layout tables per document cost more than the rest of a small invoice.
 */
export function loadFace(face: Face): PDFKit.Mixins.PDFFontSource {
  let font = loaded.get(face.file);
  if (!font) {
    font = withLayoutCache(fontkit.create(woffToSfnt(fs.readFileSync(face.file))) as FontkitFont) as unknown as PDFKit.Mixins.PDFFontSource;
    loaded.set(face.file, font);
  }
  return font;
}

interface Position {
  xAdvance: number;
  [key: string]: number;
}
interface GlyphRun {
  glyphs: unknown[];
  positions: Position[];
}
interface FontkitFont {
  layout(text: string, features?: unknown): GlyphRun;
}

const LAYOUT_CACHE_SIZE = 20_000;

/**
 * Shaping (fontkit's layout) is most of a document's cost, and invoices repeat their words.
 * Results are kept per font and process; pdfkit scales the positions it gets in place, so
 * each caller receives its own copy of them.
 */
function withLayoutCache(font: FontkitFont): FontkitFont {
  const cache = new Map<string, GlyphRun>();
  const layout = (text: string, features?: unknown): GlyphRun => {
    if (features !== undefined) return font.layout(text, features);
    let run = cache.get(text);
    if (!run) {
      if (cache.size >= LAYOUT_CACHE_SIZE) cache.clear();
      run = font.layout(text);
      cache.set(text, run);
    }
    const positions = run.positions.map((p) => ({ ...p }));
    return {
      glyphs: run.glyphs,
      positions,
      get advanceWidth() {
        return positions.reduce((sum, p) => sum + p.xAdvance, 0);
      },
    } as GlyphRun;
  };
  return new Proxy(font, { get: (target, prop) => (prop === 'layout' ? layout : Reflect.get(target, prop, target)) });
}

export interface Run {
  face: Face;
  text: string;
}

// Marks, joiners and selectors shape with the character before them: keep them in its run.
const ATTACHES = /^(?:\p{M}|\u200c|\u200d|[\ufe00-\ufe0f])$/u;

const firstFaces = new Map<Weight, Map<number, Face>>();

/** The first face of the chain that covers a code point (remembered: the chain has ~120 faces). */
function firstFace(weight: Weight, codePoint: number): Face {
  let byCodePoint = firstFaces.get(weight);
  if (!byCodePoint) {
    byCodePoint = new Map();
    firstFaces.set(weight, byCodePoint);
  }
  let face = byCodePoint.get(codePoint);
  if (!face) {
    const chain = fontChain(weight);
    face = chain.find((f) => covers(f, codePoint)) ?? (chain[0] as Face);
    byCodePoint.set(codePoint, face);
  }
  return face;
}

/** Cuts text into runs of one face each: the current face while it covers, else the first that does. */
export function runsOf(text: string, weight: Weight): Run[] {
  const runs: Run[] = [];
  let current: Run | undefined;
  for (const char of text) {
    const codePoint = char.codePointAt(0) as number;
    if (current && (covers(current.face, codePoint) || ATTACHES.test(char))) {
      current.text += char;
      continue;
    }
    const face = firstFace(weight, codePoint);
    if (current?.face === face) current.text += char;
    else {
      current = { face, text: char };
      runs.push(current);
    }
  }
  return runs;
}

const hex = (n: number) => n.toString(16).toUpperCase();

let css: string | undefined;

/**
 * @font-face rules for the same chain, for web pages: browsers fetch only the slices a page's
 * text needs (unicode-range), so a customer without CJK or Indic system fonts still reads it.
 */
export function webFontCss(urlOf: (face: Face) => string): string {
  css ??= ([400, 700] as const)
    .flatMap((weight) =>
      fontChain(weight).map((face) => {
        const ranges = face.ranges.map(([a, b]) => (a === b ? `U+${hex(a)}` : `U+${hex(a)}-${hex(b)}`)).join(',');
        return `@font-face{font-family:'Billow Noto';font-style:normal;font-weight:${weight};font-display:swap;src:url(${urlOf(face)}) format('woff2');unicode-range:${ranges}}`;
      }),
    )
    .join('\n');
  return css;
}

/** The WOFF2 file of a face by its name, for the page's fonts; undefined for any other name. */
export function webFontFile(name: string): string | undefined {
  const face = ([400, 700] as const).flatMap((weight) => fontChain(weight)).find((f) => f.name === name);
  return face ? face.file.replace(/\.woff$/, '.woff2') : undefined;
}

const RTL = /[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]/u;

export const isRtl = (text: string) => RTL.test(text);
