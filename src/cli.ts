// Thin CLI: parses arguments, hands off to src/commands/*, and turns errors into one clear line and
// a non-zero process.exitCode. Stack traces only with --debug.
import { Command, CommanderError } from 'commander';
import { CensorprobeError } from './errors.js';
import { softwareVersion } from './version.js';
import { registerLists } from './commands/lists.js';
import { registerLab } from './commands/lab.js';
import { registerRun } from './commands/run.js';
import { registerControl } from './commands/control.js';
import { registerExport, registerReport } from './commands/report.js';
import { registerImport } from './commands/import.js';
import { labProbeRunner } from './lab/probe-run.js';

const program = new Command('censorprobe')
  .description('Measure ISP censorship (DNS, IP, DPI, URL blocking) of listed sites, judged against a control abroad.')
  .version(softwareVersion)
  .option('--debug', 'print stack traces on errors')
  .showHelpAfterError('(run `censorprobe --help` for the commands)')
  .exitOverride();

registerLists(program);
registerRun(program);
registerControl(program);
registerReport(program);
registerExport(program);
registerImport(program);
registerLab(program, { runProbe: labProbeRunner });

function debugWanted(): boolean {
  return Boolean(program.opts().debug) || process.argv.includes('--debug');
}

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // Commander already printed its message (or the help/version text).
    process.exitCode = err.exitCode;
  } else if (err instanceof CensorprobeError) {
    console.error(`censorprobe: ${err.message}${err.hint ? ` (${err.hint})` : ''}`);
    if (debugWanted()) console.error(err.stack);
    process.exitCode = 2;
  } else {
    const message = err instanceof Error ? err.message : String(err);
    console.error(`censorprobe: unexpected error: ${message} (run again with --debug for details)`);
    if (debugWanted()) console.error(err instanceof Error ? err.stack : err);
    process.exitCode = 1;
  }
}
