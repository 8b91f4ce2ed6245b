// What a volunteer agrees to, in Greek and English. The wording is the consent: its hash is the
// version that is remembered, so any change to the wording asks again (list sizes do not).
import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { resolverLines } from './operators.js';

export type ConsentLang = 'el' | 'en';

export interface ConsentFacts {
  lists: { file: string; entries: number }[];
  total: number;
  /** IPs named in court orders, added to the run (0 with --no-court-orders). */
  courtOrders: number;
  /** The resolvers abroad, as specs (udp://1.1.1.1:53, https://9.9.9.9/dns-query). */
  foreign: string[];
  /** The control helper's URL, or null. */
  control: string | null;
}

// What a whole-list run costs, from the lab's benchmark (docs/performance.md, docs/volunteers.md):
// about 1 s per entry of which nearly all is waiting, 32 entries at once by default; 3.4 KB sent and
// 6.3 KB received per entry in the lab, whose pages are small; real pages are read up to 64 KiB.

const n = (x: number, lang: ConsentLang) => x.toLocaleString(lang === 'el' ? 'el-GR' : 'en-GB');

const SOURCES = [
  'Ν. 4002/2011 / Law 4002/2011, άρθρο/art. 52 (ΦΕΚ Α΄ 180/22.08.2011) — https://www.et.gr/ (Εθνικό Τυπογραφείο)',
  'Hellenic Gaming Commission (ΕΕΕΠ/HGC), blacklist — https://hgc.gov.gr/',
  'docs/volunteers.md in this package',
];

function el(f: ConsentFacts): string {
  const lists = f.lists.map((l) => `  - ${basename(l.file)}: ${n(l.entries, 'el')} διευθύνσεις`).join('\n');
  const resolvers = resolverLines(f.foreign, 'άγνωστος διαχειριστής').map((l) => `    ${l}`).join('\n');
  const court = f.courtOrders > 0
    ? `και ${n(f.courtOrders, 'el')} διευθύνσεις IP που ονομάζουν δικαστικές αποφάσεις (lists/court-orders.csv),\n  που προστίθενται σε κάθε μέτρηση· τις παραλείπει η επιλογή --no-court-orders`
    : 'χωρίς τις διευθύνσεις IP των δικαστικών αποφάσεων (--no-court-orders)';
  const control = f.control === null
    ? '- Χωρίς βοηθό ελέγχου (--control): μια διακοπή λειτουργίας δεν ξεχωρίζει από μπλοκάρισμα.'
    : `- Ο βοηθός ελέγχου στο ${f.control} (τον λειτουργεί όποιος σας έδωσε τη διεύθυνσή του) λαμβάνει\n  κάθε όνομα που ελέγχεται και βλέπει τη δημόσια διεύθυνση IP σας.`;
  return `censorprobe — τι θα γίνει αν συνεχίσετε

Το πρόγραμμα μετρά αν και πώς ο πάροχος Internet σας μπλοκάρει ιστότοπους. Θα ελέγξει
${n(f.total, 'el')} διευθύνσεις από αυτές τις λίστες:
${lists}
  ${court}.

- Για κάθε διεύθυνση ρωτά τον DNS του παρόχου σας και DNS στο εξωτερικό, συνδέεται στη
  διεύθυνση και φορτώνει μία φορά τη σελίδα που αναγράφεται στη λίστα (συνήθως την αρχική
  σελίδα). Δεν αγοράζει, δεν παίζει, δεν κάνει εγγραφή ή σύνδεση, δεν στέλνει cookies.
- Ο πάροχός σας (και όποιος βλέπει την κίνηση της γραμμής σας) θα δει ότι η γραμμή σας ζήτησε
  αυτούς τους ιστότοπους, όπως αν τους ανοίγατε σε φυλλομετρητή.
- Οι DNS στο εξωτερικό που ρωτά, ανά διαχειριστή· ο καθένας βλέπει κάθε όνομα της λίστας και τη
  δημόσια διεύθυνση IP σας, όπως κάθε DNS που ρωτάτε:
${resolvers}
${control}
- Διάρκεια και όγκος: με τον προεπιλεγμένο ρυθμό (32 διευθύνσεις ταυτόχρονα) ολόκληρη η λίστα
  της ΕΕΕΠ (περίπου 15.000) χρειάζεται περίπου 8-10 λεπτά, σε ADSL 24/1 Mbit με το μεγαλύτερο
  μέρος της ανοδικής ζεύξης κατειλημμένο· στο εργαστήριο στέλνει περίπου 50 MB και λαμβάνει
  περίπου 95 MB. Οι πραγματικές σελίδες είναι μεγαλύτερες (διαβάζονται έως 64 KiB η καθεμία),
  άρα περιμένετε περισσότερα. Το --max-rate 15/s αφήνει τη γραμμή άνετη (περίπου 17 λεπτά).
- Νομικό πλαίσιο: οι περισσότεροι ιστότοποι είναι στη «μαύρη λίστα» της ΕΕΕΠ (ν. 4002/2011,
  άρθρο 52). Όπως το διαβάζουμε, ο νόμος τιμωρεί τη συμμετοχή σε τυχερά παίγνια χωρίς άδεια,
  όχι τη φόρτωση μιας σελίδας· δεν είμαστε νομικοί και αυτό δεν είναι νομική συμβουλή.
  Διαβάστε τις πηγές παρακάτω και αποφασίστε εσείς.
- Στις αναφορές γράφονται: για κάθε διεύθυνση οι απαντήσεις DNS, τα αποτελέσματα σύνδεσης,
  TLS και HTTP (κωδικός, τίτλος, αρχή της σελίδας), χρόνοι, το όνομα και ο αριθμός AS του
  παρόχου σας, οι διευθύνσεις των DNS που μετρήθηκαν, η έκδοση του προγράμματος.
- Δεν γράφονται ποτέ: η δημόσια διεύθυνση IP σας (τη μαθαίνουμε μόνο για να βρούμε τον πάροχο
  και τη σβήνουμε από κάθε αρχείο και καταγραφή), το όνομά σας, άλλη κίνηση ή ιστορικό σας.
  Τίποτα δεν ανεβαίνει πουθενά: οι αναφορές μένουν στον υπολογιστή σας, εκτός αν τις μοιραστείτε
  εσείς ή αν ενταχθείτε σε μια συλλογικότητα εθελοντών (που ζητά τη δική της συγκατάθεση).

Πηγές:
${SOURCES.map((s) => `  - ${s}`).join('\n')}
`;
}

function en(f: ConsentFacts): string {
  const lists = f.lists.map((l) => `  - ${basename(l.file)}: ${n(l.entries, 'en')} addresses`).join('\n');
  const resolvers = resolverLines(f.foreign, 'operator unknown').map((l) => `    ${l}`).join('\n');
  const court = f.courtOrders > 0
    ? `and ${n(f.courtOrders, 'en')} IP addresses named in court orders (lists/court-orders.csv), added to\n  every run; --no-court-orders leaves them out`
    : 'without the IP addresses named in court orders (--no-court-orders)';
  const control = f.control === null
    ? '- No control helper (--control): an outage cannot be told from a block.'
    : `- The control helper at ${f.control} (run by whoever gave you its address) receives every name\n  checked and sees your public IP address.`;
  return `censorprobe — what will happen if you go on

This program measures whether and how your Internet provider blocks websites. It will check
${n(f.total, 'en')} addresses from these lists:
${lists}
  ${court}.

- For each address it asks your provider's DNS and DNS servers abroad, connects to the site and
  loads the listed page once (usually the home page). It buys nothing, plays nothing, signs up
  or logs in nowhere, and sends no cookies.
- Your provider (and anyone who sees your line's traffic) will see that your line asked for
  these sites, as if you had opened them in a browser.
- The DNS servers abroad it asks, by operator; each sees every listed name and your public IP
  address, as any DNS server you ask does:
${resolvers}
${control}
- Time and traffic: at the default pace (32 addresses at once) the whole EEEP list (about 15,000)
  takes about 8-10 minutes, on a 24/1 Mbit ADSL line with most of the uplink taken meanwhile; in
  the lab it sends about 50 MB and receives about 95 MB. Real pages are larger (each is read up to
  64 KiB), so expect more. --max-rate 15/s keeps the line comfortable (about 17 minutes).
- Legal context: most sites are on the Hellenic Gaming Commission's blacklist (law 4002/2011,
  art. 52). As we read it, the law punishes taking part in unlicensed gambling, not loading a
  page; we are not lawyers and this is not legal advice. Read the sources below and decide.
- The reports contain, for each address: the DNS answers, the connection, TLS and HTTP results
  (status, title, the start of the page), timings, your provider's name and AS number, the
  addresses of the resolvers measured, and the program's version.
- They never contain: your public IP address (learned only to find your provider, and scrubbed
  from every file and log), your name, or any other traffic or history of yours. Nothing is
  uploaded: the reports stay on your computer unless you share them yourself or join a
  collective of volunteers (which asks for its own consent).

Sources:
${SOURCES.map((s) => `  - ${s}`).join('\n')}
`;
}

export function consentText(lang: ConsentLang, facts: ConsentFacts): string {
  return lang === 'el' ? el(facts) : en(facts);
}

/** The version of the wording: a hash of both texts with fixed facts. */
export const CONSENT_VERSION = (() => {
  const sample: ConsentFacts = { lists: [{ file: 'list.csv', entries: 1 }], total: 1, courtOrders: 1, foreign: ['udp://192.0.2.1:53'], control: 'https://control.example/' };
  return createHash('sha256').update(consentText('el', sample)).update(consentText('en', sample)).digest('hex').slice(0, 16);
})();
