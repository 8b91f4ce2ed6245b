// The self-contained HTML report of a run folder. `censorprobe run` calls writeHtmlReport at the end
// of every run; `censorprobe report html DIR` calls it again on any run folder.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPORT_HTML, type Warn } from '../run-folder/files.js';
import { collectReport, type ReportData } from './model.js';
import { renderRunPage } from './page.js';

export async function buildHtmlReport(dir: string, warn?: Warn): Promise<{ html: string; data: ReportData }> {
  const data = await collectReport(dir, warn);
  return { html: renderRunPage(data), data };
}

/** Writes `report.html` into the run folder (or `out`) and returns its path and size. */
export async function writeHtmlReport(dir: string, opts: { out?: string; warn?: Warn } = {}): Promise<{ path: string; bytes: number; entries: number }> {
  const { html, data } = await buildHtmlReport(dir, opts.warn);
  const path = opts.out ?? join(dir, REPORT_HTML);
  writeFileSync(path, html);
  return { path, bytes: Buffer.byteLength(html), entries: data.rows.length };
}
