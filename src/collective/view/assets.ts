// The view's one stylesheet, served by the server itself: no font, script or image from elsewhere.
// Readable on a phone: one column, tables scroll sideways inside their box.
export const VIEW_CSS = `
:root { color-scheme: light; --fg: #1b1b1b; --muted: #5a5a5a; --line: #d8d8d8; --ok: #1e6b34; --bad: #a3161a; --warn: #8a5a00; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif; color: var(--fg); background: #fff; }
header, main, footer { max-width: 72rem; margin: 0 auto; padding: 0.75rem 1rem; }
header { border-bottom: 1px solid var(--line); }
header h1 { font-size: 1.2rem; margin: 0 0 0.5rem; }
nav a { margin-right: 1rem; }
nav .lang { float: right; }
h2 { font-size: 1.1rem; margin: 1.25rem 0 0.5rem; }
.scroll { overflow-x: auto; -webkit-overflow-scrolling: touch; }
table { border-collapse: collapse; width: 100%; font-size: 0.92rem; }
th, td { text-align: left; padding: 0.35rem 0.5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: #f4f4f4; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
.v-ok { color: var(--ok); }
.v-dns, .v-ip, .v-dpi, .v-url { color: var(--bad); font-weight: 600; }
.v-down, .v-inconclusive, .v-geoblock { color: var(--warn); }
.muted { color: var(--muted); font-size: 0.9rem; }
.downloads a { margin-right: 0.75rem; }
form { margin: 0.75rem 0; display: flex; gap: 0.5rem; flex-wrap: wrap; }
input[type=search] { flex: 1 1 14rem; padding: 0.4rem; font-size: 1rem; }
button { padding: 0.4rem 0.9rem; font-size: 1rem; }
code { word-break: break-all; }
@media (max-width: 40rem) { body { font-size: 15px; } nav .lang { float: none; display: block; margin-top: 0.25rem; } }
`;
