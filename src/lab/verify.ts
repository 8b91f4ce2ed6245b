// `lab verify`: proves, with dig/curl/openssl run in the client and world namespaces, that every
// scenario behaves as declared. The probe is judged against this ground truth, so it is proven here.
import { readFileSync } from 'node:fs';
import pLimit from 'p-limit';
import { ADDR, CONTROL_PORT, NEUTRAL_NAME, NS, SLOW_SITE_MS } from './topology.js';
import { isGeo, isHostile, loadScenarios, type Scenario } from './scenarios.js';
import { readEndpoints, type LabEndpoints } from './endpoints.js';
import { BLOCKPAGE_TITLE, PATH_REDIRECT_LOCATION, VODAFONE_LOCATION } from './web-config.js';
import { curl, dig, handshake, type CurlResult, type Outcome } from './probes.js';
import { inNs, run } from './shell.js';
import { isAlive } from './processes.js';
import { rootCpLinks } from './down.js';

export interface VerifyResult {
  name: string;
  ok: boolean;
  detail: string;
}

type Check = { name: string; run: () => Promise<{ ok: boolean; detail: string }> };

const pass = (detail: string) => ({ ok: true, detail });
const fail = (detail: string) => ({ ok: false, detail });
const judge = (ok: boolean, detail: string) => ({ ok, detail });

const hasTitle = (body: string, title: string) => body.includes(`<title>${title}</title>`);
const describe = (c: CurlResult) => `${c.outcome} ${c.code}${c.location ? ` -> ${c.location}` : ''}${c.error ? ` (${c.error.slice(0, 120)})` : ''}`;

const IP_OUTCOME: Record<string, Outcome> = { drop: 'timeout', reset: 'refused', unreachable: 'unreachable' };
const SNI_OUTCOME: Record<string, Outcome> = { sni_reset: 'reset', sni_drop: 'timeout' };

function dnsChecks(s: Scenario): Check[] {
  const checks: Check[] = [];
  checks.push({
    name: `${s.host}: ISP resolver ${s.dns}`,
    run: async () => {
      const d = await dig(NS.client, ADDR.ispResolver, s.host);
      const got = `${d.status ?? 'no reply'} [${d.answer.join(' ')}]${d.additional.length ? ` additional [${d.additional.join(' ')}]` : ''}`;
      const answerIs = (ip: string | null) => d.status === 'NOERROR' && d.answer.length === 1 && d.answer[0] === ip;
      switch (s.dns) {
        case 'truth':
          return s.world === 'nowhere' ? judge(d.status === 'NXDOMAIN', got) : judge(answerIs(s.siteIp), got);
        case 'cdn':
          return judge(answerIs(s.cdnIp) && s.cdnIp !== s.siteIp, got);
        case 'nxdomain':
          return judge(d.status === 'NXDOMAIN', got);
        case 'refused':
          return judge(d.status === 'REFUSED', got);
        case 'servfail':
          return judge(d.status === 'SERVFAIL', got);
        case 'timeout':
          return judge(d.status === null, got);
        case 'no_answer':
          return judge(d.status === 'NOERROR' && d.answer.length === 0 && d.additional.length === 0, got);
        case '0.0.0.0':
        case '127.0.0.1':
          return judge(answerIs(s.dns), got);
        case 'blockpage':
          return judge(answerIs(ADDR.blockpage), got);
        case 'blockpage_additional':
          return judge(d.status === 'NOERROR' && d.answer.length === 0 && d.additional.includes(ADDR.blockpage), got);
        case 'malformed_loop':
        case 'malformed_truncated':
        case 'malformed_label':
          // dig cannot parse the reply either: no usable address comes out of it.
          return judge(d.answer.length === 0 || !d.answer.includes(s.siteIp ?? ''), got);
      }
    },
  });
  checks.push({
    name: `${s.host}: truthful resolver abroad`,
    run: async () => {
      const d = await dig(NS.world, ADDR.truthResolver, s.host);
      const got = `${d.status ?? 'no reply'} [${d.answer.join(' ')}]`;
      return s.world === 'nowhere' ? judge(d.status === 'NXDOMAIN', got) : judge(d.status === 'NOERROR' && d.answer[0] === s.siteIp, got);
    },
  });
  return checks;
}

/** What the world itself shows (from cp-world, where no ISP filter applies). */
function worldChecks(s: Scenario, ca: string): Check[] {
  if (!s.siteIp || s.world === 'nowhere') return [];
  const ip = s.siteIp;
  const https = `https://${s.host}/`;
  switch (s.world) {
    case 'site':
      return [{ name: `${s.host}: the site answers abroad`, run: async () => {
        const c = await curl(NS.world, https, { ip, ca });
        return judge(c.code === 200 && hasTitle(c.body, s.host_unicode), describe(c));
      } }];
    case 'slow':
      return [{ name: `${s.host}: the site is slow but answers`, run: async () => {
        const c = await curl(NS.world, https, { ip, ca, maxTime: 10 });
        return judge(c.code === 200 && c.ms >= SLOW_SITE_MS * 0.9, `${describe(c)} in ${Math.round(c.ms)} ms`);
      } }];
    case 'https_redirect':
      return [{ name: `${s.host}: http redirects to https`, run: async () => {
        const h = await curl(NS.world, `http://${s.host}/`, { ip, ca });
        const t = await curl(NS.world, https, { ip, ca });
        return judge(h.code === 301 && h.location === https && t.code === 200, `http ${describe(h)}; https ${describe(t)}`);
      } }];
    case 'closed':
      return [{ name: `${s.host}: the IP is up, nothing listens`, run: async () => {
        const c = await curl(NS.world, https, { ip, ca });
        const h = await curl(NS.world, `http://${s.host}/`, { ip, ca });
        return judge(c.outcome === 'refused' && h.outcome === 'refused', `https ${describe(c)}; http ${describe(h)}`);
      } }];
    case 'gone':
      return [{ name: `${s.host}: the host is gone abroad too`, run: async () => {
        const c = await curl(NS.world, https, { ip, ca });
        return judge(c.outcome === 'timeout', describe(c));
      } }];
  }
  const listed = new URL(s.input).href;
  if (isGeo(s.world)) {
    return [{ name: `${s.host}: the site serves visitors abroad`, run: async () => {
      const c = await curl(NS.world, listed, { ip, ca });
      return judge(c.code === 200 && hasTitle(c.body, s.host_unicode), describe(c));
    } }];
  }
  if (isHostile(s.world)) {
    return [{ name: `${s.host}: broken abroad too (${s.world})`, run: async () => {
      const c = await curl(NS.world, listed, { ip, ca, maxTime: 4 });
      const broken = s.world === 'redirect_loop' ? c.code === 302 : !(c.code === 200 && hasTitle(c.body, s.host_unicode));
      return judge(broken, describe(c));
    } }];
  }
  return [];
}

/** What the client sees, layer by layer. */
function clientChecks(s: Scenario, all: readonly Scenario[], ca: string): Check[] {
  const checks: Check[] = [];
  const ip = s.siteIp;
  if (!ip || s.world === 'nowhere') return checks;
  const sibling = all.find((o) => o !== s && o.share && o.share === s.share && !o.dpi && !o.url && !o.ip);
  const innocent = sibling?.host ?? 'innocuous.lab';
  const listed = s.input.startsWith('http') ? new URL(s.input).href : `http://${s.host}${s.path}`;
  const add = (name: string, fn: Check['run']) => checks.push({ name: `${s.host}: ${name}`, run: fn });

  if (s.ip) {
    add(`IP ${s.ip} at the ISP`, async () => {
      const c = await curl(NS.client, `http://${s.host}/`, { ip, ca });
      return judge(c.outcome === IP_OUTCOME[s.ip as string], describe(c));
    });
  } else if (s.world === 'closed') {
    add('nothing listens (seen from the client)', async () => {
      const c = await curl(NS.client, `https://${s.host}/`, { ip, ca });
      return judge(c.outcome === 'refused', describe(c));
    });
  } else if (s.world === 'gone') {
    add('gone (seen from the client)', async () => {
      const c = await curl(NS.client, `https://${s.host}/`, { ip, ca });
      return judge(c.outcome === 'timeout', describe(c));
    });
  }

  if (s.dpi === 'sni_reset' || s.dpi === 'sni_drop') {
    const want = SNI_OUTCOME[s.dpi];
    add(`SNI ${s.dpi} on its IP`, async () => {
      const c = await curl(NS.client, `https://${s.host}/`, { ip, ca });
      return judge(c.outcome === want, describe(c));
    });
    add(`handshake with ${innocent} on the same IP completes`, async () => {
      const h = await handshake(NS.client, ip, innocent, ca);
      return judge(h.established, h.detail);
    });
    add('the same SNI is blocked on the neutral IP', async () => {
      const c = await curl(NS.client, `https://${s.host}/`, { ip: ADDR.neutral, ca });
      return judge(c.outcome === want, describe(c));
    });
  }
  if (s.dpi === 'host_reset' || s.dpi?.startsWith('proxy_')) {
    const reacts = (c: CurlResult) =>
      s.dpi === 'host_reset'
        ? c.outcome === 'reset'
        : s.dpi === 'proxy_blockpage'
          ? c.code === 200 && hasTitle(c.body, BLOCKPAGE_TITLE)
          : s.dpi === 'proxy_redirect'
            ? c.code === 301 && c.location === VODAFONE_LOCATION
            : c.code === (s.dpi === 'proxy_page_200' ? 200 : 403) && !hasTitle(c.body, s.host_unicode);
    add(`Host ${s.dpi} on its IP`, async () => {
      const c = await curl(NS.client, `http://${s.host}/`, { ip, ca });
      return judge(reacts(c), describe(c));
    });
    add(`Host ${innocent} on the same IP gets the server's own answer`, async () => {
      const c = await curl(NS.client, `http://${innocent}/`, { ip, ca });
      const real = sibling ? c.code === 200 && hasTitle(c.body, sibling.host_unicode) : c.code === 404;
      return judge(real, describe(c));
    });
    add('the same Host is blocked on the neutral IP', async () => {
      const c = await curl(NS.client, `http://${s.host}/`, { ip: ADDR.neutral, ca });
      return judge(reacts(c), describe(c));
    });
  }
  if (s.url) {
    add(`the listed URL is ${s.url === 'path_reset' ? 'reset' : s.url === 'path_redirect' ? 'redirected' : 'answered by the proxy'}`, async () => {
      const c = await curl(NS.client, listed, { ip, ca });
      const reacted =
        s.url === 'path_reset'
          ? c.outcome === 'reset'
          : s.url === 'path_redirect'
            ? c.code === 301 && c.location === PATH_REDIRECT_LOCATION
            : c.code === (s.url === 'path_page_200' ? 200 : 403) && !hasTitle(c.body, s.host_unicode);
      return judge(reacted, describe(c));
    });
    add('the rest of the site is fine', async () => {
      const c = await curl(NS.client, `http://${s.host}/`, { ip, ca });
      return judge(c.code === 200 && hasTitle(c.body, s.host_unicode), describe(c));
    });
  }
  if (isGeo(s.world)) {
    const code = s.world === 'geo_redirect' ? 302 : s.world === 'geo_451' ? 451 : 403;
    add(`the site refuses the client's network (${code})`, async () => {
      const c = await curl(NS.client, listed, { ip, ca });
      return judge(c.code === code, describe(c));
    });
  }
  if (s.dns === 'cdn' && s.cdnIp) {
    const cdn = s.cdnIp;
    add('the ISP\'s CDN address serves a valid certificate', async () => {
      const h = await handshake(NS.client, cdn, s.host, ca);
      return judge(h.established && h.verified, h.detail);
    });
  }
  if (!s.ip && !s.dpi && !s.url && (s.world === 'site' || s.world === 'slow' || s.world === 'https_redirect')) {
    if (s.dns === 'truth' || s.dns === 'cdn') {
      // Through the client's own resolver (resolv.conf points at the ISP): the site is reachable.
      add('reachable through the ISP', async () => {
        const c = await curl(NS.client, listed, { ca, maxTime: 10 });
        const ok = s.world === 'https_redirect' ? c.code === 301 && c.location === `https://${s.host}/` : c.code === 200 && hasTitle(c.body, s.host_unicode);
        return judge(ok, describe(c));
      });
    } else {
      // A DNS-only block: the true address still works from the client.
      add('only DNS is blocked: the true IP answers', async () => {
        const c = await curl(NS.client, `https://${s.host}/`, { ip, ca, maxTime: 10 });
        return judge(c.code === 200 && hasTitle(c.body, s.host_unicode), describe(c));
      });
    }
  }
  return checks;
}

function globalChecks(e: LabEndpoints): Check[] {
  const ca = e.ca_file;
  const doh = (url: string): Check => ({
    name: `DoH ${url} (certificate from the lab CA)`,
    run: async () => {
      const server = new URL(url).hostname;
      const d = await dig(NS.client, server, NEUTRAL_NAME, ['+https', `+tls-ca=${ca}`]);
      return judge(d.answer[0] === ADDR.neutral && /\(HTTPS\)/.test(d.raw), `${d.status ?? 'no reply'} [${d.answer.join(' ')}]`);
    },
  });
  return [
    { name: 'no route out of the lab (ISP has no default route)', run: async () => {
      const r = await run('ip', ['-n', NS.isp, 'route', 'get', '192.0.2.1']);
      return judge(r.code !== 0, (r.stderr || r.stdout).trim());
    } },
    { name: 'no cp* veth in the root namespace', run: async () => {
      const links = await rootCpLinks();
      return judge(links.length === 0, links.join(' ') || 'none');
    } },
    { name: 'client resolv.conf points at the ISP resolver', run: async () => {
      const r = await inNs(NS.client, ['cat', '/etc/resolv.conf']);
      return judge(r.stdout.includes(`nameserver ${ADDR.ispResolver}`), r.stdout.trim().split('\n').pop() ?? '');
    } },
    doh(e.doh_url),
    doh(e.slow_doh_url),
    { name: 'truthful resolver over TCP', run: async () => {
      const d = await dig(NS.world, ADDR.truthResolver, NEUTRAL_NAME, ['+tcp']);
      return judge(d.answer[0] === ADDR.neutral, `${d.status} [${d.answer.join(' ')}]`);
    } },
    { name: `port-53 interception ${e.intercept ? 'on' : 'off'} (query to ${ADDR.noResolver})`, run: async () => {
      const d = await dig(NS.client, ADDR.noResolver, NEUTRAL_NAME);
      const answered = d.answer[0] === ADDR.neutral;
      return judge(answered === e.intercept, d.status ? `${d.status} [${d.answer.join(' ')}]` : 'no reply');
    } },
    { name: 'blockpage server: OTE-style page over HTTP', run: async () => {
      const c = await curl(NS.client, `http://${ADDR.blockpage}/`, { ca });
      return judge(c.code === 200 && hasTitle(c.body, BLOCKPAGE_TITLE), describe(c));
    } },
    { name: 'blockpage server: HTTPS with a certificate not from the lab CA', run: async () => {
      const h = await handshake(NS.client, ADDR.blockpage, 'eeep.isp.lab', ca);
      return judge(h.established && !h.verified, h.detail);
    } },
    { name: 'control helper', run: async () => {
      const pid = e.pids.control;
      if (pid === undefined) return pass('not started: the CLI has no `control` command yet');
      if (!isAlive(pid)) return fail(`control helper (pid ${pid}) is not running`);
      const c = await curl(NS.client, `http://${ADDR.control}:${CONTROL_PORT}/`, { ca });
      return judge(c.code > 0, describe(c));
    } },
  ];
}

export async function labVerify(): Promise<VerifyResult[]> {
  const e = readEndpoints();
  const scenarios = loadScenarios(e.scenarios);
  // The CA must be the one the endpoints name (a stale endpoints file would make every TLS check lie).
  readFileSync(e.ca_file);
  const checks: Check[] = [...globalChecks(e)];
  for (const s of scenarios) checks.push(...dnsChecks(s), ...worldChecks(s, e.ca_file), ...clientChecks(s, scenarios, e.ca_file));
  const limit = pLimit(16);
  return Promise.all(
    checks.map((c) =>
      limit(async () => {
        try {
          const r = await c.run();
          return { name: c.name, ...r };
        } catch (err) {
          return { name: c.name, ok: false, detail: err instanceof Error ? err.message : String(err) };
        }
      }),
    ),
  );
}
