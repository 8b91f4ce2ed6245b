// The regulator's PDF (2013-2016): a table of numbered entries. Text comes out of the PDF as
// positioned pieces, so the table is rebuilt from positions: the header cell (WEBSITE, URL, ...)
// gives the entry column, numbers left of it the A/A column. A long URL wraps inside its cell over
// several baselines, and its number sits beside any of them (often centred), so lines of the entry
// column are first joined into cells by their spacing (rows are further apart than wrapped lines),
// then each cell takes the number beside it. An entry without a number, or a number without an
// entry, is kept and reported by the importer rather than guessed at.
import { extractTextItems } from 'unpdf';
import { FormatError } from '../../errors.js';
import type { PublishedEntry } from './published.js';

interface Piece {
  str: string;
  x: number;
  y: number;
  width: number;
  fontSize: number;
}

const HEADER = /^(website|web site|url|urls|domain|domain name|site|ιστοσελίδα|ιστότοπος|διεύθυνση|διεύθυνση url)$/i;
const NUMBER = /^\d+\.?$/;

export async function readEeepPdf(data: Uint8Array, file: string): Promise<PublishedEntry[]> {
  let pages: Piece[][];
  try {
    // pdf.js takes ownership of the buffer it is given: hand it a copy.
    pages = (await extractTextItems(new Uint8Array(data))).items;
  } catch (err) {
    throw new FormatError(`${file}: not a readable PDF (${err instanceof Error ? err.message : String(err)})`, { cause: err });
  }
  const entries: PublishedEntry[] = [];
  let column: { x: number; end: number } | null = null;

  pages.forEach((raw, p) => {
    const pieces = raw.filter((i) => i.str.trim() !== '');
    const baselines = clusterYs(pieces.map((i) => i.y));
    const lineOf = (y: number) => baselines.findIndex((b) => Math.abs(b - y) <= 2) + 1;

    const header = pieces.find((i) => HEADER.test(i.str.trim()));
    let body = pieces;
    if (header !== undefined) {
      // Header texts are often centred in their cells: the entry column ends halfway to the next one.
      const right = pieces.filter((i) => Math.abs(i.y - header.y) <= 2 && i.x > header.x + header.width).map((i) => i.x);
      const end = right.length > 0 ? (header.x + header.width + Math.min(...right)) / 2 : Infinity;
      column = { x: header.x, end };
      body = pieces.filter((i) => i.y < header.y - 2);
    }
    if (column === null) return; // no table yet (a cover page)
    const col: { x: number; end: number } = column;

    const numbers = body.filter((i) => i.x < col.x && NUMBER.test(i.str.trim()));
    const numRight = numbers.length > 0 ? Math.max(...numbers.map((n) => n.x + n.width)) : col.x - 1;
    const cells = body.filter((i) => i.x > numRight && i.x < col.end && !numbers.includes(i));
    const lines = textLines(cells);
    const used = new Set<Piece>();

    for (const block of blocks(lines)) {
      const top = block[0]!;
      const bottom = block[block.length - 1]!;
      const tol = top.size * 0.6;
      const nums = numbers.filter((n) => !used.has(n) && n.y <= top.y + tol && n.y >= bottom.y - tol).sort((a, b) => b.y - a.y);
      nums.forEach((n) => used.add(n));
      if (nums.length <= 1) {
        const n = nums[0];
        entries.push({ where: `page ${p + 1}, line ${lineOf(top.y)}`, number: n ? numberOf(n) : '', text: block.map((l) => l.text).join(''), notes: [] });
        continue;
      }
      // Rows packed as tightly as wrapped lines: each line goes to the nearest number.
      const parts = nums.map(() => [] as TextLine[]);
      for (const l of block) {
        let best = 0;
        nums.forEach((n, i) => {
          if (Math.abs(n.y - l.y) < Math.abs(nums[best]!.y - l.y)) best = i;
        });
        parts[best]!.push(l);
      }
      nums.forEach((n, i) => {
        const ls = parts[i]!;
        entries.push({
          where: `page ${p + 1}, line ${lineOf(ls[0]?.y ?? n.y)}`,
          number: numberOf(n),
          text: ls.map((l) => l.text).join(''),
          notes: [],
        });
      });
    }
    for (const n of numbers) {
      if (!used.has(n)) entries.push({ where: `page ${p + 1}, line ${lineOf(n.y)}`, number: numberOf(n), text: '', notes: [] });
    }
  });
  if (column === null) {
    throw new FormatError(`${file}: no table header (WEBSITE, URL or DOMAIN) found in the PDF`, {
      hint: 'the importer reads a numbered table whose entry column is headed WEBSITE, URL or DOMAIN',
    });
  }
  return sortByPage(entries);
}

interface TextLine {
  y: number;
  size: number;
  text: string;
}

function numberOf(p: Piece): string {
  return p.str.trim().replace(/\.$/, '');
}

/** Distinct baselines, top of the page first. */
function clusterYs(ys: number[]): number[] {
  const sorted = [...ys].sort((a, b) => b - a);
  const out: number[] = [];
  for (const y of sorted) if (out.length === 0 || out[out.length - 1]! - y > 2) out.push(y);
  return out;
}

/** Pieces of one baseline joined left to right; a visible gap becomes a space. */
function textLines(pieces: Piece[]): TextLine[] {
  const lines: { y: number; pieces: Piece[] }[] = [];
  for (const p of [...pieces].sort((a, b) => b.y - a.y || a.x - b.x)) {
    const last = lines[lines.length - 1];
    if (last !== undefined && Math.abs(last.y - p.y) <= 2) last.pieces.push(p);
    else lines.push({ y: p.y, pieces: [p] });
  }
  return lines.map(({ y, pieces: ps }) => {
    ps.sort((a, b) => a.x - b.x);
    let text = '';
    let end = -Infinity;
    for (const p of ps) {
      if (text !== '' && p.x - end > p.fontSize * 0.15) text += ' ';
      text += p.str;
      end = p.x + p.width;
    }
    return { y, size: Math.max(...ps.map((p) => p.fontSize)), text: text.trim() };
  });
}

/**
 * Consecutive lines closer than a row apart: the wrapped lines of one cell. The closest spacing on
 * the page is taken as the line spacing inside a cell (row borders and padding add to it); if no
 * cell wraps, every gap is a row pitch and stays above the threshold.
 */
function blocks(lines: TextLine[]): TextLine[][] {
  const gaps = lines.slice(1).map((l, i) => lines[i]!.y - l.y);
  const threshold = gaps.length === 0 ? 0 : Math.min(...gaps) * 1.1;
  const out: TextLine[][] = [];
  lines.forEach((l, i) => {
    const cur = out[out.length - 1];
    if (cur !== undefined && i > 0 && gaps[i - 1]! <= threshold) cur.push(l);
    else out.push([l]);
  });
  return out;
}

function sortByPage(entries: PublishedEntry[]): PublishedEntry[] {
  const pos = (e: PublishedEntry) => {
    const m = /^page (\d+), line (\d+)$/.exec(e.where);
    return m ? Number(m[1]) * 1e6 + Number(m[2]) : 0;
  };
  return entries.map((e, i) => [e, i] as const).sort((a, b) => pos(a[0]) - pos(b[0]) || a[1] - b[1]).map(([e]) => e);
}
