// The public view's words, Greek and English (Greek first: the view is for Greek newsrooms).
export type Lang = 'el' | 'en';

const WORDS = {
  title: { el: 'Λογοκρισία στο Internet στην Ελλάδα: τι μπλοκάρει κάθε πάροχος', en: 'Internet censorship in Greece: what each provider blocks' },
  overview: { el: 'Επισκόπηση', en: 'Overview' },
  changes: { el: 'Αλλαγές', en: 'Changes' },
  site: { el: 'Ιστότοπος', en: 'Site' },
  isp: { el: 'Πάροχος', en: 'Provider' },
  latest_run: { el: 'Τελευταία μέτρηση', en: 'Latest run' },
  runs: { el: 'Μετρήσεις', en: 'Runs' },
  volunteers: { el: 'Εθελοντές', en: 'Volunteers' },
  entries: { el: 'Διευθύνσεις', en: 'Entries' },
  blocked: { el: 'Μπλοκαρισμένες', en: 'Blocked' },
  latency_penalty: { el: 'Επιβάρυνση καθυστέρησης DNS', en: 'DNS latency penalty' },
  by_kind: { el: 'ανά είδος', en: 'by kind' },
  search: { el: 'Αναζήτηση ιστότοπου', en: 'Find a site' },
  go: { el: 'Εμφάνιση', en: 'Show' },
  no_runs: { el: 'Δεν έχουν σταλεί ακόμα μετρήσεις.', en: 'No runs have been sent yet.' },
  no_site: { el: 'Δεν βρέθηκε αυτός ο ιστότοπος στις μετρήσεις.', en: 'This site is not in any run.' },
  timeline: { el: 'Χρονολόγιο ανά πάροχο', en: 'Timeline per provider' },
  from: { el: 'Από', en: 'From' },
  to: { el: 'Έως', en: 'To' },
  verdict: { el: 'Αποτέλεσμα', en: 'Verdict' },
  kind: { el: 'Τρόπος', en: 'How' },
  evidence: { el: 'Στοιχεία της τελευταίας μέτρησης', en: 'Evidence of the latest run' },
  isp_answer: { el: 'Απάντηση DNS του παρόχου', en: "Provider's DNS answer" },
  truth: { el: 'Πραγματικές διευθύνσεις', en: 'True addresses' },
  failure: { el: 'Σφάλμα', en: 'Failure' },
  control: { el: 'Έλεγχος από το εξωτερικό', en: 'Control abroad' },
  run: { el: 'Μέτρηση', en: 'Run' },
  confirmed_changes: { el: 'Επιβεβαιωμένες αλλαγές (νεότερες πρώτα)', en: 'Confirmed changes (newest first)' },
  no_changes: { el: 'Καμία επιβεβαιωμένη αλλαγή.', en: 'No confirmed changes.' },
  change: { el: 'Αλλαγή', en: 'Change' },
  before: { el: 'Πριν', en: 'Before' },
  after: { el: 'Μετά', en: 'After' },
  since: { el: 'Από τη μέτρηση', en: 'Since run' },
  computing: {
    el: 'Ο κατάλογος των αλλαγών υπολογίζεται για πρώτη φορά σε αυτή τη βάση (έως ένα λεπτό για έναν χρόνο μετρήσεων). Δοκιμάστε ξανά σε λίγο.',
    en: 'The list of changes is being computed for the first time on this store (up to a minute for a year of runs). Please try again shortly.',
  },
  shown_of: { el: 'Εμφανίζονται οι {shown} νεότερες από {total} επιβεβαιωμένες αλλαγές στις τελευταίες {window} μετρήσεις κάθε παρόχου.', en: 'Showing the {shown} newest of {total} confirmed changes in each provider\'s last {window} runs.' },
  download: { el: 'Λήψη', en: 'Download' },
  feed: { el: 'Ροή Atom', en: 'Atom feed' },
  about: {
    el: 'Οι μετρήσεις γίνονται από εθελοντές στις γραμμές τους και συγκρίνονται με έλεγχο από το εξωτερικό. Δεν δημοσιεύεται ποτέ η διεύθυνση IP κανενός εθελοντή.',
    en: "Runs are made by volunteers on their own lines and judged against a control abroad. No volunteer's IP address is ever published.",
  },
} as const;

export type Word = keyof typeof WORDS;

export function t(lang: Lang, w: Word): string {
  return WORDS[w][lang];
}

const VERDICT_WORDS: Record<string, Record<Lang, string>> = {
  ok: { el: 'προσβάσιμο', en: 'reachable' },
  dns: { el: 'μπλοκ DNS', en: 'DNS block' },
  ip: { el: 'μπλοκ IP', en: 'IP block' },
  dpi: { el: 'μπλοκ DPI (SNI/Host)', en: 'DPI block (SNI/Host)' },
  url: { el: 'μπλοκ URL', en: 'URL block' },
  geoblock: { el: 'ο ιστότοπος αρνείται την Ελλάδα', en: 'the site refuses Greece' },
  down: { el: 'εκτός λειτουργίας παντού', en: 'down everywhere' },
  inconclusive: { el: 'αβέβαιο', en: 'inconclusive' },
};

export function verdictWord(lang: Lang, v: string): string {
  return VERDICT_WORDS[v]?.[lang] ?? v;
}

export const langOf = (v: string | null): Lang => (v === 'en' ? 'en' : 'el');
