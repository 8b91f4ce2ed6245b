import { fileURLToPath } from 'node:url';
import path from 'node:path';

// src/lab/ and dist/lab/ both sit two levels below the package root.
export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** True when this module runs from TypeScript sources (through tsx), false from dist/. */
export const fromSources = import.meta.url.endsWith('.ts');

/** The lab's state: configs, CA, certificates, logs, PIDs, endpoints. Gitignored. */
export function stateDir(): string {
  return process.env.CP_LAB_DIR ? path.resolve(process.env.CP_LAB_DIR) : path.join(repoRoot, '.lab');
}

export function statePath(...parts: string[]): string {
  return path.join(stateDir(), ...parts);
}

export const files = {
  endpoints: () => statePath('endpoints.json'),
  groundTruth: () => statePath('ground-truth.json'),
  list: () => statePath('list.csv'),
  pids: () => statePath('pids.json'),
  caCert: () => statePath('ca', 'ca.crt'),
};

export const defaultScenarios = path.join(repoRoot, 'lab', 'scenarios.csv');

/** Node command line running one of the lab's TypeScript/compiled modules as its own process. */
export function nodeModuleCommand(moduleUrl: URL, args: string[]): string[] {
  const file = fileURLToPath(moduleUrl);
  return fromSources ? [process.execPath, '--import', 'tsx', file, ...args] : [process.execPath, file, ...args];
}

/** Files that belong to this namespace under /etc/netns (ip netns exec bind-mounts them over /etc). */
export function netnsEtc(ns: string): string {
  return path.join('/etc/netns', ns);
}
