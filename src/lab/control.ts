// Starting the control helper abroad. The helper is another engineer's `censorprobe control`; the
// lab starts it only when the CLI has that command. Adjust here if its options change.
import path from 'node:path';
import { existsSync } from 'node:fs';
import { ADDR, CONTROL_PORT, NS, ONLY_NETS } from './topology.js';
import { files, fromSources, repoRoot } from './paths.js';
import { run } from './shell.js';
import { startInNs, type TrackedProcess } from './processes.js';

/** argv of the running censorprobe CLI (same node, same loader, same entry). */
export function cliCommand(): string[] {
  const entry = process.argv[1] ?? '';
  if (/(?:^|[/\\])(cli\.[jt]s|censorprobe(\.js)?)$/.test(entry)) {
    return [process.execPath, ...process.execArgv.filter((a) => !a.startsWith('--inspect')), entry];
  }
  // Not run from the CLI (e.g. from vitest): use the package's own entry.
  const src = path.join(repoRoot, 'src', 'cli.ts');
  if (fromSources && existsSync(src)) return [process.execPath, '--import', 'tsx', src];
  return [process.execPath, path.join(repoRoot, 'dist', 'cli.js')];
}

export function controlArgs(rate?: number): string[] {
  // Abroad the helper trusts the public CAs; in the lab the sites' certificates come from the lab CA.
  const args = ['control', '--listen', `${ADDR.control}:${CONTROL_PORT}`, '--allow-nets', ONLY_NETS, '--only-nets', ONLY_NETS, '--ca', files.caCert()];
  // The benchmark raises the per-client rate: it measures the probe, not the helper's flood guard.
  return rate ? [...args, '--rate', String(rate), '--burst', String(rate)] : args;
}

export async function cliHasControl(): Promise<boolean> {
  const [cmd, ...args] = cliCommand();
  if (!cmd) return false;
  const r = await run(cmd, [...args, 'control', '--help'], { timeoutMs: 15_000, cwd: repoRoot });
  return r.code === 0 && /--listen/.test(r.stdout);
}

/** Starts the control helper in cp-world, or returns null when the CLI has no `control` command. */
export async function startControl(rate?: number): Promise<TrackedProcess | null> {
  if (!(await cliHasControl())) return null;
  return startInNs('control', NS.world, [...cliCommand(), ...controlArgs(rate)]);
}
