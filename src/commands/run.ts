import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { CensorprobeError, EXIT, UsageError } from '../errors.js';
import { loadCollective } from '../collective/config.js';
import { NetGuard, openGuard } from '../net/guard.js';
import { createProgress, type Progress, type ProgressMode } from '../probe/progress.js';
import { parseRate } from '../probe/rate.js';
import { loadSettings, savedListPaths } from '../report/run-folder/index.js';
import type { FindingsInput } from '../report/findings.js';
import { stopOnSignals } from './signals.js';
import { STORE_OPTION } from './store.js';

/**
 * The run's folder into the history store, after the run. Never fails the run: the folder is the
 * record of truth, so a store that cannot take it (read-only, locked, full, down) only earns a
 * clear message, the command to record it later, and exit code 4.
 */
export async function recordRun(out: string, storeSpec: string | null, quiet: boolean): Promise<boolean> {
  const { openStore } = await import('../store/open.js');
  const { importHint, recordFolder } = await import('../store/record-folder.js');
  let store;
  try {
    store = await openStore(storeSpec);
    const r = await recordFolder(store, out, (m) => console.error(`censorprobe: warning: ${m}`));
    if (r.outcome === 'refused') throw new Error(r.reason);
    if (!quiet) console.log(`recorded in the history store ${store.where}${r.outcome === 'replaced' ? ' (replacing its earlier, shorter recording)' : ''}`);
    return true;
  } catch (err) {
    console.error(`censorprobe: the run was NOT recorded in the history store (${(err as Error).message.replace(/^censorprobe: /, '')}); its folder ${out} is complete. Record it later with: ${importHint(out, storeSpec)}`);
    return false;
  } finally {
    await store?.close().catch(() => undefined);
  }
}

/** Public resolvers by IP literal (no lookup needed to reach them); only used on a real line. */
export const DEFAULT_FOREIGN = ['https://1.1.1.1/dns-query', 'https://9.9.9.9/dns-query', 'udp://1.1.1.1:53', 'udp://9.9.9.9:53', 'udp://8.8.8.8:53'];

/** The first `nameserver` of resolv.conf: the resolver a volunteer's machine really uses. */
export function systemResolver(path = '/etc/resolv.conf'): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${path} to find the ISP resolver (${(err as Error).message})`, { hint: 'pass --isp-resolver IP' });
  }
  const m = /^\s*nameserver\s+(\S+)/m.exec(text);
  if (!m?.[1]) throw new UsageError(`${path} names no nameserver`, { hint: 'pass --isp-resolver IP' });
  return m[1].includes(':') && !m[1].startsWith('[') ? `udp://[${m[1]}]:53` : `udp://${m[1]}:53`;
}

function positiveInt(name: string) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${name}: "${v}" is not a positive whole number`);
    return n;
  };
}

/** --concurrency: `auto` (found by the run, src/probe/concurrency.ts) or a fixed positive number. */
export function parseConcurrency(v: string): number | 'auto' {
  return v.trim().toLowerCase() === 'auto' ? 'auto' : positiveInt('--concurrency')(v);
}

/** --line-budget: a percentage in (0, 100], as a share. */
export function parseLineBudget(v: string): number {
  const n = Number(v.trim().replace(/%$/, ''));
  if (!Number.isFinite(n) || n <= 0 || n > 100) throw new UsageError(`--line-budget: "${v}" is not a percentage between 0 and 100`, { hint: 'e.g. --line-budget 50' });
  return n / 100;
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

export function utcStamp(d = new Date()): string {
  return d.toISOString().replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');
}

export function registerRun(program: Command): void {
  program
    .command('run')
    .description('measure every list entry through the DNS, IP, DPI and URL layers and write reports')
    .option('--list <file>', 'a list in OONI test-lists CSV (repeatable)', collect)
    .option('--resume <dir>', 'finish an interrupted run in DIR with its saved settings')
    .option('--isp-resolver <ip[:port]>', 'resolver under test (default: first nameserver of /etc/resolv.conf)')
    .option('--foreign <spec>', 'control resolver: udp://IP[:PORT], tcp://IP[:PORT] or https://HOST[:PORT]/PATH (repeatable)', collect)
    .option('--control <url>', 'the control helper abroad (`censorprobe control`)')
    .option('--control-token <token>', 'bearer token for the control helper (better: set CENSORPROBE_CONTROL_TOKEN, which other users cannot read)')
    .option('--out <dir>', 'output folder (default reports/<UTC timestamp>/)')
    .option('--concurrency <n|auto>', 'entries measured at once: auto finds what the line, the resolvers and the CPU take; a number fixes it', parseConcurrency, 'auto')
    .option('--per-ip <n>', 'connections at once to one destination IP', positiveInt('--per-ip'), 4)
    .option('--max-rate <rate>', 'start at most this many entries per second or minute, e.g. 50/s (default: no ceiling)', parseRate)
    .option('--line-budget <percent>', 'with --concurrency auto: use at most this share of the capacity the run finds, e.g. 50 (default 100)', parseLineBudget)
    .option('--timeout <ms>', 'per-step timeout for TCP, TLS and HTTP', positiveInt('--timeout'), 8000)
    .option('--only-nets <cidrs>', 'safety guard: refuse to contact any address outside these networks')
    .option('--innocuous-name <name>', 'the innocuous name of the swap test', 'www.example.com')
    .option('--neutral-ip <ip>', 'a server unrelated to the lists, for sending the real name to a neutral IP')
    .option('--skip-invalid', 'measure the valid rows of a list that has invalid ones')
    .option('--no-court-orders', 'do not add the IPs named in lists/court-orders.csv to the run')
    .option('--accept', 'consent without the interactive question (read docs/volunteers.md first)')
    .option('--asn-db <file>', 'a MaxMind-format ASN database instead of the shipped table')
    .option(...STORE_OPTION)
    .option('--no-store', 'do not record the run in the history store')
    .option('--no-upload', 'keep this run local even when a collective was joined (`censorprobe join`)')
    .option('--quiet', 'no progress output')
    .option('--json', 'progress as JSON lines on stderr (for scripts)')
    .addHelpText(
      'after',
      `
Environment:
  CENSORPROBE_CONTROL_TOKEN  the control helper's token (used when --control-token is not given)
  NODE_EXTRA_CA_CERTS        extra CA certificates for DoH and the control helper

Exit codes: 0 done, 1 failure, 2 usage error, 4 measured but not recorded in the history store
(the message gives the \`censorprobe store import\` command), 130 stopped by Ctrl-C, 143 stopped by SIGTERM (the
summaries of what was measured are written; finish with \`censorprobe run --resume DIR\`).`,
    )
    .action(async (o: Record<string, unknown>) => {
      const resumeDir = typeof o.resume === 'string' ? o.resume : null;
      const saved = resumeDir ? loadSettings(resumeDir) : null;
      if (!saved && !Array.isArray(o.list)) throw new UsageError('no list given', { hint: 'pass --list FILE (or --resume DIR to finish an earlier run)' });
      const onlyNets = saved ? (saved.onlyNets.length ? saved.onlyNets.join(',') : undefined) : (o.onlyNets as string | undefined);
      const guard = typeof onlyNets === 'string' ? NetGuard.parse(onlyNets) : openGuard;
      const isp = saved?.ispResolver ?? (typeof o.ispResolver === 'string' ? o.ispResolver : systemResolver());
      const ispSpec = /^[a-z]+:\/\//.test(isp) ? isp : `udp://${isp}`;
      const out = resumeDir ?? (typeof o.out === 'string' ? o.out : join('reports', utcStamp()));
      // A joined collective gives the control helper (unless --control names another) and takes the run.
      const collective = await loadCollective();
      const ownControl = saved ? saved.control : typeof o.control === 'string' ? o.control : null;
      const control = ownControl ?? collective?.url ?? null;
      const token = typeof o.controlToken === 'string' ? o.controlToken
        : control !== null && control === collective?.url ? collective.token : process.env.CENSORPROBE_CONTROL_TOKEN;
      const stop = stopOnSignals();
      const { run } = await import('../probe/run.js');
      // Loaded here, not at start-up: the consent text formats numbers with the Greek locale.
      const { ensureConsent } = await import('../consent/index.js');
      const mode: ProgressMode = o.quiet ? 'quiet' : o.json ? 'json' : process.stderr.isTTY ? 'tty' : 'lines';
      let progress: Progress | null = null;
      try {
        const result = await run({
          lists: saved && resumeDir ? savedListPaths(resumeDir, saved) : (o.list as string[]),
          skipInvalid: saved?.skipInvalid ?? Boolean(o.skipInvalid),
          ispResolver: ispSpec,
          foreign: saved?.foreign ?? (o.foreign as string[] | undefined) ?? DEFAULT_FOREIGN,
          control,
          ...(token ? { controlToken: token } : {}),
          out,
          concurrency: saved?.concurrency ?? (o.concurrency as number | 'auto'),
          perIp: saved?.perIp ?? (o.perIp as number),
          // A property of this invocation (the line it runs on), not of the run: not saved for --resume.
          maxRate: typeof o.maxRate === 'number' ? o.maxRate : null,
          lineBudget: typeof o.lineBudget === 'number' ? o.lineBudget : null,
          timeoutMs: saved?.timeoutMs ?? (o.timeout as number),
          guard,
          innocuousName: saved?.innocuousName ?? (o.innocuousName as string),
          neutralIp: saved ? saved.neutralIp : typeof o.neutralIp === 'string' ? o.neutralIp : null,
          resume: Boolean(saved),
          ...(o.courtOrders === false ? { courtOrders: null } : {}),
          ...(typeof o.asnDb === 'string' ? { asnDb: o.asnDb } : {}),
          confirm: (facts) =>
            ensureConsent({
              accept: Boolean(o.accept),
              interactive: process.stdin.isTTY === true,
              input: process.stdin,
              output: process.stderr,
              facts,
            }),
          signal: stop.signal,
          onStart: (total, already, live) => {
            progress = createProgress({ mode, total, already, ...(live ? { concurrency: live.concurrency } : {}) });
          },
          onRecord: (record) => progress?.update(record.verdict),
        });
        (progress as Progress | null)?.finish();
        if (mode === 'json') {
          console.log(JSON.stringify({ type: 'result', out: result.out, complete: result.complete, measured: result.measured, resumed: result.resumed, total: result.total, counts: result.report.counts }));
        } else {
          const counts = result.report.counts as Record<string, number>;
          const already = result.resumed > 0 ? ` (${result.resumed} measured before)` : '';
          console.log(`measured ${result.measured + result.resumed} of ${result.total} entries${already}: ${Object.entries(counts).map(([k, v]) => `${k} ${v}`).join(', ')}`);
          if (result.skipped_invalid > 0) console.log(`skipped ${result.skipped_invalid} invalid list row(s)`);
          const { findingsLines } = await import('../report/findings.js');
          for (const line of findingsLines(result.report as unknown as FindingsInput, result.out, { htmlWritten: result.html })) console.log(line);
        }
        const recorded = o.store === false || (await recordRun(result.out, typeof o.store === 'string' ? o.store : null, mode === 'quiet' || mode === 'json'));
        if (!result.complete) {
          console.error(`censorprobe: the run was interrupted; what was measured is saved. Finish it with: censorprobe run --resume ${result.out}`);
          process.exitCode = stop.received() === 'SIGTERM' ? EXIT.sigterm : EXIT.sigint;
        } else {
          if (!recorded) process.exitCode = EXIT.notRecorded;
          if (collective && o.upload !== false) {
            // The run is complete on disk whatever happens here; a failed upload is said, with how to retry.
            try {
              const { uploadRun } = await import('../collective/upload-client.js');
              const { describeUpload } = await import('./join.js');
              const sent = await uploadRun(result.out, { url: collective.url, token: collective.token, guard, log: (m) => console.error(`censorprobe: upload: ${m}`) });
              console.log(describeUpload(sent));
            } catch (err) {
              if (!(err instanceof CensorprobeError)) throw err;
              const reason = (err as { reason?: unknown }).reason;
              console.error(`censorprobe: the run was not uploaded: ${err.message}${typeof reason === 'string' ? ` [${reason}]` : ''}. Send it later with: censorprobe upload ${result.out}`);
              process.exitCode = EXIT.failure;
            }
          }
        }
      } finally {
        stop.dispose();
      }
    });
}
