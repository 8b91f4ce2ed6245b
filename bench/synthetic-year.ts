// The synthetic year of the history store (bench/history.ts, bench/collective-view.ts): 4 ISPs x
// 365 daily whole-list runs of about 15,000 entries, with an edition of the list every 30 days and
// churn (blocks starting and ending, method changes, one-run flaps), written straight into the
// store's tables in one transaction per day. Runs are named run-DAY-ISP, started T0 + DAY days.
import { from as copyFrom } from 'pg-copy-streams';
import type pg from 'pg';
import { SEEDED_LABELS } from '../src/store/schema.js';

export interface YearShape {
  days: number;
  entries: number;
  isps: number;
}

export type Bulk = (table: string, cols: string[], rows: (number | string | null)[][]) => Promise<void>;

const L = Object.fromEntries(SEEDED_LABELS.map((n, i) => [n, i + 1])) as Record<(typeof SEEDED_LABELS)[number], number>;
/** A state: verdict code and the four layer codes (0 = none). */
type State = [number, number, number, number, number];
const S = {
  ok: [L.ok, 0, 0, 0, 0],
  nx: [L.dns, L.nxdomain, 0, 0, 0],
  page: [L.dns, L.blockpage, 0, 0, 0],
  sni: [L.dpi, 0, 0, L.sni, 0],
  drop: [L.ip, 0, L.drop, 0, 0],
  down: [L.down, 0, 0, 0, 0],
  inc: [L.inconclusive, 0, 0, 0, 0],
  geo: [L.geoblock, 0, 0, 0, 0],
} satisfies Record<string, State>;
/** How each ISP blocks (its usual method) and how well it enforces. */
const STYLES: State[] = [S.nx, S.page, S.sni, S.nx];

function rng(seed: number) {
  let s = seed >>> 0 || 1;
  return () => ((s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0) / 2 ** 32);
}

/** The synthetic year: editions add entries monthly; blocks start and end; flaps last one run. */
class Year {
  readonly initial: number;
  readonly perEdition: number;
  private readonly states: State[][] = [];
  constructor(private readonly entries: number, isps: number) {
    this.initial = Math.round(entries * 0.95);
    this.perEdition = Math.ceil((entries - this.initial) / 12);
    const r = rng(42);
    for (let i = 0; i < isps; i++) {
      this.states.push(Array.from({ length: entries }, () => {
        const x = r();
        return x < 0.86 ? STYLES[i % STYLES.length]! : x < 0.92 ? S.ok : x < 0.96 ? S.down : x < 0.97 ? S.drop : x < 0.98 ? S.geo : S.ok;
      }));
    }
  }
  /** Entries listed on a day (0-based): the first edition's, plus each monthly edition's additions. */
  listed(day: number): number {
    return Math.min(this.entries, this.initial + this.perEdition * Math.floor(day / 30));
  }
  edition(day: number): number {
    return Math.floor(day / 30);
  }
  /** Moves the year one day on for one ISP and returns that day's states (flaps only for the day). */
  day(isp: number, day: number, r: () => number): State[] {
    const st = this.states[isp]!;
    const n = this.listed(day);
    const out: State[] = new Array(n);
    for (let e = 0; e < n; e++) {
      const x = r();
      if (x < 0.0015) st[e] = st[e] === S.ok ? STYLES[isp % STYLES.length]! : S.ok; // a block starts or ends
      else if (x < 0.0018) st[e] = st[e] === S.nx ? S.sni : st[e] === S.sni ? S.nx : st[e]!; // a method change
      out[e] = x > 0.995 ? (r() < 0.5 ? S.inc : S.ok) : st[e]!; // a one-run flap
    }
    return out;
  }
}

export const T0 = Date.parse('2026-01-01T03:17:00Z') / 1000;

export async function generate(shape: YearShape, bulk: Bulk, begin: () => Promise<void>, commit: () => Promise<void>): Promise<number> {
  const { days: DAYS, entries: ENTRIES, isps: ISPS } = shape;
  const year = new Year(ENTRIES, ISPS);
  const ispRows = Array.from({ length: ISPS }, (_, i) => [i + 1, `${64500 + i}|ISP ${i + 1}`, 64500 + i, `ISP ${i + 1}`]);
  await begin();
  await bulk('isps', ['id', 'key', 'asn', 'name'], ispRows);
  await bulk('entries', ['id', 'key', 'input', 'url', 'host', 'category'], Array.from({ length: ENTRIES }, (_, e) => [e + 1, `http://casino${e}.com:80/`, `casino${e}.com`, `http://casino${e}.com/`, `casino${e}.com`, 'GMB']));
  // Strings: each entry's true address, the blockpage IPs, the failure strings.
  const strings: (number | string)[][] = Array.from({ length: ENTRIES }, (_, e) => [e + 1, `198.51.${(e >> 8) & 255}.${e & 255}`]);
  const FAIL = { nx: ENTRIES + 1, reset: ENTRIES + 2, timeout: ENTRIES + 3, page: ENTRIES + 4 };
  strings.push([FAIL.nx, 'dns_nxdomain_error'], [FAIL.reset, 'connection_reset'], [FAIL.timeout, 'generic_timeout_error'], [FAIL.page, '83.235.64.20']);
  await bulk('strings', ['id', 'key'], strings);
  const editions = year.edition(DAYS - 1) + 1;
  await bulk('editions', ['id', 'key', 'list', 'sha256', 'entries', 'hashed'], Array.from({ length: editions }, (_, k) => [k + 1, `eeep.csv|${k}`, 'eeep.csv', k.toString(16).padStart(64, '0'), year.listed(k * 30), 'file']));
  const ee: number[][] = [];
  for (let k = 0; k < editions; k++) for (let e = 0; e < year.listed(k * 30); e++) ee.push([k + 1, e + 1]);
  await bulk('entry_editions', ['edition', 'entry'], ee);
  await commit();
  let runId = 0;
  let total = 0;
  const r = rng(7);
  for (let d = 0; d < DAYS; d++) {
    await begin();
    for (let i = 0; i < ISPS; i++) {
      runId++;
      const started = T0 + d * 86_400 + i * 600;
      const states = year.day(i, d, r);
      await bulk('runs', ['id', 'run_id', 'started', 'ended', 'hash', 'isp', 'software_version', 'complete', 'entries', 'total_entries', 'latency_penalty', 'intercepted', 'facts', 'recorded_at'],
        [[runId, `run-${d}-${i}`, started, started + 3000, `h${runId}`, i + 1, '0.1.0', 1, states.length, states.length, 12.5, 0, '{}', started + 3100]]);
      await bulk('run_editions', ['run', 'edition'], [[runId, year.edition(d) + 1]]);
      const rows: (number | null)[][] = new Array(states.length);
      for (let e = 0; e < states.length; e++) {
        const s = states[e]!;
        const blockedDns = s[1] !== 0;
        rows[e] = [runId, e + 1, s[0], s[1] || null, s[2] || null, s[3] || null, s[4] || null,
          s[1] === L.blockpage ? FAIL.page : null, e + 1, s[1] === L.nxdomain ? FAIL.nx : s[2] ? FAIL.timeout : s[3] ? FAIL.reset : null,
          blockedDns || s[0] === L.ok ? 1 : 2, Math.floor((e * 3000) / states.length), e + 1];
      }
      await bulk('measurements', ['run', 'entry', 'verdict', 'dns', 'ip', 'dpi', 'url', 'isp_answer', 'truth', 'failure', 'control', 't', 'line'], rows);
      await bulk('ip_states', ['run', 'role', 'ip', 'here', 'control', 'names'], Array.from({ length: 20 }, (_, k) => [runId, 1, k + 1, d > 200 && k < 5 ? 1 : 2, 1, 3]));
      total += rows.length;
    }
    await commit();
    if (d % 30 === 29 || d === DAYS - 1) process.stderr.write(`  generated day ${d + 1}/${DAYS}: ${total.toLocaleString('en')} measurements\n`);
  }
  return total;
}


/** Rows into PostgreSQL: a few by INSERT, many by COPY. */
export function postgresBulk(c: pg.Client): Bulk {
  return async (table, cols, rows) => {
    if (rows.length < 50) {
      await c.query(`INSERT INTO ${table} (${cols.join(', ')}) VALUES ${rows.map((r, i) => `(${r.map((_, j) => `$${i * r.length + j + 1}`).join(', ')})`).join(', ')}`, rows.flat());
      return;
    }
    const stream = c.query(copyFrom(`COPY ${table} (${cols.join(', ')}) FROM STDIN`));
    const text = rows.map((r) => r.map((v) => (v === null ? '\\N' : String(v))).join('\t')).join('\n') + '\n';
    await new Promise<void>((res, rej) => {
      stream.on('error', rej);
      stream.on('finish', () => res());
      stream.end(text);
    });
  };
}

/** After the COPYs: the identity columns moved past the ids written, statistics fresh. */
export async function postgresFinish(c: pg.Client): Promise<void> {
  for (const tbl of ['isps', 'runs', 'entries', 'strings', 'editions']) await c.query(`SELECT setval(pg_get_serial_sequence('${tbl}', 'id'), (SELECT MAX(id) FROM ${tbl}))`);
  await c.query('VACUUM ANALYZE');
}
