// Where an upload being finished is laid out as a run folder for the store to read: a private
// folder per server process, emptied when the run is recorded or refused. A server killed mid-way
// leaves its folder behind; the next server removes folders of processes that are gone.
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Spool {
  folder(): Promise<string>;
  close(): Promise<void>;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function openSpool(base = join(tmpdir(), 'censorprobe-collective-spool')): Promise<Spool> {
  await mkdir(base, { recursive: true, mode: 0o700 });
  for (const name of await readdir(base).catch(() => [] as string[])) {
    const pid = Number(name.split('-')[0]);
    if (Number.isInteger(pid) && pid !== process.pid && !alive(pid)) await rm(join(base, name), { recursive: true, force: true });
  }
  const mine = await mkdtemp(join(base, `${process.pid}-`));
  return {
    folder: () => mkdtemp(join(mine, 'run-')),
    close: () => rm(mine, { recursive: true, force: true }),
  };
}
