// Thin CLI: parses arguments, hands off to src/commands/*, and turns errors into one clear line and
// an exit code (0 success, 1 failure, 2 usage error; 130/143 for a run stopped by Ctrl-C/SIGTERM).
// Stack traces only with --debug. The command modules load their heavy parts only when they run, so
// `--help` and `--version` start fast.
import { Command, CommanderError } from 'commander';
import { CensorprobeError, EXIT, UsageError } from './errors.js';
import { softwareVersion } from './version.js';
import { registerLists } from './commands/lists.js';
import { registerLab } from './commands/lab.js';
import { registerRun } from './commands/run.js';
import { registerStore } from './commands/store.js';
import { registerHistory } from './commands/history.js';
import { registerControl } from './commands/control.js';
import { registerCollective } from './commands/collective.js';
import { registerJoin } from './commands/join.js';
import { registerExport, registerReport } from './commands/report.js';
import { registerImport } from './commands/import.js';
import { commandPath, pointToOwnHelp } from './commands/help.js';

const program = new Command('censorprobe')
  .description('Measure ISP censorship (DNS, IP, DPI, URL blocking) of listed sites, judged against a control abroad.')
  .version(softwareVersion)
  .option('--debug', 'print stack traces on errors')
  .exitOverride()
  .addHelpText(
    'after',
    `
Exit codes:
  0    success
  1    a failure (a list, the network, the lab, a check that did not pass)
  2    a usage error (an unknown command or option, a bad option value)
  3    history changes --fail-on-change: confirmed changes exist
  4    a run complete in its folder but not recorded in the history store
  130  a run stopped by Ctrl-C, 143 by SIGTERM: what was measured is saved (finish it with run --resume DIR)

Environment:
  CENSORPROBE_CONTROL_TOKEN  the control helper's token (for run and control; better than a flag,
                             which other users of the machine can read in the process list)
  NODE_EXTRA_CA_CERTS        extra CA certificates for DoH, the control helper and certificate checks
  XDG_CONFIG_HOME            where consent is remembered (default ~/.config/censorprobe/consent.json)
  CENSORPROBE_STORE          the history store (a SQLite file or postgres://...)
  XDG_DATA_HOME              where the default history store is (~/.local/share/censorprobe/)

Each command has its own help: censorprobe run --help, censorprobe report html --help, ...
Documentation: README.md and docs/ in the package.`,
  );

registerLists(program);
registerRun(program);
registerStore(program);
registerHistory(program);
registerControl(program);
registerCollective(program);
registerJoin(program);
registerReport(program);
registerExport(program);
registerImport(program);
registerLab(program);
let current: Command = program;
pointToOwnHelp(program, (cmd) => {
  current = cmd;
});

function debugWanted(): boolean {
  return Boolean(program.opts().debug) || process.argv.includes('--debug');
}

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // Commander already printed its message (or the help/version text).
    process.exitCode = err.exitCode === 0 ? EXIT.ok : EXIT.usage;
  } else if (err instanceof CensorprobeError) {
    console.error(`censorprobe: ${err.message}${err.hint ? ` (${err.hint})` : ''}`);
    if (err instanceof UsageError) console.error(`(run \`${commandPath(current)} --help\` for its options)`);
    if (debugWanted()) console.error(err.stack);
    process.exitCode = err instanceof UsageError ? EXIT.usage : EXIT.failure;
  } else {
    const message = err instanceof Error ? err.message : String(err);
    console.error(`censorprobe: unexpected error: ${message} (run again with --debug for details)`);
    if (debugWanted()) console.error(err instanceof Error ? err.stack : err);
    process.exitCode = EXIT.failure;
  }
}
