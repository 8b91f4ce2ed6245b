// What a volunteer agrees to, in Greek and English. The wording is the consent: its hash is the
// version that is remembered, so any change to the wording asks again (list sizes do not).
import { createHash } from 'node:crypto';
import { basename } from 'node:path';

export type ConsentLang = 'el' | 'en';

export interface ConsentFacts {
  lists: { file: string; entries: number }[];
  total: number;
}

const n = (x: number, lang: ConsentLang) => x.toLocaleString(lang === 'el' ? 'el-GR' : 'en-GB');

const SOURCES = [
  'Ν. 4002/2011 / Law 4002/2011, άρθρο/art. 52 (ΦΕΚ Α΄ 180/22.08.2011) — https://www.et.gr/ (Εθνικό Τυπογραφείο)',
  'Hellenic Gaming Commission (ΕΕΕΠ/HGC), blacklist — https://hgc.gov.gr/',
  'docs/volunteers.md in this package',
];

function el(f: ConsentFacts): string {
  const lists = f.lists.map((l) => `  - ${basename(l.file)}: ${n(l.entries, 'el')} διευθύνσεις`).join('\n');
  return `censorprobe — τι θα γίνει αν συνεχίσετε

Το πρόγραμμα μετρά αν και πώς ο πάροχος Internet σας μπλοκάρει ιστότοπους. Θα ελέγξει
${n(f.total, 'el')} διευθύνσεις από αυτές τις λίστες:
${lists}

- Για κάθε διεύθυνση ρωτά τον DNS του παρόχου σας και DNS στο εξωτερικό, συνδέεται στη
  διεύθυνση και φορτώνει μία φορά τη σελίδα που αναγράφεται στη λίστα (συνήθως την αρχική
  σελίδα). Δεν αγοράζει, δεν παίζει, δεν κάνει εγγραφή ή σύνδεση, δεν στέλνει cookies.
- Ο πάροχός σας (και όποιος βλέπει την κίνηση της γραμμής σας) θα δει ότι η γραμμή σας ζήτησε
  αυτούς τους ιστότοπους, όπως αν τους ανοίγατε σε φυλλομετρητή. Ένας βοηθός ελέγχου στο
  εξωτερικό και οι ξένοι DNS βλέπουν τα ονόματα που ελέγχονται.
- Νομικό πλαίσιο: οι περισσότεροι ιστότοποι είναι στη «μαύρη λίστα» της ΕΕΕΠ (ν. 4002/2011,
  άρθρο 52). Όπως το διαβάζουμε, ο νόμος τιμωρεί τη συμμετοχή σε τυχερά παίγνια χωρίς άδεια,
  όχι τη φόρτωση μιας σελίδας· δεν είμαστε νομικοί και αυτό δεν είναι νομική συμβουλή.
  Διαβάστε τις πηγές παρακάτω και αποφασίστε εσείς.
- Στις αναφορές γράφονται: για κάθε διεύθυνση οι απαντήσεις DNS, τα αποτελέσματα σύνδεσης,
  TLS και HTTP (κωδικός, τίτλος, αρχή της σελίδας), χρόνοι, το όνομα και ο αριθμός AS του
  παρόχου σας, οι διευθύνσεις των DNS που μετρήθηκαν, η έκδοση του προγράμματος.
- Δεν γράφονται ποτέ: η δημόσια διεύθυνση IP σας (τη μαθαίνουμε μόνο για να βρούμε τον πάροχο
  και τη σβήνουμε από κάθε αρχείο και καταγραφή), το όνομά σας, άλλη κίνηση ή ιστορικό σας.
  Τίποτα δεν αποστέλλεται αυτόματα: οι αναφορές μένουν στον υπολογιστή σας.

Πηγές:
${SOURCES.map((s) => `  - ${s}`).join('\n')}
`;
}

function en(f: ConsentFacts): string {
  const lists = f.lists.map((l) => `  - ${basename(l.file)}: ${n(l.entries, 'en')} addresses`).join('\n');
  return `censorprobe — what will happen if you go on

This program measures whether and how your Internet provider blocks websites. It will check
${n(f.total, 'en')} addresses from these lists:
${lists}

- For each address it asks your provider's DNS and DNS servers abroad, connects to the site and
  loads the listed page once (usually the home page). It buys nothing, plays nothing, signs up
  or logs in nowhere, and sends no cookies.
- Your provider (and anyone who sees your line's traffic) will see that your line asked for
  these sites, as if you had opened them in a browser. A control helper abroad and the foreign
  DNS servers see the names being checked.
- Legal context: most sites are on the Hellenic Gaming Commission's blacklist (law 4002/2011,
  art. 52). As we read it, the law punishes taking part in unlicensed gambling, not loading a
  page; we are not lawyers and this is not legal advice. Read the sources below and decide.
- The reports contain, for each address: the DNS answers, the connection, TLS and HTTP results
  (status, title, the start of the page), timings, your provider's name and AS number, the
  addresses of the resolvers measured, and the program's version.
- They never contain: your public IP address (learned only to find your provider, and scrubbed
  from every file and log), your name, or any other traffic or history of yours. Nothing is
  uploaded automatically: the reports stay on your computer.

Sources:
${SOURCES.map((s) => `  - ${s}`).join('\n')}
`;
}

export function consentText(lang: ConsentLang, facts: ConsentFacts): string {
  return lang === 'el' ? el(facts) : en(facts);
}

/** The version of the wording: a hash of both texts with fixed facts. */
export const CONSENT_VERSION = (() => {
  const sample: ConsentFacts = { lists: [{ file: 'list.csv', entries: 1 }], total: 1 };
  return createHash('sha256').update(consentText('el', sample)).update(consentText('en', sample)).digest('hex').slice(0, 16);
})();
