// Everything a report page needs, inline: Chart.js (bundled from node_modules, never a CDN), the
// stylesheet, and the safe ways to put text and data into HTML. A page must load nothing from the
// network when opened: it is read offline, sent to lawyers, and must not tell anyone it was opened.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { CensorprobeError } from '../../errors.js';

/** The bundled chart library is missing or would make the page reach the network. */
export class ReportAssetError extends CensorprobeError {
  override readonly code = 'CP_REPORT_ASSET';
}

let chartCache: string | null = null;

/**
 * Chart.js's UMD build, made inert for offline use: the source-map comment (DevTools would fetch
 * the .map) is dropped and the scheme is taken off the URLs of its licence banners, so the page
 * holds no `http(s)://` at all; the banners themselves stay (MIT licence notice).
 */
export function chartJs(): string {
  if (chartCache !== null) return chartCache;
  const require = createRequire(import.meta.url);
  // The package's exports map hides dist/chart.umd.js; its CommonJS entry sits next to it in dist/.
  const path = join(dirname(require.resolve('chart.js')), 'chart.umd.js');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ReportAssetError(`cannot read the chart library at ${path}`, { hint: 'reinstall the chart.js dependency', cause: err });
  }
  text = text.replace(/^\s*\/\/# sourceMappingURL=.*$/gm, '').replace(/^(\s*\*\s*)https?:\/\//gm, '$1');
  if (/https?:\/\/|<\/script|<!--/i.test(text)) {
    throw new ReportAssetError(`${path} holds a URL or an HTML-breaking sequence after cleaning`, {
      hint: 'this chart.js version differs from the one the report was written for (4.5.1)',
    });
  }
  chartCache = text;
  return text;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text for HTML content or a quoted attribute. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/**
 * JSON for a `<script type="application/json">` block: `<` is written as \u003c so no entry can
 * close the script (`</script`) or open a comment (`<!--`); U+2028/2029 escaped for old parsers.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

export function sha256Base64(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('base64');
}

/**
 * The page's Content-Security-Policy: nothing may be fetched (default-src 'none'), and only the
 * page's own scripts, by hash, may run. Even if an entry slipped past escaping, it could neither
 * run script nor load an image that pings a server.
 */
export function csp(scripts: string[]): string {
  const hashes = scripts.map((s) => `'sha256-${sha256Base64(s)}'`).join(' ');
  return [
    "default-src 'none'",
    `script-src ${hashes}`,
    "style-src 'unsafe-inline'",
    'img-src data:',
    "font-src 'none'",
    "connect-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

export const STYLE = `
:root{--fg:#1b1b1b;--muted:#5a5a5a;--line:#d8d8d8;--bg:#fff;--soft:#f4f5f7;--dns:#b3261e;--ip:#8a3ffc;--dpi:#d0610f;--url:#a36b00;--ok:#1e7b34;--down:#6b6b6b;--geoblock:#2f6f73;--inconclusive:#0b5cad}
*{box-sizing:border-box}
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI","Noto Sans","DejaVu Sans",sans-serif;color:var(--fg);background:var(--bg);margin:0}
header{padding:16px 24px;border-bottom:1px solid var(--line);display:flex;gap:16px;align-items:center;justify-content:space-between;flex-wrap:wrap}
header h1{font-size:22px;margin:0}
main{padding:8px 24px 48px;max-width:1280px}
section{margin:24px 0}
h2{font-size:18px;border-bottom:1px solid var(--line);padding-bottom:4px}
.muted{color:var(--muted)}
.lang button{border:1px solid var(--line);background:var(--soft);padding:4px 10px;cursor:pointer;font:inherit}
.lang button[aria-pressed="true"]{background:var(--fg);color:#fff}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;margin:0}
dl.facts dt{color:var(--muted)}
dl.facts dd{margin:0;word-break:break-word}
.cards{display:flex;flex-wrap:wrap;gap:12px}
.card{border:1px solid var(--line);border-left:6px solid var(--c,#999);padding:8px 14px;min-width:150px;background:var(--soft)}
.card .n{font-size:26px;font-weight:600}
table{border-collapse:collapse;width:100%}
th,td{border-bottom:1px solid var(--line);padding:5px 8px;text-align:left;vertical-align:top}
th{background:var(--soft);font-weight:600}
th.sortable{cursor:pointer;user-select:none}
th.sortable[aria-sort="ascending"]::after{content:" ▲"}
th.sortable[aria-sort="descending"]::after{content:" ▼"}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
td.entry{word-break:break-all;max-width:340px}
td.addr{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:13px;word-break:break-all}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;color:#fff;background:var(--c,#777);font-size:13px;white-space:nowrap}
.v-dns{--c:var(--dns)}.v-ip{--c:var(--ip)}.v-dpi{--c:var(--dpi)}.v-url{--c:var(--url)}.v-ok{--c:var(--ok)}.v-down{--c:var(--down)}.v-geoblock{--c:var(--geoblock)}.v-inconclusive{--c:var(--inconclusive)}
.controls{display:flex;flex-wrap:wrap;gap:12px;align-items:end;margin:8px 0}
.controls label{display:flex;flex-direction:column;font-size:13px;color:var(--muted)}
.controls input,.controls select{font:inherit;padding:4px 6px;min-width:160px}
.controls input[type=search]{min-width:300px}
.pager{display:flex;gap:12px;align-items:center;margin:8px 0}
button.why{font:inherit;font-size:13px;padding:1px 8px;cursor:pointer}
tr.detail td{background:var(--soft)}
tr.detail ul{margin:4px 0 8px 18px;padding:0}
tr.detail .tech{font-size:13px;color:var(--muted)}
.chart-box{position:relative;height:320px;max-width:960px}
.note{background:#fff7e0;border:1px solid #e6c65c;padding:8px 12px}
footer{padding:16px 24px;color:var(--muted);font-size:13px;border-top:1px solid var(--line)}
@media print{.controls,.pager,.lang,button.why{display:none}}
`;
