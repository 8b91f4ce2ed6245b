// `censorprobe collective serve | token add|revoke|list`: the group's server abroad (control helper,
// uploads, public view on one port) and its members' tokens (docs/collective.md).
import { getServers } from 'node:dns';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { openDb, type Db } from '../collective/db.js';
import { migrateCollective } from '../collective/schema.js';
import { startCollectiveServer, type CollectiveServer } from '../collective/server.js';
import { storeRecorder } from '../collective/store-recorder.js';
import { addToken, listTokens, revokeToken } from '../collective/tokens.js';
import type { UploadLimits } from '../collective/uploads.js';
import { storeChanges } from '../collective/view/changes.js';
import { publicView } from '../collective/view/routes.js';
import { AddressPolicy } from '../control/policy.js';
import { parseResolverAddress, resolverIp, systemOrServerResolver } from '../control/resolve.js';
import { CONTROL_SERVER_DEFAULTS } from '../control/server.js';
import { UsageError } from '../errors.js';
import { repoRoot } from '../lab/paths.js';
import { NetGuard } from '../net/guard.js';
import { openStore } from '../store/open.js';
import { parseListen } from './control.js';

function storeUrl(o: Record<string, unknown>): string {
  const url = typeof o.store === 'string' ? o.store : process.env.CENSORPROBE_STORE;
  if (!url || !/^postgres(ql)?:\/\//i.test(url)) {
    throw new UsageError('a collective needs a PostgreSQL store', { hint: 'pass --store postgres://USER:PASSWORD@HOST:5432/DB (or set CENSORPROBE_STORE)' });
  }
  return url;
}

/** The collective's tables (and the store's, so that the view can read them), migrated. */
export async function openCollectiveDb(url: string): Promise<Db> {
  // Opening the store migrates its schema; the collective's tables follow on their own track.
  await (await openStore(url)).close();
  const db = openDb(url);
  try {
    await migrateCollective(db);
  } catch (err) {
    await db.close();
    throw err;
  }
  return db;
}

function positive(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${name}: "${String(value)}" is not a positive number`);
  return n;
}

/** List file names the collective knows: the shipped lists (and any folder given). */
export function knownLists(dirs: string[]): Set<string> {
  const out = new Set<string>();
  for (const dir of dirs) {
    try {
      for (const f of readdirSync(dir)) if (f.endsWith('.csv')) out.add(f);
    } catch {
      throw new UsageError(`--lists: cannot read the folder ${dir}`);
    }
  }
  return out;
}

export interface ServeOptions {
  listen: string;
  store?: string;
  cert?: string;
  key?: string;
  allowNets?: string;
  onlyNets?: string;
  resolver?: string;
  rate?: string;
  burst?: string;
  budget?: string;
  ca?: string;
  trustProxy?: boolean;
  lists?: string[];
  runsPerDay?: string;
  bytesPerDay?: string;
  maxUploadMb?: string;
  confirm?: string;
  /** Programmatic only (tests): caps beside the CLI's. */
  limits?: Partial<UploadLimits>;
}

/** Starts the collective's server from CLI options (also used by tests). */
export async function serveCollective(o: ServeOptions): Promise<CollectiveServer & { db: Db }> {
  const { host, port } = parseListen(o.listen);
  const url = storeUrl({ store: o.store });
  if ((o.cert === undefined) !== (o.key === undefined)) throw new UsageError('--cert and --key go together');
  const resolver = o.resolver === undefined ? undefined : parseResolverAddress(o.resolver);
  const guard = o.onlyNets === undefined ? undefined : NetGuard.parse(o.onlyNets);
  if (guard) for (const server of resolver === undefined ? getServers() : [resolver]) guard.check(resolverIp(server), 'control resolver');
  const confirm = positive('--confirm', o.confirm, 2);
  const db = await openCollectiveDb(url);
  const recorder = await storeRecorder(url);
  try {
    const server = await startCollectiveServer({
      host, port, db, recorder,
      view: publicView(db, storeChanges(db, { confirm })),
      knownLists: knownLists(o.lists?.length ? o.lists : [join(repoRoot, 'lists')]),
      control: {
        policy: AddressPolicy.parse(o.allowNets ?? ''),
        resolver: systemOrServerResolver(resolver),
        rate: { perSecond: positive('--rate', o.rate, CONTROL_SERVER_DEFAULTS.rate.perSecond), burst: positive('--burst', o.burst, CONTROL_SERVER_DEFAULTS.rate.burst) },
        budgetMs: positive('--budget', o.budget, CONTROL_SERVER_DEFAULTS.budgetMs / 1000) * 1000,
        ...(guard ? { guard } : {}),
        ...(o.ca !== undefined ? { ca: readFileSync(o.ca, 'utf8') } : {}),
      },
      limits: {
        ...o.limits,
        ...(o.runsPerDay !== undefined ? { runsPerDay: positive('--runs-per-day', o.runsPerDay, 48) } : {}),
        ...(o.bytesPerDay !== undefined ? { bytesPerDay: positive('--bytes-per-day', o.bytesPerDay, 1) } : {}),
        ...(o.maxUploadMb !== undefined ? { maxUploadBytes: positive('--max-upload-mb', o.maxUploadMb, 64) * 1024 * 1024 } : {}),
      },
      ...(o.cert !== undefined && o.key !== undefined ? { tls: { cert: o.cert, key: o.key } } : {}),
      ...(o.trustProxy ? { trustProxy: true } : {}),
    });
    return {
      ...server,
      db,
      close: async () => {
        await server.close();
        await recorder.close();
        await db.close();
      },
    };
  } catch (err) {
    await recorder.close();
    await db.close();
    throw err;
  }
}

const collect = (v: string, prev: string[] = []) => [...prev, v];
const STORE = ['--store <url>', 'the PostgreSQL store: postgres://USER:PASSWORD@HOST:5432/DB (default $CENSORPROBE_STORE)'] as const;

async function withDb<T>(o: Record<string, unknown>, fn: (db: Db) => Promise<T>): Promise<T> {
  const db = await openCollectiveDb(storeUrl(o));
  try {
    return await fn(db);
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
    .action(async (o: ServeOptions) => {
      const server = await serveCollective(o);
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
        ...(o.runsPerDay !== undefined ? { runsPerDay: positive('--runs-per-day', o.runsPerDay, 1) } : {}),
        ...(o.bytesPerDay !== undefined ? { bytesPerDay: positive('--bytes-per-day', o.bytesPerDay, 1) } : {}),
      };
      const secret = await withDb(o, (db) => addToken(db, name, quotas));
      console.error(`token for ${name} (shown once; give it to the volunteer: censorprobe join URL --token TOKEN):`);
      console.log(secret);
    });
  token
    .command('revoke')
    .argument('<name>')
    .option(...STORE)
    .description('revoke a token: its uploads and control requests are refused from now on; its runs stay')
    .action(async (name: string, o: Record<string, unknown>) => {
      const done = await withDb(o, (db) => revokeToken(db, name));
      if (!done) throw new UsageError(`no live token named "${name}"`, { hint: 'see `censorprobe collective token list`' });
      console.log(`revoked ${name}`);
    });
  token
    .command('list')
    .option(...STORE)
    .option('--json', 'as JSON')
    .description('list the tokens (names, dates, quotas, runs sent; never the tokens themselves)')
    .action(async (o: Record<string, unknown>) => {
      const rows = await withDb(o, (db) => listTokens(db));
      if (o.json) return console.log(JSON.stringify(rows));
      for (const r of rows) {
        console.log(`${r.name}\t${r.revoked_at ? `revoked ${r.revoked_at}` : 'live'}\tcreated ${r.created_at}\t${r.runs} runs${r.runs_per_day !== null ? `\tquota ${r.runs_per_day} runs/day` : ''}`);
      }
    });
}
