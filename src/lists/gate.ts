// What a measuring command does with a list that has bad rows: refuse it, or with --skip-invalid
// measure the good rows and say how many were skipped. Kept here so every command words it alike.
import { ListError } from '../errors.js';
import { formatProblem, type ListEntry, type LoadedLists } from './load.js';

export interface UsableLists {
  entries: ListEntry[];
  /** Bad rows left out (only with skipInvalid). */
  skipped: number;
  /** One line for the user when rows were skipped or duplicates dropped, else null. */
  notice: string | null;
}

export function requireUsable(loaded: LoadedLists, options: { skipInvalid: boolean }): UsableLists {
  const { problems, duplicates, entries } = loaded;
  if (problems.length > 0 && !options.skipInvalid) {
    const first = problems[0]!;
    const more = problems.length > 1 ? ` and ${problems.length - 1} more` : '';
    throw new ListError(`${formatProblem(first)}${more}`, {
      hint: 'run `censorprobe lists check` to see every bad row, or pass --skip-invalid to measure the rest',
    });
  }
  const parts: string[] = [];
  if (problems.length > 0) parts.push(`skipped ${problems.length} invalid row${problems.length === 1 ? '' : 's'}`);
  if (duplicates.length > 0) parts.push(`left out ${duplicates.length} duplicate${duplicates.length === 1 ? '' : 's'}`);
  return {
    entries,
    skipped: options.skipInvalid ? problems.length : 0,
    notice: parts.length > 0 ? `lists: ${parts.join(', ')}; measuring ${entries.length} entries` : null,
  };
}
