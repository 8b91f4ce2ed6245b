// A plain list, one entry per line, `#` comment lines: the form third-party scrapes of the
// regulator's XLSX take (the shipped lists/eeep.csv was made from one).
import type { PublishedEntry } from './published.js';

export function readTextList(text: string): PublishedEntry[] {
  const entries: PublishedEntry[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    entries.push({ where: `line ${i + 1}`, number: '', text: line, notes: [] });
  });
  return entries;
}
