// `censorprobe join URL --token T` and `censorprobe upload DIR...`: the volunteer's side of a
// collective (docs/collective.md).
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { loadCollective } from '../collective/config.js';
import { UploadRefusedError } from '../collective/errors.js';
import type { UploadResult } from '../collective/upload-client.js';
import { CensorprobeError, UsageError } from '../errors.js';
import { NetGuard, openGuard, type Guard } from '../net/guard.js';

const guardOf = (onlyNets: unknown): Guard => (typeof onlyNets === 'string' ? NetGuard.parse(onlyNets) : openGuard);
const caOf = (ca: unknown): string | undefined => (typeof ca === 'string' ? readFileSync(ca, 'utf8') : undefined);

export function describeUpload(r: UploadResult): string {
  const unknown = r.unknown_lists.length ? `; lists the collective does not know (stored, marked): ${r.unknown_lists.join(', ')}` : '';
  return r.outcome === 'already'
    ? `${r.dir}: run ${r.run_id} was stored already (${r.records} measurements)`
    : `${r.dir}: run ${r.run_id} stored (${r.records} measurements, ${(r.bytes / 1024 / 1024).toFixed(1)} MiB compressed)${unknown}`;
}

export function registerJoin(program: Command): void {
  program
    .command('join')
    .description('join a collective: its control helper is used for your runs, and your runs are sent to it (docs/collective.md)')
    .argument('<url>', "the collective's address, e.g. https://collective.example.org/")
    .requiredOption('--token <token>', 'the token the group gave you')
    .option('--accept', 'agree to the sharing text without the question')
    .option('--only-nets <cidrs>', 'safety guard: refuse to contact any address outside these networks')
    .option('--ca <file>', 'extra CA certificates (PEM) to trust for the collective')
    .action(async (url: string, o: Record<string, unknown>) => {
      const ca = caOf(o.ca);
      const { join } = await import('../collective/join.js');
      const joined = await join({
        url, token: String(o.token), guard: guardOf(o.onlyNets), ...(ca ? { ca } : {}), accept: Boolean(o.accept),
        interactive: process.stdin.isTTY === true, input: process.stdin, output: process.stderr,
      });
      if (!joined) {
        process.exitCode = 1;
        return;
      }
      console.log(`joined ${joined.url} as ${joined.member} (saved in ${joined.file}); \`censorprobe run\` now uses its control helper and uploads each run (--no-upload keeps one local)`);
    });

  program
    .command('upload')
    .description('send run folders to the collective (resumable; a run sent twice is stored once)')
    .argument('<dir...>', 'run folders (`censorprobe run --out DIR`)')
    .option('--to <url>', 'the collective (default: the one joined)')
    .option('--token <token>', 'your token (default: the one joined)')
    .option('--only-nets <cidrs>', 'safety guard: refuse to contact any address outside these networks')
    .option('--ca <file>', 'extra CA certificates (PEM) to trust for the collective')
    .action(async (dirs: string[], o: Record<string, unknown>) => {
      const joined = await loadCollective();
      const url = typeof o.to === 'string' ? o.to : joined?.url;
      const token = typeof o.token === 'string' ? o.token : joined?.token;
      if (!url || !token) throw new UsageError('no collective to upload to', { hint: 'join one with `censorprobe join URL --token T`, or pass --to URL --token T' });
      const ca = caOf(o.ca);
      const { uploadRun } = await import('../collective/upload-client.js');
      let refused = 0;
      for (const dir of dirs) {
        try {
          const r = await uploadRun(dir, { url, token, guard: guardOf(o.onlyNets), ...(ca ? { ca } : {}), log: (m) => console.error(`censorprobe: ${m}`) });
          console.log(describeUpload(r));
        } catch (err) {
          // A refused run, an unreachable server or a folder that is no run: said, and the next folder goes on.
          if (!(err instanceof CensorprobeError)) throw err;
          refused++;
          console.error(`censorprobe: ${dir}: ${err.message}${err instanceof UploadRefusedError ? ` [${err.reason}]` : ''}${err.hint ? ` (${err.hint})` : ''}`);
        }
      }
      if (refused > 0) process.exitCode = 1;
    });
}
