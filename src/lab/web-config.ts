// nginx configs for the world's websites and the ISP's blockpage server, and their pages.
import { dirname } from 'node:path';
import { ADDR, NEUTRAL_NAME } from './topology.js';
import type { CertPair } from './certs.js';
import { isGeo, type Scenario } from './scenarios.js';

export const BLOCKPAGE_TITLE = 'Μή Επιτρεπτή Πρόσβαση';
/** Vodafone's 2014 proxy redirect, verbatim (greece.md). */
export const VODAFONE_LOCATION = 'http://1.2.3.50/ups/no_access_gambling.htm';
/** Where the lab's URL-path redirects point: a page on the ISP's own blockpage server. */
export const PATH_REDIRECT_LOCATION = `http://${ADDR.blockpage}/ups/no_access_gambling.htm`;

/** OTE-style blockpage (title, heading and the regulator's strings from greece.md). */
export function blockpageHtml(): string {
  return `<!DOCTYPE html>
<html lang="el"><head><meta charset="utf-8"><title>${BLOCKPAGE_TITLE}</title></head>
<body>
<h1>ΜΗ ΕΠΙΤΡΕΠΤΗ ΠΡΟΣΒΑΣΗ</h1>
<p>Δεν επιτρέπεται η πρόσβαση σε αυτή τη σελίδα: ο ιστότοπος περιλαμβάνεται στον κατάλογο της
Επιτροπής Εποπτείας και Ελέγχου Παιγνίων για μη αδειοδοτημένες υπηρεσίες τυχερών παιγνίων.</p>
<p><a href="https://www.gamingcommission.gov.gr/index.php/forbidden-access-black-list">gamingcommission.gov.gr/index.php/forbidden-access-black-list</a></p>
</body></html>
`;
}

/** A site's own page: distinct per host so bodies and titles can be compared with the control's. */
export function siteHtml(s: Pick<Scenario, 'host' | 'host_unicode' | 'category_code'>): string {
  const what = s.category_code === 'GMB' ? 'Online casino, sports betting and poker' : 'News, culture and more';
  return `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>${s.host_unicode}</title></head>
<body><h1>${s.host_unicode}</h1><p>${what}. Welcome to ${s.host_unicode}, served from the lab's world.</p>
${'<p>Lorem ipsum dolor sit amet, consectetur adipiscing elit.</p>\n'.repeat(8)}</body></html>
`;
}

/** The title of a benchmark's sized page (one page per category and size, shared by its hosts). */
export function sizedSiteTitle(category: string): string {
  return category === 'GMB' ? 'Online casino, sports betting and poker' : 'News, culture and more';
}

/**
 * A page of exactly `bytes` bytes for the benchmark's scenario set, shaped as a real home page: a
 * title in the head, inline script and style, then game tiles and links. Hosts of one size and
 * category share it (the analysis compares a page only with the same host's other fetches and the
 * control's, never across hosts), so `lab up` writes a few dozen files, not 15,000.
 */
export function sizedSiteHtml(category: string, bytes: number): string {
  const title = sizedSiteTitle(category);
  const head = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font-family:sans-serif;margin:0}.tile{display:inline-block;width:180px;margin:6px}</style>
</head>
<body><h1>${title}</h1>
`;
  const tail = '</body></html>\n';
  // The head holds the only non-ASCII text a title may have; everything after it is ASCII.
  const room = bytes - Buffer.byteLength(head) - tail.length;
  const parts: string[] = [];
  let used = 0;
  for (let i = 0; ; i++) {
    const chunk =
      i % 4 === 3
        ? `<script>window.cp=window.cp||[];window.cp.push({slot:${i},odds:${(1 + (i % 97) / 10).toFixed(2)},live:${i % 8 === 3}});</script>\n`
        : `<div class="tile"><a href="/game/${i}"><img src="/img/${i}.webp" alt="Game ${i}"></a><p>Spin ${i}: ${(i * 7919) % 10007} players, jackpot ${(i * 104729) % 1000003} EUR</p></div>\n`;
    if (used + chunk.length > room) break;
    parts.push(chunk);
    used += chunk.length;
  }
  // The last few bytes as a comment (or spaces), so no tag is cut.
  const left = Math.max(0, room - used);
  parts.push(left >= 7 ? `<!--${' '.repeat(left - 7)}-->` : ' '.repeat(left));
  return `${head}${parts.join('')}${tail}`;
}

/** An ISP middlebox's own page that no fingerprint knows, in several languages and looks. */
export function unknownIspPage(index: number, status: number): string {
  const pages = [
    `<!DOCTYPE html><html lang="el"><head><meta charset="utf-8"><title>Ειδοποίηση</title></head><body><p>Η πρόσβαση στον ιστότοπο δεν είναι δυνατή.</p></body></html>\n`,
    `<!DOCTYPE html><html><head><title>Notice</title></head><body><h2>This page cannot be displayed</h2><p>Ref ${status}-${index}</p></body></html>\n`,
    `<!DOCTYPE html><html lang="de"><head><title>Hinweis</title></head><body><p>Diese Seite ist nicht erreichbar.</p></body></html>\n`,
  ];
  return pages[index % pages.length]!;
}

/** The client's network as a geoblocking site sees it: the lab's "Greece" (cp-client's side). */
export const GREECE_NET = '198.18.0.0/24';

/** A site's own refusal page, in the scenario's language (several per kind, so pages differ). */
export function geoHtml(s: Pick<Scenario, 'host' | 'world'>, index: number): { refusal: string; restricted: string } {
  const en = index % 2 === 0;
  const refusal =
    s.world === 'geo_cdn'
      ? `<!DOCTYPE html><html><head><title>Access denied | ${s.host} used a CDN to restrict access</title></head><body><h1>Error 1009</h1><p>Access denied. The owner of this website (${s.host}) has banned the country or region your IP address is in (GR) from accessing this website.</p><p>Ray ID: 8f2c${index}a1b2c3d4</p></body></html>
`
      : s.world === 'geo_451'
        ? en
          ? `<!DOCTYPE html><html><head><title>451 Unavailable For Legal Reasons</title></head><body><h1>Unavailable in your country</h1><p>Due to legal restrictions, ${s.host} does not accept players from your jurisdiction.</p></body></html>
`
          : `<!DOCTYPE html><html lang="de"><head><title>Nicht verfügbar</title></head><body><h1>451</h1><p>Leider ist ${s.host} in Ihrem Land aus rechtlichen Gründen nicht verfügbar.</p></body></html>
`
        : en
          ? `<!DOCTYPE html><html><head><title>Not available in your country</title></head><body><p>Sorry, ${s.host} is not available in your country.</p></body></html>
`
          : `<!DOCTYPE html><html lang="el"><head><meta charset="utf-8"><title>Μη διαθέσιμο στη χώρα σας</title></head><body><p>Λυπούμαστε, το ${s.host} δεν είναι διαθέσιμο στη χώρα σας.</p></body></html>
`;
  const restricted = en
    ? `<!DOCTYPE html><html><head><title>Restricted region</title></head><body><h1>Restricted region</h1><p>${s.host} is not available in your region.</p></body></html>
`
    : `<!DOCTYPE html><html lang="es"><head><meta charset="utf-8"><title>Región restringida</title></head><body><p>${s.host} no está disponible en su región.</p></body></html>
`;
  return { refusal, restricted };
}

/** nginx lines inside a geoblocking site's server block: refuse the client's network only. */
function geoLines(s: Scenario): string {
  const refuse = s.world === 'geo_redirect' ? 'return 302 /restricted.html;' : s.world === 'geo_451' ? 'return 451;' : 'return 403;';
  const cdn = s.world === 'geo_cdn' ? `    add_header CDN-Ray "8f2c-lab" always;\n    add_header CDN-Cache-Status "BYPASS" always;\n` : '';
  return `${cdn}    error_page 403 451 /geo.html;
    location = /geo.html { internal; }
    location = /restricted.html { }
    location / {
      if ($cp_greece) { ${refuse} }
      try_files /index.html =404;
    }
`;
}

export function neutralHtml(): string {
  return `<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>${NEUTRAL_NAME}</title></head><body><p>An innocuous site.</p></body></html>\n`;
}

function common(name: string, state: string): string {
  return `user root;
worker_processes 1;
# A whole-list benchmark listens on two ports of hundreds of addresses and holds hundreds of
# connections from a probe at high concurrency.
worker_rlimit_nofile 65536;
pid ${state}/run/nginx-${name}.pid;
error_log ${state}/logs/nginx-${name}.error.log warn;
events { worker_connections 16384; }
http {
  access_log off;
  client_body_temp_path ${state}/tmp/nginx-${name}/body;
  proxy_temp_path ${state}/tmp/nginx-${name}/proxy;
  fastcgi_temp_path ${state}/tmp/nginx-${name}/fastcgi;
  uwsgi_temp_path ${state}/tmp/nginx-${name}/uwsgi;
  scgi_temp_path ${state}/tmp/nginx-${name}/scgi;
  server_names_hash_bucket_size 128;
  server_names_hash_max_size 65536;
  types { text/html html; }
  default_type text/html;
  charset utf-8;
  ssl_protocols TLSv1.2 TLSv1.3;
  # Many sites and blockpages echo the visitor's address: the seed the scrubbing test looks for.
  add_header X-Client-Address $remote_addr always;
`;
}

function tls(pair: CertPair): string {
  return `    ssl_certificate ${pair.cert};\n    ssl_certificate_key ${pair.key};\n`;
}

export interface WorldWebInput {
  state: string;
  scenarios: readonly Scenario[];
  certs: ReadonlyMap<string, CertPair>;
  defaultCert: CertPair;
  /** Per host: the directory holding its index.html. */
  roots: ReadonlyMap<string, string>;
}

/** The websites abroad: one server block per host and address, plus a default server per address
 * (an innocuous name on a site's IP gets an ordinary 404 with a certificate for another name). */
export function worldNginx(w: WorldWebInput): string {
  let out = common('world', w.state);
  out += `  geo $cp_greece { default 0; ${GREECE_NET} 1; }\n`;
  const served = w.scenarios.filter((s) => s.siteIp && (s.world === 'site' || s.world === 'https_redirect' || isGeo(s.world)));
  const ips = new Set<string>([ADDR.neutral]);
  for (const s of served) {
    ips.add(s.siteIp as string);
    if (s.cdnIp) ips.add(s.cdnIp);
  }
  for (const ip of ips) {
    const neutral = ip === ADDR.neutral;
    const cert = neutral ? (w.certs.get(NEUTRAL_NAME) as CertPair) : w.defaultCert;
    const root = neutral ? w.roots.get(NEUTRAL_NAME) : undefined;
    out += `  server {
    listen ${ip}:80 default_server;
    listen ${ip}:443 ssl default_server;
    server_name ${neutral ? NEUTRAL_NAME : '_'};
${tls(cert)}`;
    out += root
      ? `    root ${root};\n    location / { try_files /index.html =404; }\n  }\n`
      : `    location / { return 404; }\n  }\n`;
  }
  // Hosts on one address with one certificate (a benchmark's thousands of names) share a server
  // block whose root follows the Host; a host with a certificate of its own keeps its own block.
  const groups = new Map<string, { pair: CertPair; hosts: Scenario[] }>();
  for (const s of served) {
    const pair = w.certs.get(s.host) as CertPair;
    const key = `${pair.cert}|${s.siteIp}|${s.cdnIp ?? ''}|${s.world}`;
    const g = groups.get(key) ?? { pair, hosts: [] };
    g.hosts.push(s);
    groups.set(key, g);
  }
  for (const { pair, hosts } of groups.values()) {
    const s = hosts[0] as Scenario;
    const names = hosts.map((h) => h.host).join(' ');
    const own = w.roots.get(s.host) as string;
    const root = hosts.length === 1 ? own : `${dirname(own)}/$host`;
    for (const ip of [s.siteIp as string, ...(s.cdnIp ? [s.cdnIp] : [])]) {
      const page = isGeo(s.world) ? `    root ${root};\n${geoLines(s)}` : `    root ${root};\n    location / { try_files /index.html =404; }\n`;
      out += `  server {\n    listen ${ip}:80;\n    server_name ${names};\n`;
      out += s.world === 'https_redirect' ? '    return 301 https://$host$request_uri;\n  }\n' : `${page}  }\n`;
      // An HTTP-only site: its address's 443 is the default server (a certificate for another name).
      if (s.world !== 'geo_http_only') out += `  server {\n    listen ${ip}:443 ssl;\n    server_name ${names};\n${tls(pair)}${page}  }\n`;
    }
  }
  return `${out}}\n`;
}

/** The ISP's blockpage server: the same page for every path, on HTTP and HTTPS (self-signed). */
export function ispNginx(state: string, root: string, cert: CertPair): string {
  return `${common('isp', state)}  server {
    listen ${ADDR.blockpage}:80 default_server;
    listen ${ADDR.blockpage}:443 ssl default_server;
    server_name _;
${tls(cert)}    root ${root};
    location / { try_files /blockpage.html =404; }
  }
}
`;
}
