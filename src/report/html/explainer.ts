// The parts of report.html that explain it to a reader who has never seen a censorship measurement:
// a one-sentence headline, the lists measured, a chart of verdicts with its text alternative, how the
// probe judges, a glossary, and every blocked entry with its one-line reason for readers without
// JavaScript and for print. Both languages are written into the page (`bi`); the page's lang
// attribute shows one (English without JavaScript; the reader's language with it).
// The page links nowhere (a report must not make the reader's browser contact anything): documents
// are named as text.
import { escapeHtml as h } from './assets.js';
import { categoryName } from './categories.js';
import { UI, type UiKey } from './i18n.js';
import type { ReportData, Row } from './model.js';

type Lang = 'en' | 'el';
const LANGS: Lang[] = ['en', 'el'];

/** Both languages' text (already escaped HTML), one shown by the page's lang. */
export function bi(en: string, el: string, tag = 'span'): string {
  return `<${tag} lang="en" class="l-en">${en}</${tag}><${tag} lang="el" class="l-el">${el}</${tag}>`;
}

export const EXPLAINER_STYLE = `
html:not([lang="el"]) .l-el,html[lang="el"] .l-en{display:none}
#summary-sentence{font-size:1.25rem;font-weight:600;margin:.4rem 0 1rem}
.vchart{max-width:46rem}.vchart text{font:12px system-ui,sans-serif;fill:#222}
dl.glossary dt{font-weight:600;margin-top:.5rem}dl.glossary dd{margin:0 0 0 1rem}
.print-only{display:none}
ol.blocked{columns:1;padding-left:1.5rem}ol.blocked li{break-inside:avoid;margin:.1rem 0}
ol.blocked .why{color:#444}
@media print{#entries,#cp-rtt,.chart-box{display:none}.print-only{display:block}noscript .print-only{display:block}}
`;

const BLOCKED = ['dns', 'ip', 'dpi', 'url'] as const;
type Blocked = (typeof BLOCKED)[number];

const METHOD: Record<Blocked, Record<Lang, string>> = {
  dns: { en: 'lying DNS', el: 'ψευδείς απαντήσεις DNS' },
  ip: { en: 'blocking their IP addresses', el: 'μπλοκάρισμα των διευθύνσεων IP τους' },
  dpi: { en: 'inspecting the connection (SNI/Host)', el: 'έλεγχο της σύνδεσης (SNI/Host)' },
  url: { en: 'filtering page addresses (URL)', el: 'φιλτράρισμα διευθύνσεων σελίδων (URL)' },
};

const num = (n: number, lang: Lang) => n.toLocaleString(lang === 'el' ? 'el-GR' : 'en-GB');

/** The one sentence at the top: how many of the listed sites this ISP blocks, and mostly how. */
export function headlineSentence(d: Pick<ReportData, 'counts' | 'rows'> & { meta: ReportData['meta'] }, lang: Lang): string {
  const total = d.rows.length;
  const counts = d.counts as Record<string, number>;
  const blocked = BLOCKED.reduce((a, v) => a + (counts[v] ?? 0), 0);
  const isp = d.meta?.isp?.name ?? null;
  const down = counts['down'] ?? 0;
  if (total === 0) return lang === 'el' ? 'Δεν μετρήθηκε καμία διεύθυνση.' : 'No entry was measured.';
  if (blocked === 0) {
    const who = lang === 'el' ? (isp ? `ο πάροχος ${isp}` : 'ο πάροχος') : isp ? `this ISP (${isp})` : 'this ISP';
    return lang === 'el'
      ? `Από τις ${num(total, lang)} διευθύνσεις της λίστας, ${who} δεν μπλοκάρει καμία${down ? `· ${num(down, lang)} δεν λειτουργούν από πουθενά` : ''}.`
      : `Of ${num(total, lang)} listed sites, none is blocked by ${who}${down ? `; ${num(down, lang)} do not work from anywhere` : ''}.`;
  }
  const ranked = BLOCKED.map((v) => [v, counts[v] ?? 0] as const).filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]);
  const [top, topN] = ranked[0]!;
  const share = topN / blocked;
  let how: string;
  if (ranked.length === 1) how = lang === 'el' ? `όλες με ${METHOD[top].el}` : `all by ${METHOD[top].en}`;
  else if (share >= 0.95) how = lang === 'el' ? `σχεδόν όλες με ${METHOD[top].el}` : `almost all by ${METHOD[top].en}`;
  else if (share >= 0.5) how = lang === 'el' ? `κυρίως με ${METHOD[top].el}` : `mostly by ${METHOD[top].en}`;
  else how = lang === 'el' ? `με διάφορους τρόπους, συχνότερα με ${METHOD[top].el}` : `by several methods, most often ${METHOD[top].en}`;
  if (lang === 'el') {
    const who = isp ? `ο πάροχος ${isp}` : 'ο πάροχος';
    return `Από τις ${num(total, lang)} διευθύνσεις της λίστας, ${who} μπλοκάρει τις ${num(blocked, lang)}, ${how}.`;
  }
  const who = isp ? `this ISP (${isp})` : 'this ISP';
  return `Of ${num(total, lang)} listed sites, ${num(blocked, lang)} are blocked by ${who}, ${how}.`;
}

/** The headline sentence in both languages. */
export function summarySentence(d: ReportData): string {
  return `<p id="summary-sentence">${bi(h(headlineSentence(d, 'en')), h(headlineSentence(d, 'el')))}</p>`;
}

/** A bar per verdict, drawn without a script, with the counts as its text alternative. */
export function verdictChart(d: ReportData, verdicts: readonly string[]): string {
  const counts = d.counts as Record<string, number>;
  const max = Math.max(1, ...verdicts.map((v) => counts[v] ?? 0));
  const rowH = 26;
  const labelW = 170;
  const barW = 420;
  const alt = (lang: Lang) => verdicts.map((v) => `${UI[lang][`v_${v}` as UiKey] ?? v}: ${num(counts[v] ?? 0, lang)}`).join('; ');
  const bars = verdicts
    .map((v, i) => {
      const n = counts[v] ?? 0;
      const w = Math.max(n > 0 ? 2 : 0, Math.round((barW * n) / max));
      const y = i * rowH;
      const name = (lang: Lang) => h(UI[lang][`v_${v}` as UiKey] ?? v);
      return `<g class="v-${v}"><text x="${labelW - 6}" y="${y + 17}" text-anchor="end"><tspan class="l-en">${name('en')}</tspan><tspan class="l-el">${name('el')}</tspan></text><rect x="${labelW}" y="${y + 4}" width="${w}" height="${rowH - 8}" fill="currentColor"/><text x="${labelW + w + 6}" y="${y + 17}">${num(n, 'en')}</text></g>`;
    })
    .join('');
  const height = verdicts.length * rowH;
  return `<figure id="verdict-chart" class="vchart">
<svg role="img" aria-labelledby="vchart-title vchart-desc" viewBox="0 0 ${labelW + barW + 70} ${height}" width="100%">
<title id="vchart-title">${h(UI.en.by_verdict)} / ${h(UI.el.by_verdict)}</title>
<desc id="vchart-desc">${h(alt('en'))} / ${h(alt('el'))}</desc>
${bars}</svg>
<figcaption>${bi(h(alt('en')), h(alt('el')))}</figcaption>
</figure>`;
}

/** The lists measured: by file name, edition, entries and SHA-256. */
export function listsSection(d: ReportData): string {
  const lists = d.meta?.lists ?? [];
  if (lists.length === 0) return '';
  const rows = lists
    .map((l) => {
      const x = typeof l === 'string' ? { file: l } : l;
      const name = x.file.split(/[\\/]/).pop() ?? x.file;
      return `<tr><td>${h(name)}</td><td>${x.edition ? h(x.edition) : '–'}</td><td class="num">${x.entries ?? '–'}</td><td class="addr">${x.sha256 ? h(x.sha256) : '–'}</td></tr>`;
    })
    .join('');
  return `<section id="lists"><h2>${bi('Lists measured', 'Λίστες που μετρήθηκαν')}</h2>
<table><thead><tr><th>${bi('File', 'Αρχείο')}</th><th>${bi('Edition (latest date added)', 'Έκδοση (τελευταία προσθήκη)')}</th><th class="num">${bi('Entries', 'Διευθύνσεις')}</th><th>SHA-256</th></tr></thead><tbody>${rows}</tbody></table>
<p class="muted">${bi('The hash identifies the exact file measured: anyone holding the list can check it (sha256sum FILE).', 'Το hash ταυτοποιεί το ακριβές αρχείο που μετρήθηκε: όποιος έχει τη λίστα μπορεί να το ελέγξει (sha256sum ΑΡΧΕΙΟ).')}</p></section>`;
}

interface Term {
  term: Record<Lang, string>;
  text: Record<Lang, string>;
}

const GLOSSARY: Term[] = [
  {
    term: { en: 'DNS (lying resolver)', el: 'DNS (ψευδής απάντηση)' },
    text: {
      en: "The Internet's phone book: it turns a name (example.com) into an address. An ISP blocks by DNS when its resolver answers with a wrong address (often its own blockpage) or says the name does not exist, while resolvers abroad give the real one.",
      el: 'Ο «τηλεφωνικός κατάλογος» του Internet: μετατρέπει ένα όνομα (example.com) σε διεύθυνση. Ο πάροχος μπλοκάρει με DNS όταν ο δικός του DNS απαντά με λάθος διεύθυνση (συχνά τη σελίδα αποκλεισμού του) ή λέει ότι το όνομα δεν υπάρχει, ενώ οι DNS του εξωτερικού δίνουν τη σωστή.',
    },
  },
  {
    term: { en: 'IP block', el: 'Μπλοκάρισμα IP' },
    text: {
      en: "The site's real address cannot be reached from this line at all, while the same address answers other names and works from abroad.",
      el: 'Η πραγματική διεύθυνση του ιστότοπου δεν είναι προσβάσιμη από αυτή τη γραμμή, ενώ η ίδια διεύθυνση απαντά σε άλλα ονόματα και λειτουργεί από το εξωτερικό.',
    },
  },
  {
    term: { en: 'DPI / SNI filtering', el: 'DPI / φιλτράρισμα SNI' },
    text: {
      en: 'Deep packet inspection: equipment on the way reads the site name a browser sends when it connects (the SNI of TLS, or the Host of plain HTTP) and cuts the connection. The swap test shows it: the same address works with an innocuous name and fails with the listed one.',
      el: 'Βαθιά επιθεώρηση πακέτων: εξοπλισμός στη διαδρομή διαβάζει το όνομα του ιστότοπου που στέλνει ο φυλλομετρητής όταν συνδέεται (το SNI του TLS ή το Host του απλού HTTP) και κόβει τη σύνδεση. Αυτό φαίνεται με τη δοκιμή εναλλαγής: η ίδια διεύθυνση λειτουργεί με ένα αθώο όνομα και αποτυγχάνει με το όνομα της λίστας.',
    },
  },
  {
    term: { en: 'URL filtering', el: 'Φιλτράρισμα URL' },
    text: {
      en: "Only a particular page (a path such as /casino) is blocked, while the site's home page works.",
      el: 'Μπλοκάρεται μόνο μια συγκεκριμένη σελίδα (μια διαδρομή όπως /casino), ενώ η αρχική σελίδα του ιστότοπου λειτουργεί.',
    },
  },
  {
    term: { en: 'Control helper', el: 'Βοηθός ελέγχου' },
    text: {
      en: 'A small server abroad that loads each site from an uncensored place. Without it, a site that is down everywhere could be mistaken for a blocked one.',
      el: 'Ένας μικρός διακομιστής στο εξωτερικό που φορτώνει κάθε ιστότοπο από μέρος χωρίς λογοκρισία. Χωρίς αυτόν, ένας ιστότοπος που δεν λειτουργεί πουθενά θα μπορούσε να θεωρηθεί μπλοκαρισμένος.',
    },
  },
  {
    term: { en: 'Geoblock', el: 'Γεωγραφικός αποκλεισμός (geoblock)' },
    text: {
      en: 'The site itself refuses visitors from this country or network (often licensed gambling sites shutting out Greece). That is the site’s choice, not the ISP’s: it is never counted as censorship.',
      el: 'Ο ίδιος ο ιστότοπος αρνείται επισκέπτες από αυτή τη χώρα ή το δίκτυο (συχνά ιστότοποι στοιχημάτων με άδεια αλλού αποκλείουν την Ελλάδα). Είναι επιλογή του ιστότοπου, όχι του παρόχου: δεν μετράται ποτέ ως λογοκρισία.',
    },
  },
  {
    term: { en: 'Latency penalty', el: 'Επιβάρυνση καθυστέρησης' },
    text: {
      en: "How many times longer a lookup takes through a resolver abroad than through the ISP's: the cost, in waiting, of escaping the ISP's lying resolver. Measured on an idle line.",
      el: 'Πόσες φορές περισσότερο διαρκεί μια αναζήτηση μέσω DNS του εξωτερικού από ό,τι μέσω του DNS του παρόχου: το κόστος, σε αναμονή, της αποφυγής του ψευδούς DNS του παρόχου. Μετριέται σε γραμμή χωρίς φορτίο.',
    },
  },
];

const METHODOLOGY: Record<Lang, string[]> = {
  en: [
    "For every listed site the probe asks the ISP's resolver and resolvers abroad (over UDP and encrypted DNS-over-HTTPS) for its address, connects to the site's real address, and loads the listed page once.",
    'Where something fails it runs the swap test (the same address with an innocuous name, and the real name sent to an unrelated server) and asks the control helper abroad whether the site works from there.',
    'Each layer is judged separately (DNS, IP, DPI/SNI, URL): a site counts as blocked only when the evidence points at this line, never when it is down everywhere or refuses the country itself (geoblock).',
    'Every observation is kept in measurements.jsonl with OONI’s field names, so each verdict can be checked and re-judged.',
  ],
  el: [
    'Για κάθε ιστότοπο της λίστας το πρόγραμμα ρωτά τον DNS του παρόχου και DNS του εξωτερικού (μέσω UDP και κρυπτογραφημένου DNS-over-HTTPS) για τη διεύθυνσή του, συνδέεται στην πραγματική διεύθυνση και φορτώνει μία φορά τη σελίδα της λίστας.',
    'Όπου κάτι αποτυγχάνει κάνει τη δοκιμή εναλλαγής (η ίδια διεύθυνση με ένα αθώο όνομα, και το πραγματικό όνομα σε άσχετο διακομιστή) και ρωτά τον βοηθό ελέγχου στο εξωτερικό αν ο ιστότοπος λειτουργεί από εκεί.',
    'Κάθε επίπεδο κρίνεται χωριστά (DNS, IP, DPI/SNI, URL): ένας ιστότοπος μετράται ως μπλοκαρισμένος μόνο όταν τα στοιχεία δείχνουν αυτή τη γραμμή, ποτέ όταν δεν λειτουργεί πουθενά ή όταν ο ίδιος αποκλείει τη χώρα (geoblock).',
    'Κάθε παρατήρηση φυλάσσεται στο measurements.jsonl με τα ονόματα πεδίων του OONI, ώστε κάθε απόφαση να ελέγχεται και να ξανακρίνεται.',
  ],
};

const DOCS: Record<Lang, string> = {
  en: 'More: docs/analysis.md (how each layer is judged, with sources), docs/control.md (the control helper), docs/reports.md (the files of a run) in the censorprobe package; OONI’s Web Connectivity methodology, ooni.org/nettest/web-connectivity/.',
  el: 'Περισσότερα: docs/analysis.md (πώς κρίνεται κάθε επίπεδο, με πηγές), docs/control.md (ο βοηθός ελέγχου), docs/reports.md (τα αρχεία μιας μέτρησης) στο πακέτο censorprobe· η μεθοδολογία Web Connectivity του OONI, ooni.org/nettest/web-connectivity/.',
};

/** How the probe judges, and the words it uses, in both languages. */
export function methodSection(): string {
  const method = (lang: Lang) => `<ol>${METHODOLOGY[lang].map((p) => `<li>${h(p)}</li>`).join('')}</ol>`;
  const glossary = (lang: Lang) => `<dl class="glossary">${GLOSSARY.map((g) => `<dt>${h(g.term[lang])}</dt><dd>${h(g.text[lang])}</dd>`).join('')}</dl>`;
  return `<section id="method"><h2>${bi('How to read this report', 'Πώς να διαβάσετε αυτή την αναφορά')}</h2>
${bi(method('en'), method('el'), 'div')}
<h3>${bi('Glossary', 'Γλωσσάρι')}</h3>
<div id="glossary">${bi(glossary('en'), glossary('el'), 'div')}</div>
<p class="muted">${bi(h(DOCS.en), h(DOCS.el))}</p></section>`;
}

/** "DNS: blockpage address" from a row's findings, in one language. */
function reasonOf(r: Row, lang: Lang): string {
  const kinds = r.k.map((k) => {
    const [layer = '', kind = ''] = k.split(':');
    const name = UI[lang][`k_${kind}` as UiKey] ?? kind;
    return `${layer.toUpperCase()}: ${name}`;
  });
  const answer = r.a ? (lang === 'el' ? ` (απάντηση παρόχου ${r.a})` : ` (ISP's answer ${r.a})`) : '';
  return `${kinds.join('; ')}${answer}`;
}

/**
 * Every blocked entry with its one-line reason, rendered on the server: inside <noscript> (readers
 * without JavaScript, and their print); with JavaScript the page builds the same list for print.
 */
export function blockedNoscript(d: ReportData): string {
  const blocked = d.rows.filter((r) => (BLOCKED as readonly string[]).includes(r.v));
  const items = blocked
    .map((r) => `<li><span class="entry">${h(r.i)}</span> <span class="why">${h(categoryName(r.c, 'en'))}; ${h(reasonOf(r, 'en'))}</span></li>`)
    .join('');
  return `<noscript><section id="blocked-static"><h2>Blocked entries (${blocked.length}) / Μπλοκαρισμένες διευθύνσεις</h2><ol class="blocked">${items}</ol></section></noscript>`;
}

/** The place the page's script fills, for print, with every blocked entry in the reader's language. */
export function blockedForPrint(): string {
  return `<section id="blocked-print" class="print-only"><h2>${bi('Blocked entries', 'Μπλοκαρισμένες διευθύνσεις')} (<span id="cp-print-count"></span>)</h2><ol class="blocked" id="cp-print"></ol></section>`;
}

export { LANGS };
