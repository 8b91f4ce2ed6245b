// The collective's server started from CLI options: its database migrated (the store's tables and
// its own), the store recorder, the public view, the control helper with the members' tokens.
import { getServers } from 'node:dns';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openDb, type Db } from './db.js';
import { migrateCollective } from './schema.js';
import { startCollectiveServer, type CollectiveServer } from './server.js';
import { storeRecorder } from './store-recorder.js';
import type { UploadLimits } from './uploads.js';
import type { RunRecorder } from './recorder.js';
import { storeChanges } from './view/changes.js';
import { publicView } from './view/routes.js';
import { AddressPolicy } from '../control/policy.js';
import { parseResolverAddress, resolverIp, systemOrServerResolver } from '../control/resolve.js';
import { CONTROL_SERVER_DEFAULTS } from '../control/server.js';
import { UsageError } from '../errors.js';
import { repoRoot } from '../lab/paths.js';
import { NetGuard } from '../net/guard.js';
import { openStore } from '../store/open.js';

export function storeUrl(o: Record<string, unknown>): string {
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

export function positive(name: string, value: unknown, fallback: number): number {
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
  host: string;
  port: number;
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
  /** Programmatic only (tests): how long a changes reader waits for a list being computed (default 150 ms). */
  changesWaitMs?: number;
}

/** Starts the collective's server from CLI options (also used by tests). */
export async function serveCollective(o: ServeOptions): Promise<CollectiveServer & { db: Db }> {
  const { host, port } = o;
  const url = storeUrl({ store: o.store });
  if ((o.cert === undefined) !== (o.key === undefined)) throw new UsageError('--cert and --key go together');
  const resolver = o.resolver === undefined ? undefined : parseResolverAddress(o.resolver);
  const guard = o.onlyNets === undefined ? undefined : NetGuard.parse(o.onlyNets);
  if (guard) for (const server of resolver === undefined ? getServers() : [resolver]) guard.check(resolverIp(server), 'control resolver');
  const confirm = positive('--confirm', o.confirm, 2);
  const db = await openCollectiveDb(url);
  const stored = await storeRecorder(url);
  const changes = storeChanges(url, { confirm, ...(o.changesWaitMs !== undefined ? { waitMs: o.changesWaitMs } : {}) });
  // Each stored run starts computing the changes list, so that its readers find it ready.
  const recorder: RunRecorder = {
    recordFolder: async (dir) => {
      const outcome = await stored.recordFolder(dir);
      if (outcome.stored) changes.refresh();
      return outcome;
    },
    close: () => stored.close(),
  };
  try {
    const server = await startCollectiveServer({
      host, port, db, recorder,
      view: publicView(db, changes.source),
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
    // The changes list computed once ahead, so that the first reader does not wait for it.
    changes.refresh();
    return {
      ...server,
      db,
      close: async () => {
        await server.close();
        await changes.close();
        await recorder.close();
        await db.close();
      },
    };
  } catch (err) {
    await changes.close();
    await recorder.close();
    await db.close();
    throw err;
  }
}

