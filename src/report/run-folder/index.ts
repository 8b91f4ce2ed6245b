// The run folder's one owner: its file names, the reader of its measurements, the sink writing
// them, its summaries (summary.csv, report.json, report.html) and the state a resume reads back.
export * from './files.js';
export * from './read.js';
export * from './report-json.js';
export * from './sink.js';
export * from './state.js';
