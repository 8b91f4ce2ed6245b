// `censorprobe collective serve | token add|revoke|list`: the group's server abroad (control helper,
// uploads, public view on one port) and its members' tokens (docs/collective.md). The heavy parts
// (database, server) load only when a command runs.
import type { Command } from 'commander';
import { CONTROL_SERVER_DEFAULTS } from '../control/protocol.js';
import { UsageError } from '../errors.js';
import type { Db } from '../collective/db.js';
import type { ServeOptions } from '../collective/serve.js';

function positive(name: string, value: unknown): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${name}: "${String(value)}" is not a positive number`);
  return n;
}

const collect = (v: string, prev: string[] = []) => [...prev, v];
const STORE = ['--store <url>', 'the PostgreSQL store: postgres://USER:PASSWORD@HOST:5432/DB (default $CENSORPROBE_STORE)'] as const;

async function withDb<T>(o: Record<string, unknown>, fn: (db: Db, tokens: typeof import('../collective/tokens.js')) => Promise<T>): Promise<T> {
  const { openCollectiveDb, storeUrl } = await import('../collective/serve.js');
  const tokens = await import('../collective/tokens.js');
  const db = await openCollectiveDb(storeUrl(o));
  try {
    return await fn(db, tokens);
  } finally {
    await db.close();
  }
}

export function registerCollective(program: Command): void {
  const collective = program.command('collective').description("a group's server abroad: control helper, uploads and the public view (docs/collective.md)");
  collective
    .command('serve')
    .description('serve the control helper (members only), the upload API and the public view on one port')
    .requiredOption('--listen <host:port>', 'address to listen on, e.g. 0.0.0.0:8080')
    .option(...STORE)
    .option('--cert <file>', 'TLS certificate (PEM); with --key, serve HTTPS (or put a reverse proxy in front)')
    .option('--key <file>', 'TLS private key (PEM)')
    .option('--trust-proxy', "take the client's address from X-Forwarded-For (only behind your own reverse proxy)")
    .option('--allow-nets <cidrs>', 'networks the control helper contacts although private/reserved (the lab: 198.18.0.0/15)')
    .option('--only-nets <cidrs>', 'contact nothing outside these networks (safety guard for tests and the lab)')
    .option('--resolver <ip[:port]>', "DNS server for the helper's own answers (default: the system's)")
    .option('--rate <n>', 'control requests per second per client', String(CONTROL_SERVER_DEFAULTS.rate.perSecond))
    .option('--burst <n>', 'burst of control requests per client', String(CONTROL_SERVER_DEFAULTS.rate.burst))
    .option('--budget <seconds>', 'time for one URL measurement', String(CONTROL_SERVER_DEFAULTS.budgetMs / 1000))
    .option('--ca <file>', 'extra CA certificates (PEM) trusted for the control TLS checks')
    .option('--lists <dir>', 'folder of the lists the collective knows (repeatable; default the shipped lists/)', collect)
    .option('--runs-per-day <n>', 'default quota: runs stored per token per 24 hours', '48')
    .option('--bytes-per-day <n>', 'default quota: compressed bytes sent per token per 24 hours', String(1024 * 1024 * 1024))
    .option('--max-upload-mb <n>', 'largest compressed upload, in MiB', '64')
    .option('--confirm <k>', 'a change is shown once it has held for K consecutive runs', '2')
    .action(async (o: Omit<ServeOptions, 'host' | 'port'> & { listen: string }) => {
      const { serveCollective } = await import('../collective/serve.js');
      const { parseListen } = await import('./control.js');
      const server = await serveCollective({ ...o, ...parseListen(o.listen) });
      console.log(`censorprobe collective listening on ${server.url}`);
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          server.close().then(resolve, resolve);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });

  const token = collective.command('token').description("members' tokens: each names a volunteer or a machine, never an address");
  token
    .command('add')
    .argument('<name>', "a handle or a machine's name")
    .option(...STORE)
    .option('--runs-per-day <n>', "this token's own quota of runs per 24 hours")
    .option('--bytes-per-day <n>', "this token's own quota of bytes per 24 hours")
    .description('create a token; it is shown once, alone on the last line, and stored only as its hash')
    .action(async (name: string, o: Record<string, unknown>) => {
      const quotas = {
        ...(o.runsPerDay !== undefined ? { runsPerDay: positive('--runs-per-day', o.runsPerDay) } : {}),
        ...(o.bytesPerDay !== undefined ? { bytesPerDay: positive('--bytes-per-day', o.bytesPerDay) } : {}),
      };
      const secret = await withDb(o, (db, t) => t.addToken(db, name, quotas));
      console.error(`token for ${name} (shown once; give it to the volunteer: censorprobe join URL --token TOKEN):`);
      console.log(secret);
    });
  token
    .command('revoke')
    .argument('<name>')
    .option(...STORE)
    .description('revoke a token: its uploads and control requests are refused from now on; its runs stay')
    .action(async (name: string, o: Record<string, unknown>) => {
      const done = await withDb(o, (db, t) => t.revokeToken(db, name));
      if (!done) throw new UsageError(`no live token named "${name}"`, { hint: 'see `censorprobe collective token list`' });
      console.log(`revoked ${name}`);
    });
  token
    .command('list')
    .option(...STORE)
    .option('--json', 'as JSON')
    .description('list the tokens (names, dates, quotas, runs sent; never the tokens themselves)')
    .action(async (o: Record<string, unknown>) => {
      const rows = await withDb(o, (db, t) => t.listTokens(db));
      if (o.json) return console.log(JSON.stringify(rows));
      for (const r of rows) {
        console.log(`${r.name}\t${r.revoked_at ? `revoked ${r.revoked_at}` : 'live'}\tcreated ${r.created_at}\t${r.runs} runs${r.runs_per_day !== null ? `\tquota ${r.runs_per_day} runs/day` : ''}`);
      }
    });
}
