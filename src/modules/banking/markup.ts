import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { type Issue, ValidationErrors } from '../../domain/errors.ts';

/**
 * Markup trees of statement files (OFX 1.x SGML, OFX 2.x and camt.053 XML): nested records
 * of element name → text, record, or a list of them when an element repeats. Each record
 * knows the line it opened on, so problems inside it name that line.
 */
export type Node = string | Element | (string | Element)[];
export interface Element {
  [name: string]: Node;
}
export const LINE = '#line';

export const fileIssue = (format: string, line: number | undefined, msg: string, type: string): Issue => ({
  loc: [format, ...(line === undefined ? [] : [line])],
  msg: line === undefined ? msg : `Line ${line}: ${msg}`,
  type,
});
export const fileError = (format: string, line: number | undefined, msg: string, type: string) => new ValidationErrors([fileIssue(format, line, msg, type)]);

const PREDEFINED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** The five predefined entities and character references; nothing else is ever expanded. */
export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|[a-zA-Z]+);/g, (whole, name: string) => {
    if (name.startsWith('#')) {
      const code = name[1] === 'x' ? Number.parseInt(name.slice(2), 16) : Number.parseInt(name.slice(1), 10);
      return code > 0 && code <= 0x10ffff && code !== 0 ? String.fromCodePoint(code) : whole;
    }
    return PREDEFINED[name] ?? whole;
  });
}

const lineAt = (text: string, index: number) => {
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < index; i = text.indexOf('\n', i + 1)) line++;
  return line;
};

/**
 * XML with DTDs refused outright (no internal subset, so no entity can be declared:
 * billion laughs and external entities never reach a parser) and entity processing off.
 */
export function parseXml(format: string, text: string): Element {
  const doctype = /<!(DOCTYPE|ENTITY)/i.exec(text);
  if (doctype) throw fileError(format, lineAt(text, doctype.index), 'DTDs and entity declarations are not accepted in statement files.', 'file.dtd');
  const valid = XMLValidator.validate(text);
  if (valid !== true) throw fileError(format, valid.err.line, `Not well-formed XML: ${valid.err.msg}`, 'file.malformed');
  const parser = new XMLParser({ processEntities: false, htmlEntities: false, ignoreAttributes: false, attributeNamePrefix: '@', parseTagValue: false, parseAttributeValue: false, trimValues: true, ignoreDeclaration: true, ignorePiTags: true });
  return decodeTree(parser.parse(text) as Element);
}

function decodeTree(element: Element): Element {
  const decode = (node: Node): Node => (typeof node === 'string' ? decodeEntities(node) : Array.isArray(node) ? (node.map(decode) as (string | Element)[]) : decodeTree(node));
  for (const [key, value] of Object.entries(element)) element[key] = decode(value);
  return element;
}

const MAX_DEPTH = 32;
const TOKEN = /<(\/?)([A-Za-z0-9._]{1,64})>|([^<]+)|(<)/g;

interface Open {
  name: string;
  element: Element;
  line: number;
}

function attach(parent: Element, name: string, value: string | Element): void {
  const existing = parent[name];
  if (existing === undefined) parent[name] = value;
  else if (Array.isArray(existing)) existing.push(value);
  else parent[name] = [existing, value];
}

/**
 * OFX 1.x is SGML, not XML: leaf elements need no end tag (`<TRNAMT>-50.00`), aggregates
 * do. A small tolerant reader: an element followed by text is a leaf; an end tag closes the
 * nearest open aggregate of that name and any left open inside it. Anything else — a stray
 * `<`, an end tag for nothing open, an aggregate never closed, nesting past 32 — is refused
 * with its line.
 */
export function parseSgml(format: string, body: string, firstLine: number): Element {
  const root: Element = {};
  const stack: Open[] = [{ name: '', element: root, line: firstLine }];
  let line = firstLine;
  let pendingLeaf: { name: string; line: number } | undefined;
  for (const match of body.matchAll(TOKEN)) {
    const [token, slash, name, text, stray] = match;
    const here = line;
    line += (token.match(/\n/g) ?? []).length;
    const top = stack[stack.length - 1] as Open;
    if (stray) throw fileError(format, here, "A '<' that does not start a tag: broken SGML.", 'file.malformed');
    if (text !== undefined) {
      const value = text.trim();
      if (value === '') continue;
      if (!pendingLeaf) throw fileError(format, here, `Text '${value.slice(0, 40)}' outside of any element.`, 'file.malformed');
      attach(top.element, pendingLeaf.name, decodeEntities(value));
      pendingLeaf = undefined;
      continue;
    }
    const tag = (name as string).toUpperCase();
    if (pendingLeaf) {
      // The previous tag had no text: it opened an aggregate.
      if (stack.length > MAX_DEPTH) throw fileError(format, pendingLeaf.line, `Elements nested deeper than ${MAX_DEPTH}.`, 'file.malformed');
      stack.push({ name: pendingLeaf.name, element: { [LINE]: String(pendingLeaf.line) }, line: pendingLeaf.line });
      pendingLeaf = undefined;
    }
    if (!slash) {
      pendingLeaf = { name: tag, line: here };
      continue;
    }
    const at = stack.map((o) => o.name).lastIndexOf(tag);
    if (at <= 0) {
      // `</NAME>` right after the leaf <NAME>text: an optional end tag.
      const current = stack[stack.length - 1] as Open;
      if (current.element[tag] !== undefined) continue;
      throw fileError(format, here, `End tag </${tag}> closes an element that is not open.`, 'file.malformed');
    }
    while (stack.length > at) {
      const closed = stack.pop() as Open;
      attach((stack[stack.length - 1] as Open).element, closed.name, closed.element);
    }
  }
  if (pendingLeaf) throw fileError(format, pendingLeaf.line, `Element <${pendingLeaf.name}> has no content and is never closed.`, 'file.malformed');
  if (stack.length > 1) {
    const open = stack[stack.length - 1] as Open;
    throw fileError(format, open.line, `<${open.name}> is never closed.`, 'file.malformed');
  }
  return root;
}

/** Every element called `name` anywhere under `node`, in document order. */
export function findAll(node: Node | undefined, name: string, out: Element[] = []): Element[] {
  if (node === undefined || typeof node === 'string') return out;
  if (Array.isArray(node)) {
    for (const child of node) findAll(child, name, out);
    return out;
  }
  for (const [key, child] of Object.entries(node)) {
    if (key === name) for (const item of Array.isArray(child) ? child : [child]) if (typeof item !== 'string') out.push(item);
    if (key !== name) findAll(child, name, out);
  }
  return out;
}

/** The text of a child element (first if repeated); an element in its place is not text. */
export function textOf(element: Element | undefined, name: string): string | undefined {
  const value = element?.[name];
  const first = Array.isArray(value) ? value[0] : value;
  if (typeof first === 'string') return first;
  if (first && typeof first === 'object' && typeof first['#text'] === 'string') return first['#text'];
  return undefined;
}

export function lineOf(element: Element): number | undefined {
  const line = element[LINE];
  return typeof line === 'string' ? Number(line) : undefined;
}
