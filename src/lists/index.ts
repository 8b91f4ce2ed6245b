// Site lists: loading (the one code path every command uses), checking and importing.
export {
  LIST_COLUMNS,
  entryKey,
  formatProblem,
  loadLists,
  mergeLists,
  parseListText,
  readListFile,
  splitIps,
  type ListDuplicate,
  type ListEntry,
  type ListProblem,
  type LoadedLists,
  type ParsedList,
} from './load.js';
export { normaliseUrl, cleanInput, type Normalised, type NormalisedUrl } from './normalise.js';
export { requireUsable, type UsableLists } from './gate.js';
export { listEditions, type ListEdition } from './edition.js';
export { summarise, formatSummary, type ListSummary } from './summary.js';
export { parseCsv, csvLine, csvField, type CsvRecord, type CsvError, type CsvResult } from './csv.js';
export * from './import/index.js';
