/**
 * Reads the README's tour: every ```sh block between "## Tour" and the next "## " heading, cut
 * into numbered steps (`# 12. …`). A step's expected output is the comment lines after its first
 * command, except commentary: lines in parentheses, or indented by four spaces or more.
 */

export interface TourStep {
  number: number;
  title: string;
  /** Everything the step runs (and its comment lines), verbatim. */
  script: string;
  expected: string[];
}

export interface Tour {
  /** Lines before step 1 (variables such as B and TOKEN). */
  preamble: string;
  steps: TourStep[];
}

function tourBlocks(readme: string): string[] {
  const start = readme.indexOf('\n## Tour');
  if (start < 0) throw new Error('README.md has no "## Tour" section');
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
}

const STEP = /^# (\d+)\. (.*)$/;
const isComment = (line: string) => line.trimStart().startsWith('#');

function expectedOutput(lines: string[]): string[] {
  const first = lines.findIndex((l) => l.trim() !== '' && !isComment(l));
  if (first < 0) return [];
  return lines
    .slice(first)
    .filter((l) => l.startsWith('#'))
    .map((l) => l.slice(1).replace(/^ /, ''))
    .filter((text) => text.trim() !== '' && !text.trim().startsWith('(') && !/^ {3,}/.test(text));
}

export function readTour(readme: string): Tour {
  const preamble: string[] = [];
  const steps: { number: number; title: string; lines: string[] }[] = [];
  for (const block of tourBlocks(readme)) {
    for (const line of block.split('\n')) {
      const match = STEP.exec(line);
      if (match) steps.push({ number: Number(match[1]), title: match[2] ?? '', lines: [line] });
      else if (steps.length === 0) preamble.push(line);
      else steps[steps.length - 1]?.lines.push(line);
    }
  }
  return {
    preamble: preamble.join('\n'),
    steps: steps.map((s) => ({ number: s.number, title: s.title, script: s.lines.join('\n'), expected: expectedOutput(s.lines) })),
  };
}

const VALUE = /"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?|true|false|null|\[(?:"[^"]*",?)*\]/.source;

/**
 * What an expected line shows of a JSON output: every flat object shown whole (no …), which
 * must appear verbatim (a trial-balance line), and every `"key":value` pair whose value is
 * shown (not elided with … or <…>).
 */
export function shownPairs(text: string): string[] {
  const objects = [...text.matchAll(/\{[^{}…]*\}/g)].map((m) => m[0]).filter((o) => !o.includes('<'));
  const pairs = [...text.matchAll(new RegExp(`"([A-Za-z_][A-Za-z0-9_]*)":(${VALUE})`, 'g'))];
  return [...objects, ...pairs.filter((m) => !/[…<]/.test(m[2] ?? '')).map((m) => m[0])];
}

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T[\d:.]+Z$/;

/** The words of a non-JSON expected line that must appear, in order, on one output line. */
export function shownWords(text: string): string[] {
  // Local addresses are where the harness runs things (another port), not a shown value.
  return text.split(/\s+/).filter((w) => w !== '' && !w.includes('…') && !TIMESTAMP.test(w) && !/^https?:\/\/(127\.0\.0\.1|localhost)\b/.test(w));
}
