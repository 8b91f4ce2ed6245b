// A run folder given on the command line must exist before anything is read from it: a mistyped
// name is said as such, not as a run that did not finish.
import { existsSync, statSync } from 'node:fs';
import { UsageError } from '../errors.js';

export function requireRunFolder(dir: string): void {
  if (!existsSync(dir)) throw new UsageError(`${dir}: no such folder`, { hint: 'give the folder of a run (`censorprobe run --out DIR`)' });
  if (!statSync(dir).isDirectory()) throw new UsageError(`${dir} is not a folder`, { hint: 'give the folder of a run, not a file in it' });
}
