// `censorprobe import ooni FILE.jsonl[.gz]... --out DIR [--group-by ...]`: OONI's measurements
// re-judged by our analysis, as run folders. Thin: the work is in src/import/ooni/, loaded when the
// command runs.
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import type { GroupBy } from '../import/ooni/index.js';

const GROUP_BY: GroupBy[] = ['asn-day', 'asn', 'day', 'report', 'all'];

export function registerImport(program: Command): void {
  const imp = program.command('import').description('measurements made by other tools, re-judged by our analysis');
  imp
    .command('ooni')
    .description('OONI web_connectivity measurements (JSONL or JSONL.gz, data format 0.2.0, test versions 0.4/0.5) as run folders')
    .argument('<files...>', 'OONI measurement files, one JSON object a line, gzip or not')
    .requiredOption('--out <dir>', 'folder for the run folders (one per probe ASN and day by default)')
    .option('--group-by <how>', `one run per: ${GROUP_BY.join(', ')}`, 'asn-day')
    .option('--routable-nets <cidrs>', 'networks that are not bogons in these measurements (a lab\'s 198.18.0.0/15)', (v) => v.split(',').map((x) => x.trim()).filter(Boolean))
    .option('--quiet', 'no warnings for skipped lines')
    .action(async (files: string[], o: { out: string; groupBy: string; quiet?: boolean; routableNets?: string[] }) => {
      if (!GROUP_BY.includes(o.groupBy as GroupBy)) throw new UsageError(`--group-by: one of ${GROUP_BY.join(', ')}`);
      for (const f of files) if (!existsSync(f)) throw new UsageError(`${f}: no such file`);
      const { importOoni } = await import('../import/ooni/index.js');
      const r = await importOoni(files, {
        out: o.out,
        groupBy: o.groupBy as GroupBy,
        ...(o.routableNets ? { routableNets: o.routableNets } : {}),
        ...(o.quiet ? {} : { warn: (m: string) => console.error(`censorprobe: warning: ${m}`) }),
      });
      const skipped = Object.entries(r.skipped).map(([k, n]) => `${n} ${k}`).join(', ');
      console.log(`imported ${r.imported} measurements into ${r.runs.length} run folder(s) under ${o.out}${skipped ? `; skipped ${skipped}` : ''}`);
    });
}
