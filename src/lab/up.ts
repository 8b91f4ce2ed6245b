// Bringing the lab up: namespaces and links, CA and certificates, resolvers, websites, the ISP's
// packet filter and proxy, the control helper; then the endpoints and ground truth for the tests.
import { mkdirSync, rmSync, writeFileSync, existsSync, readFileSync, linkSync } from 'node:fs';
import path from 'node:path';
import { ADDR, ALL_NS, CONTROL_PORT, DELAY_MS, NEUTRAL_NAME, NS, ONLY_NETS, SLOW_SITE_MS, UNBOUND_PORT, topologyBatches } from './topology.js';
import { defaultScenarios, files, netnsEtc, nodeModuleCommand, repoRoot, stateDir, statePath } from './paths.js';
import { groundTruth, isGeo, isHostile, listCsv, loadScenarios, worldSiteIps, type Scenario } from './scenarios.js';
import { makeCa, makeExpiredLeaf, makeLeaf, makeLeaves, makeSelfSigned, type CertPair } from './certs.js';
import { ispPython, ispUnbound, worldUnbound } from './dns-config.js';
import { blockpageHtml, geoHtml, ispNginx, neutralHtml, PATH_REDIRECT_LOCATION, siteHtml, sizedSiteHtml, unknownIspPage, VODAFONE_LOCATION, worldNginx } from './web-config.js';
import { ispRuleset, proxyPorts } from './firewall.js';
import { inNs, must } from './shell.js';
import { isAlive, readPids, startInNs, type TrackedProcess } from './processes.js';
import { startControl } from './control.js';
import { labDown } from './down.js';
import { preflight } from './preflight.js';
import { median, type LabEndpoints } from './endpoints.js';
import { LabStartError } from './errors.js';
import type { ServicesConfig } from './services/main.js';
import type { ProxyConfig } from './services/transparent-proxy.js';
import type { HostileKind } from './services/hostile-site.js';

export interface LabUpOptions {
  scenarios?: string;
  intercept?: boolean;
  /** The control helper's per-client rate (requests/s, also its burst); default: the helper's own. */
  controlRate?: number;
}

const STATE_ENTRIES = ['ca', 'certs', 'conf', 'www', 'logs', 'run', 'tmp', 'endpoints.json', 'ground-truth.json', 'list.csv', 'pids.json'];

function freshStateDir(): void {
  mkdirSync(stateDir(), { recursive: true });
  // Only the lab's own entries: CP_LAB_DIR may point at a directory holding other things.
  for (const e of STATE_ENTRIES) rmSync(statePath(e), { recursive: true, force: true });
  for (const d of ['conf', 'www', 'logs', 'run', 'tmp/nginx-world', 'tmp/nginx-isp']) mkdirSync(statePath(d), { recursive: true });
}

async function buildTopology(scenarios: readonly Scenario[]): Promise<void> {
  const b = topologyBatches(worldSiteIps(scenarios));
  await must('ip', ['-batch', '-'], { input: `${b.root.join('\n')}\n` });
  await Promise.all([
    must('ip', ['-n', NS.client, '-batch', '-'], { input: `${b.client.join('\n')}\n` }),
    must('ip', ['-n', NS.isp, '-batch', '-'], { input: `${b.isp.join('\n')}\n` }),
    must('ip', ['-n', NS.world, '-batch', '-'], { input: `${b.world.join('\n')}\n` }),
  ]);
  // ISP and world route; ICMP errors unthrottled so every rejected packet gets its unreachable.
  await must('ip', ['netns', 'exec', NS.isp, 'sysctl', '-qw', 'net.ipv4.ip_forward=1', 'net.ipv4.icmp_ratelimit=0']);
  await must('ip', ['netns', 'exec', NS.world, 'sysctl', '-qw', 'net.ipv4.ip_forward=1', 'net.ipv4.icmp_ratelimit=0']);
  const resolvers: Record<string, string> = { [NS.client]: ADDR.ispResolver, [NS.isp]: ADDR.ispResolver, [NS.world]: ADDR.truthResolver };
  for (const ns of ALL_NS) {
    mkdirSync(netnsEtc(ns), { recursive: true });
    writeFileSync(path.join(netnsEtc(ns), 'resolv.conf'), `# censorprobe lab\nnameserver ${resolvers[ns]}\noptions timeout:2 attempts:1\n`);
  }
}

interface Certs {
  ca: CertPair;
  leaves: Map<string, CertPair>;
  blockpage: CertPair;
}

/** Up to this many served hosts each get a certificate of their own. */
const OWN_CERT_MAX_HOSTS = 500;
/** Beyond it (a whole-list benchmark), hosts on one address share certificates of this many names:
 * 15,000 openssl runs and as many certificates loaded by nginx would make `up` take minutes. */
const NAMES_PER_SHARED_CERT = 100;

/** Certificate requests for the served hosts: labels are host names, or `group-N` for shared ones. */
export function leafRequests(scenarios: readonly Scenario[]): { label: string; names: string[]; hosts: string[] }[] {
  const served = scenarios.filter((s) => s.world === 'site' || s.world === 'https_redirect' || s.world === 'slow' || isGeo(s.world) || isHostile(s.world));
  if (served.length <= OWN_CERT_MAX_HOSTS) {
    // Refusing and broken sites share one certificate (one openssl run instead of dozens at `up`).
    const own = served.filter((s) => !isGeo(s.world) && !isHostile(s.world));
    const shared = served.filter((s) => isGeo(s.world) || isHostile(s.world)).map((s) => s.host);
    return [
      ...own.map((s) => ({ label: s.host, names: [s.host], hosts: [s.host] })),
      ...(shared.length ? [{ label: 'group-refusing-broken', names: shared, hosts: shared }] : []),
    ];
  }
  // Grouped by address (and by CDN copy) so that nginx can serve a group from one server block.
  const byIp = new Map<string, string[]>();
  for (const s of served) {
    const key = `${s.siteIp ?? ''}|${s.cdnIp ?? ''}|${s.world}`;
    byIp.set(key, [...(byIp.get(key) ?? []), s.host]);
  }
  const out: { label: string; names: string[]; hosts: string[] }[] = [];
  for (const hosts of byIp.values()) {
    for (let i = 0; i < hosts.length; i += NAMES_PER_SHARED_CERT) {
      const chunk = hosts.slice(i, i + NAMES_PER_SHARED_CERT);
      out.push({ label: chunk.length === 1 ? (chunk[0] as string) : `group-${out.length}`, names: chunk, hosts: chunk });
    }
  }
  return out;
}

async function buildCerts(scenarios: readonly Scenario[]): Promise<Certs> {
  const ca = await makeCa();
  const requests = leafRequests(scenarios);
  const [leaves, blockpage] = await Promise.all([
    makeLeaves(ca, [
      ...requests.map((r) => ({ label: r.label, names: r.names })),
      { label: NEUTRAL_NAME, names: [NEUTRAL_NAME] },
      { label: 'default', names: ['default.invalid'] },
      { label: 'doh', names: ['dns.lab'], ips: [ADDR.truthResolver, ADDR.slowResolver] },
    ]),
    makeSelfSigned('blockpage', 'eeep.isp.lab', ADDR.blockpage),
  ]);
  // Callers look certificates up by host name.
  for (const r of requests) for (const h of r.hosts) leaves.set(h, leaves.get(r.label) as CertPair);
  // Sites broken everywhere by their certificate: expired, self-signed, or for another name.
  await Promise.all(
    scenarios.map(async (s) => {
      if (s.world === 'cert_expired') leaves.set(s.host, await makeExpiredLeaf(ca, `expired-${s.host}`, s.host));
      if (s.world === 'cert_self_signed') leaves.set(s.host, await makeSelfSigned(`self-${s.host}`, s.host, s.siteIp ?? ADDR.neutral));
      if (s.world === 'cert_wrong_name') leaves.set(s.host, await makeLeaf(ca, `wrong-${s.host}`, [`wrong-name-${s.host.length}.invalid`]));
    }),
  );
  return { ca, leaves, blockpage };
}

function writeSites(scenarios: readonly Scenario[]): Map<string, string> {
  const roots = new Map<string, string>();
  const write = (host: string, html: string) => {
    const dir = statePath('www', host);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'index.html'), html);
    roots.set(host, dir);
  };
  // Sized pages (a benchmark's): one file per category and size, hard-linked into each host's root,
  // so 15,000 hosts of 8-256 KB pages cost a few MB of disk and no time.
  const sized = new Map<string, string>();
  const link = (host: string, category: string, bytes: number) => {
    const key = `${category === 'GMB' ? 'GMB' : 'other'}-${bytes}`;
    let file = sized.get(key);
    if (!file) {
      file = statePath('www', '.sized', `${key}.html`);
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, sizedSiteHtml(category, bytes));
      sized.set(key, file);
    }
    const dir = statePath('www', host);
    mkdirSync(dir, { recursive: true });
    linkSync(file, path.join(dir, 'index.html'));
    roots.set(host, dir);
  };
  let geo = 0;
  for (const s of scenarios) {
    if (!s.siteIp || s.world === 'gone') continue;
    if (s.pageBytes !== null) {
      link(s.host, s.category_code, s.pageBytes);
      continue;
    }
    write(s.host, siteHtml(s));
    if (isGeo(s.world)) {
      const pages = geoHtml(s, geo++);
      writeFileSync(path.join(statePath('www', s.host), 'geo.html'), pages.refusal);
      writeFileSync(path.join(statePath('www', s.host), 'restricted.html'), pages.restricted);
    }
  }
  write(NEUTRAL_NAME, neutralHtml());
  mkdirSync(statePath('www', 'isp'), { recursive: true });
  writeFileSync(statePath('www', 'isp', 'blockpage.html'), blockpageHtml());
  mkdirSync(statePath('www', 'isp', 'ups'), { recursive: true });
  writeFileSync(statePath('www', 'isp', 'ups', 'no_access_gambling.htm'), blockpageHtml());
  return roots;
}

function servicesConfigs(scenarios: readonly Scenario[], certs: Certs): { isp: ServicesConfig; world: ServicesConfig } {
  const upstream = { host: '127.0.0.1', port: UNBOUND_PORT };
  const doh = certs.leaves.get('doh') as CertPair;
  const hosts: ProxyConfig['hosts'] = {};
  let unknown = 0;
  for (const s of scenarios) {
    if (s.dpi === 'proxy_blockpage') hosts[s.host] = { kind: 'blockpage' };
    if (s.dpi === 'proxy_redirect') hosts[s.host] = { kind: 'redirect', location: VODAFONE_LOCATION };
    if (s.dpi === 'proxy_page_200' || s.dpi === 'proxy_page_403') {
      const status = s.dpi === 'proxy_page_200' ? 200 : 403;
      hosts[s.host] = { kind: 'page', status, body: unknownIspPage(unknown++, status) };
    }
  }
  const pagePaths = scenarios
    .filter((s) => s.url === 'path_page_200' || s.url === 'path_page_403')
    .map((s) => {
      const status = s.url === 'path_page_200' ? 200 : 403;
      return { host: s.host, path: s.path, status, body: unknownIspPage(unknown++, status) };
    });
  const malformed = Object.fromEntries(
    scenarios.filter((s) => s.dns.startsWith('malformed_')).map((s) => [s.host.toLowerCase(), s.dns as 'malformed_loop' | 'malformed_truncated' | 'malformed_label']),
  );
  const ports = proxyPorts(scenarios);
  return {
    isp: {
      readyFile: statePath('run', 'services-isp.ready'),
      dnsFronts: [{ name: 'isp', listen: ADDR.ispResolver, port: 53, upstream, delayMs: DELAY_MS.isp, malformed }],
      proxy: ports.length
        ? {
            listen: '0.0.0.0',
            ports,
            hosts,
            paths: [...scenarios.filter((s) => s.url === 'path_redirect').map((s) => ({ host: s.host, path: s.path, location: PATH_REDIRECT_LOCATION })), ...pagePaths],
            blockpageFile: statePath('www', 'isp', 'blockpage.html'),
          }
        : null,
      slowSites: [],
    },
    world: {
      readyFile: statePath('run', 'services-world.ready'),
      dnsFronts: [
        { name: 'truth', listen: ADDR.truthResolver, port: 53, upstream, delayMs: DELAY_MS.truth, doh: { ...doh, port: 443 } },
        { name: 'slow', listen: ADDR.slowResolver, port: 53, upstream, delayMs: DELAY_MS.slow, doh: { ...doh, port: 443 } },
      ],
      proxy: null,
      slowSites: scenarios
        .filter((s) => s.world === 'slow' && s.siteIp)
        .map((s) => ({ ip: s.siteIp as string, host: s.host, delayMs: SLOW_SITE_MS, ...(certs.leaves.get(s.host) as CertPair), html: siteHtml(s) })),
      hostileSites: scenarios
        .filter((s) => isHostile(s.world) && s.siteIp)
        .map((s) => ({ ip: s.siteIp as string, host: s.host, kind: s.world as HostileKind, ...(certs.leaves.get(s.host) as CertPair), html: siteHtml(s) })),
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function logTail(p: TrackedProcess): string {
  try {
    return readFileSync(p.log, 'utf8').trim().split('\n').slice(-5).join(' | ');
  } catch {
    return '';
  }
}

/** Waits until every service answers, failing early (with its log) when a process dies. */
async function waitReady(procs: readonly TrackedProcess[], readyFiles: readonly string[], deadlineMs: number): Promise<void> {
  const probe = [
    `dig +time=1 +tries=1 +short @${ADDR.ispResolver} ${NEUTRAL_NAME} A | grep -q ${ADDR.neutral}`,
    `dig +time=1 +tries=1 +short @${ADDR.truthResolver} ${NEUTRAL_NAME} A | grep -q ${ADDR.neutral}`,
    `dig +time=1 +tries=1 +short @${ADDR.slowResolver} ${NEUTRAL_NAME} A | grep -q ${ADDR.neutral}`,
    `curl -s -o /dev/null --max-time 2 http://${ADDR.neutral}/`,
    `curl -s -o /dev/null --max-time 2 http://${ADDR.blockpage}/`,
  ].join(' && ');
  const until = Date.now() + deadlineMs;
  for (;;) {
    const dead = procs.filter((p) => !isAlive(p.pid));
    if (dead.length) {
      throw new LabStartError(`lab process(es) exited at start: ${dead.map((p) => `${p.name} (${logTail(p)})`).join('; ')}`);
    }
    if (readyFiles.every((f) => existsSync(f))) {
      const r = await inNs(NS.client, ['sh', '-c', probe], { timeoutMs: 8000 });
      if (r.code === 0) return;
    }
    if (Date.now() > until) throw new LabStartError(`the lab's services did not answer within ${deadlineMs / 1000} s (logs in ${statePath('logs')})`);
    await sleep(100);
  }
}

/** Calibrates reply times from the client (median of LATENCY_SAMPLES per resolver, connection
 * setup excluded): configured delays plus the lab's own path and process overhead. */
async function calibrateLatency(ca: string, foreign: readonly { spec: string; ms: number }[], intercept: boolean): Promise<LabEndpoints['latency']> {
  const ispSpec = `udp://${ADDR.ispResolver}:53`;
  const probe = new URL(`./services/latency-probe${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);
  const specs = [ispSpec, ...foreign.map((f) => f.spec)];
  const r = await must('ip', ['netns', 'exec', NS.client, ...nodeModuleCommand(probe, [String(LATENCY_SAMPLES), ca, ...specs])], { timeoutMs: 30_000, cwd: repoRoot });
  const samples = JSON.parse(r.stdout) as Record<string, number[]>;
  const med = (spec: string) => Math.round(median(samples[spec] ?? []) * 100) / 100;
  const isp = med(ispSpec);
  const foreignMs = Object.fromEntries(foreign.map((f) => [f.spec, med(f.spec)]));
  return {
    isp_ms: isp,
    foreign_ms: foreignMs,
    // Under interception port-53 "foreign" resolvers are answered by the ISP: only DoH escapes.
    expected_penalty: Math.round((median(foreign.filter((f) => !intercept || f.spec.startsWith('https:')).map((f) => foreignMs[f.spec] ?? 0)) / isp) * 100) / 100,
    delay_ms: { isp: DELAY_MS.isp, ...Object.fromEntries(foreign.map((f) => [f.spec, f.ms])) },
    samples: LATENCY_SAMPLES,
  };
}

const LATENCY_SAMPLES = 21;

export function foreignSpecs(): { spec: string; ms: number }[] {
  return [
    { spec: `https://${ADDR.truthResolver}/dns-query`, ms: DELAY_MS.truth },
    { spec: `udp://${ADDR.truthResolver}:53`, ms: DELAY_MS.truth },
    { spec: `tcp://${ADDR.truthResolver}:53`, ms: DELAY_MS.truth },
    { spec: `udp://${ADDR.slowResolver}:53`, ms: DELAY_MS.slow },
    { spec: `tcp://${ADDR.slowResolver}:53`, ms: DELAY_MS.slow },
    { spec: `https://${ADDR.slowResolver}/dns-query`, ms: DELAY_MS.slow },
  ];
}

export async function labUp(opts: LabUpOptions = {}): Promise<LabEndpoints> {
  const t0 = performance.now();
  preflight();
  const scenarioFile = path.resolve(opts.scenarios ?? defaultScenarios);
  const scenarios = loadScenarios(scenarioFile);
  await labDown();
  freshStateDir();
  try {
    const [, certs] = await Promise.all([buildTopology(scenarios), buildCerts(scenarios)]);
    const roots = writeSites(scenarios);
    const conf = (name: string, text: string) => {
      const file = statePath('conf', name);
      writeFileSync(file, text);
      return file;
    };
    const pyFile = conf('isp-lies.py', ispPython(scenarios));
    const ispUb = conf('unbound-isp.conf', ispUnbound(scenarios, stateDir(), statePath('logs', 'unbound-isp.log'), pyFile));
    const worldUb = conf('unbound-world.conf', worldUnbound(scenarios, stateDir(), statePath('logs', 'unbound-world.log')));
    const ispWeb = conf('nginx-isp.conf', ispNginx(stateDir(), statePath('www', 'isp'), certs.blockpage));
    const worldWeb = conf(
      'nginx-world.conf',
      worldNginx({ state: stateDir(), scenarios, certs: certs.leaves, defaultCert: certs.leaves.get('default') as CertPair, roots }),
    );
    const services = servicesConfigs(scenarios, certs);
    const ispSvc = conf('services-isp.json', JSON.stringify(services.isp, null, 2));
    const worldSvc = conf('services-world.json', JSON.stringify(services.world, null, 2));
    const rules = ispRuleset(scenarios, { intercept: !!opts.intercept });
    conf('iptables-isp.rules', rules);
    await must('ip', ['netns', 'exec', NS.isp, 'iptables-restore'], { input: rules });

    // unbound's embedded python must find Debian's modules whatever python the caller's PATH has.
    const pyEnv = { ...process.env, PYTHONPATH: '/usr/lib/python3/dist-packages', PYTHONHOME: undefined };
    const servicesMain = new URL(`./services/main${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);
    const procs: TrackedProcess[] = [
      startInNs('unbound-isp', NS.isp, ['unbound', '-d', '-c', ispUb], pyEnv),
      startInNs('unbound-world', NS.world, ['unbound', '-d', '-c', worldUb]),
      startInNs('nginx-isp', NS.isp, ['nginx', '-c', ispWeb, '-e', 'stderr', '-g', 'daemon off;']),
      startInNs('nginx-world', NS.world, ['nginx', '-c', worldWeb, '-e', 'stderr', '-g', 'daemon off;']),
      startInNs('services-isp', NS.isp, nodeModuleCommand(servicesMain, [ispSvc])),
      startInNs('services-world', NS.world, nodeModuleCommand(servicesMain, [worldSvc])),
    ];
    const controlStart = startControl(opts.controlRate);
    // nginx loading thousands of vhosts (a whole-list benchmark) takes longer than the default lab.
    await waitReady(procs, [services.isp.readyFile, services.world.readyFile], 15_000 + scenarios.length);
    const foreign = foreignSpecs();
    // Calibrate on a quiet machine: not while the control helper's process is still starting.
    const control = await controlStart;
    const latency = await calibrateLatency(certs.ca.cert, foreign, !!opts.intercept);

    writeFileSync(files.list(), listCsv(scenarios, new Date().toISOString().slice(0, 10)));
    writeFileSync(files.groundTruth(), `${JSON.stringify(scenarios.map(groundTruth), null, 2)}\n`);
    const endpoints: LabEndpoints = {
      namespaces: { ...NS },
      only_nets: ONLY_NETS,
      isp_resolver: `${ADDR.ispResolver}:53`,
      foreign: foreign.map((f) => f.spec),
      doh_url: `https://${ADDR.truthResolver}/dns-query`,
      slow_doh_url: `https://${ADDR.slowResolver}/dns-query`,
      control_url: `http://${ADDR.control}:${CONTROL_PORT}`,
      control_running: control !== null && isAlive(control.pid),
      ca_file: certs.ca.cert,
      neutral_ip: ADDR.neutral,
      neutral_host: NEUTRAL_NAME,
      no_resolver_ip: ADDR.noResolver,
      blockpage_ip: ADDR.blockpage,
      intercept: !!opts.intercept,
      list: files.list(),
      ground_truth: files.groundTruth(),
      scenarios: scenarioFile,
      latency,
      pids: Object.fromEntries(readPids().map((p) => [p.name, p.pid])),
      state_dir: stateDir(),
      started_at: new Date().toISOString(),
      up_ms: Math.round(performance.now() - t0),
    };
    writeFileSync(files.endpoints(), `${JSON.stringify(endpoints, null, 2)}\n`);
    return endpoints;
  } catch (err) {
    // Leave nothing half-built behind; the logs stay in the state dir for the error's reader.
    await labDown().catch(() => undefined);
    throw err;
  }
}
