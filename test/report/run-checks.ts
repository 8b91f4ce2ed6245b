// Checks of a run folder's CSV report and OONI export, for any run folder: a generated one or a
// lab run.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { parse } from 'csv-parse/sync';
import { expect } from 'vitest';
import { writeCsvReport } from '../../src/report/csv-report.js';
import { SUMMARY_COLUMNS } from '../../src/report/csv.js';
import { exportOoni, validateOoni } from '../../src/report/ooni.js';
import { loadRecords } from '../../src/report/read.js';

const FORMULA = /^[=+\-@\t\r]/;

/** `report csv` on any run folder: both files round-trip through a CSV parser, nothing runs as a formula. */
export async function checkCsvReport(dir: string) {
  const { files, entries } = await writeCsvReport(dir, dir, () => undefined);
  const records = await loadRecords(dir, () => undefined);
  expect(entries).toBe(records.length);
  const [entriesCsv, kindsCsv] = files.map((f) => readFileSync(f, 'utf8')) as [string, string];
  for (const text of [entriesCsv, kindsCsv]) {
    expect(text.charCodeAt(0)).toBe(0xfeff);
    const rows = parse(text, { bom: true }) as string[][];
    for (const row of rows) for (const cell of row) expect(FORMULA.test(cell), cell).toBe(false);
  }
  const rows = parse(entriesCsv, { bom: true, columns: true }) as Record<string, string>[];
  expect(Object.keys(rows[0]!)).toEqual([...SUMMARY_COLUMNS]);
  // Every entry, in order, readable back: a neutralised cell is the input with one apostrophe in front.
  expect(rows.map((r) => r.input!.replace(/^'(?=[=+\-@\t\r])/, ''))).toEqual(records.map((r) => r.input));
  const kinds = parse(kindsCsv, { bom: true, columns: true }) as Record<string, string>[];
  const verdictTotal = kinds.filter((k) => k.group === 'verdict').reduce((s, k) => s + Number(k.entries), 0);
  expect(verdictTotal).toBe(records.length);
  return { rows, kinds };
}

const SCHEMA = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'ooni', 'web_connectivity.schema.json'), 'utf8')) as object;
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
let compiled: ReturnType<Ajv['compile']> | null = null;

/** The problems of one exported line against the JSON Schema written from ooni/spec (empty when valid). */
export function schemaProblems(m: unknown): string[] {
  if (!compiled) {
    const ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false, strictRequired: false });
    addFormats(ajv);
    compiled = ajv.compile(SCHEMA);
  }
  return compiled(m) ? [] : (compiled.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`);
}

/**
 * What an OONI reader takes as the listed URL's measurement: `requests[0]` is the request for the
 * listed URL itself (not the swap test's innocuous name), and every site step is tagged `classic`.
 */
export function checkSiteFirst(lines: Record<string, unknown>[]): { withRequests: number } {
  let withRequests = 0;
  for (const m of lines) {
    const tk = m.test_keys as { requests: { request: { url: string; headers: Record<string, string> }; tags: string[] }[]; tcp_connect: { tags: string[] }[]; tls_handshakes: { tags: string[]; server_name: string }[] };
    const host = /^https?:\/\/([^/:]+|\[[^\]]+\])/.exec(m.input as string)?.[1]?.replace(/^\[|\]$/g, '');
    for (const step of [...tk.requests, ...tk.tcp_connect, ...tk.tls_handshakes]) {
      expect(step.tags, String(m.input)).toContain('classic');
      expect(step.tags.some((t) => t.startsWith('swap-') || t === 'sandwich'), String(m.input)).toBe(false);
    }
    for (const h of tk.tls_handshakes) expect(h.server_name, String(m.input)).toBe(host);
    if (tk.requests.length === 0) continue;
    withRequests++;
    expect(tk.requests[0]!.request.url, String(m.input)).toBe(m.input);
  }
  return { withRequests };
}

/** Exports a run folder and validates every line; returns the parsed lines. Works on any run folder. */
export async function exportAndValidate(dir: string): Promise<Record<string, unknown>[]> {
  const { path, measurements } = await exportOoni(dir, { warn: () => undefined });
  const lines = readFileSync(path, 'utf8').split('\n').filter(Boolean);
  expect(lines.length).toBe(measurements);
  expect(measurements).toBe((await loadRecords(dir, () => undefined)).length);
  const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  for (const m of parsed) expect({ input: m.input, problems: validateOoni(m), schema: schemaProblems(m) }).toEqual({ input: m.input, problems: [], schema: [] });
  checkSiteFirst(parsed);
  return parsed;
}

