// Entry of a lab services process (one per namespace): starts what its JSON config lists, then
// writes the ready file the lab waits for. Run as `node [--import tsx] main.(ts|js) CONFIG.json`.
import { readFileSync, writeFileSync } from 'node:fs';
import { startDnsFront, type DnsFrontConfig } from './dns-front.js';
import { startProxy, type ProxyConfig } from './transparent-proxy.js';
import { startSlowSite, type SlowSiteConfig } from './slow-site.js';
import { startHostileSite, type HostileSiteConfig } from './hostile-site.js';

export interface ServicesConfig {
  readyFile: string;
  dnsFronts: DnsFrontConfig[];
  proxy: ProxyConfig | null;
  slowSites: SlowSiteConfig[];
  hostileSites?: HostileSiteConfig[];
}

const configFile = process.argv[2];
if (!configFile) {
  console.error('usage: main CONFIG.json');
  process.exit(2);
}
const cfg = JSON.parse(readFileSync(configFile, 'utf8')) as ServicesConfig;
for (const sig of ['SIGTERM', 'SIGINT'] as const) process.on(sig, () => process.exit(0));
try {
  await Promise.all([
    ...cfg.dnsFronts.map(startDnsFront),
    ...(cfg.proxy ? [startProxy(cfg.proxy)] : []),
    ...cfg.slowSites.map(startSlowSite),
    ...(cfg.hostileSites ?? []).map(startHostileSite),
  ]);
  writeFileSync(cfg.readyFile, `${process.pid}\n`);
  console.log(`ready: ${cfg.dnsFronts.length} DNS fronts, proxy ${cfg.proxy ? 'on' : 'off'}, ${cfg.slowSites.length} slow sites`);
} catch (err) {
  console.error(`lab services failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
