// `censorprobe store import DIR...`: earlier run folders into the history store. Exit code 0 when
// every folder is recorded (or was already), 1 when some were refused (each named with its reason).
import type { Command } from 'commander';
import type { FolderResult } from '../store/record-folder.js';

export const STORE_OPTION = ['--store <path|url>', 'the history store: a SQLite file or postgres://... (default $CENSORPROBE_STORE, else $XDG_DATA_HOME/censorprobe/history.sqlite)'] as const;

export function registerStore(program: Command): void {
  const store = program.command('store').description('the history store of every run (SQLite by default, PostgreSQL for a collective)');
  store
    .command('import')
    .description('record earlier run folders in the store; a folder already recorded adds nothing')
    .argument('<dir...>', 'run folders (as `censorprobe run --out` wrote them)')
    .option(...STORE_OPTION)
    .option('--json', 'one JSON line per folder')
    .action(async (dirs: string[], o: { store?: string; json?: boolean }) => {
      const { openStore } = await import('../store/open.js');
      const { recordFolder } = await import('../store/record-folder.js');
      const s = await openStore(o.store);
      const results: FolderResult[] = [];
      try {
        for (const dir of dirs) {
          const r = await recordFolder(s, dir, (m) => console.error(`censorprobe: warning: ${m}`));
          results.push(r);
          if (o.json) console.log(JSON.stringify(r));
          else if (r.outcome === 'refused') console.error(`censorprobe: refused ${dir}: ${r.reason}`);
          else console.log(`${r.outcome === 'unchanged' ? 'already recorded' : r.outcome}: ${dir} (run ${r.run_id}, ${r.measurements} measurements)`);
        }
      } finally {
        await s.close();
      }
      const refused = results.filter((r) => r.outcome === 'refused').length;
      if (!o.json) console.log(`${results.length - refused} of ${results.length} folder(s) in ${s.where}${refused ? `; ${refused} refused` : ''}`);
      if (refused > 0) process.exitCode = 1;
    });
}
