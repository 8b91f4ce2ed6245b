// What the collective's benchmarks share about the server they start: a free loopback port for it,
// and its peak memory as the kernel counts it.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** A process's peak resident memory (VmHWM) in bytes; 0 once it has gone. */
export function peakRssBytes(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/**
 * A scratch database on the PostgreSQL server `admin` names, for one benchmark: created now, dropped
 * by drop() and also on Ctrl-C or SIGTERM (after `onSignal`, e.g. stopping the server that uses it),
 * so that an interrupted benchmark leaves no multi-gigabyte database behind.
 */
export async function scratchDatabase(admin: string, prefix: string, onSignal: () => Promise<void> | void = () => undefined): Promise<{ url: string; drop: () => Promise<void> }> {
  const pg = (await import('pg')).default;
  const name = `${prefix}_${Date.now().toString(36)}`;
  const a = new pg.Client({ connectionString: admin });
  await a.connect();
  await a.query(`CREATE DATABASE ${name}`);
  await a.end();
  const u = new URL(admin);
  u.pathname = `/${name}`;
  let dropped: Promise<void> | null = null;
  const drop = () =>
    (dropped ??= (async () => {
      process.off('SIGINT', onSig);
      process.off('SIGTERM', onSig);
      const d = new pg.Client({ connectionString: admin });
      await d.connect();
      await d.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await d.end();
    })());
  const onSig = (sig: NodeJS.Signals) => {
    console.error(`\n${sig}: stopping and dropping the scratch database ${name}`);
    void (async () => {
      try {
        await onSignal();
      } finally {
        await drop().catch((err: unknown) => console.error(`could not drop ${name}: ${(err as Error).message}`));
        process.exit(130);
      }
    })();
  };
  process.on('SIGINT', onSig);
  process.on('SIGTERM', onSig);
  return { url: u.toString(), drop };
}
