// Summaries are rebuilt from the JSONL, streaming: the same code after a run, a Ctrl-C or a resume.
import { join } from 'node:path';
import { CsvSummarySink, type RunColumns } from '../report/csv.js';
import { RunSummary } from '../report/summary.js';
import type { MeasurementRecord, ResolverInfo } from './record.js';
import { readRecords } from './state.js';

/** Writes summary.csv and returns the run's summary, the idle-line round trips filed in. */
export async function summarise(out: string, jsonlPath: string, resolvers: ResolverInfo[], idle: Record<string, Record<string, number[]>>, run?: RunColumns): Promise<RunSummary> {
  const csv = new CsvSummarySink(join(out, 'summary.csv'), run);
  const summary = new RunSummary(resolvers);
  if (idle.idle_before) summary.setCalibration('idle_before', idle.idle_before);
  if (idle.idle_after) summary.setCalibration('idle_after', idle.idle_after);
  try {
    for await (const { record } of readRecords<MeasurementRecord>(jsonlPath)) {
      csv.write(record);
      summary.add(record);
    }
  } finally {
    csv.close();
  }
  return summary;
}
