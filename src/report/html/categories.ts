// Category codes of the lists as names a reader knows, in English and Greek. The codes are OONI's
// (Citizen Lab test-lists, lists/00-LEGEND-new_category_codes.csv); COPY is ours: sites named in
// the copyright court orders (lists/README.md).
export const CATEGORY_NAMES: Record<string, { en: string; el: string }> = {
  ALDR: { en: 'Alcohol and drugs', el: 'Αλκοόλ και ναρκωτικά' },
  REL: { en: 'Religion', el: 'Θρησκεία' },
  PORN: { en: 'Pornography', el: 'Πορνογραφία' },
  PROV: { en: 'Provocative attire', el: 'Προκλητική ένδυση' },
  POLR: { en: 'Political criticism', el: 'Πολιτική κριτική' },
  HUMR: { en: 'Human rights', el: 'Ανθρώπινα δικαιώματα' },
  ENV: { en: 'Environment', el: 'Περιβάλλον' },
  MILX: { en: 'Terrorism and militants', el: 'Τρομοκρατία και ένοπλες ομάδες' },
  HATE: { en: 'Hate speech', el: 'Ρητορική μίσους' },
  NEWS: { en: 'News media', el: 'Μέσα ενημέρωσης' },
  XED: { en: 'Sex education', el: 'Σεξουαλική διαπαιδαγώγηση' },
  PUBH: { en: 'Public health', el: 'Δημόσια υγεία' },
  GMB: { en: 'Gambling', el: 'Τυχερά παιχνίδια' },
  ANON: { en: 'Anonymity and circumvention tools', el: 'Εργαλεία ανωνυμίας και παράκαμψης' },
  DATE: { en: 'Online dating', el: 'Γνωριμίες' },
  GRP: { en: 'Social networking', el: 'Κοινωνικά δίκτυα' },
  LGBT: { en: 'LGBTQ+', el: 'ΛΟΑΤΚΙ+' },
  FILE: { en: 'File sharing', el: 'Διαμοιρασμός αρχείων' },
  HACK: { en: 'Hacking tools', el: 'Εργαλεία hacking' },
  COMT: { en: 'Communication tools', el: 'Εργαλεία επικοινωνίας' },
  MMED: { en: 'Media sharing', el: 'Διαμοιρασμός πολυμέσων' },
  HOST: { en: 'Hosting and blogging', el: 'Φιλοξενία και ιστολόγια' },
  SRCH: { en: 'Search engines', el: 'Μηχανές αναζήτησης' },
  GAME: { en: 'Gaming', el: 'Βιντεοπαιχνίδια' },
  CULTR: { en: 'Culture', el: 'Πολιτισμός' },
  ECON: { en: 'Economics', el: 'Οικονομία' },
  GOVT: { en: 'Government', el: 'Κυβέρνηση' },
  COMM: { en: 'E-commerce', el: 'Ηλεκτρονικό εμπόριο' },
  CTRL: { en: 'Control (should never be blocked)', el: 'Έλεγχος (δεν πρέπει να μπλοκάρεται)' },
  IGO: { en: 'Intergovernmental organisations', el: 'Διακυβερνητικοί οργανισμοί' },
  MISC: { en: 'Miscellaneous', el: 'Διάφορα' },
  COPY: { en: 'Copyright (court orders)', el: 'Πνευματικά δικαιώματα (δικαστικές αποφάσεις)' },
};

/** The category's name in a language, or the code itself when it is not known. */
export function categoryName(code: string, lang: 'en' | 'el'): string {
  return CATEGORY_NAMES[code]?.[lang] ?? code;
}
