// What joining a collective shares, in Greek and English: shown by `censorprobe join` before the
// collective is saved. Its hash is the version remembered with the collective.
import { createHash } from 'node:crypto';
import type { ConsentLang } from '../consent/text.js';

function el(url: string): string {
  return `censorprobe — συμμετοχή στη συλλογικότητα ${url}

Αν συνεχίσετε, κάθε μέτρηση που τελειώνει (censorprobe run) στέλνεται σε αυτόν τον διακομιστή,
και ο βοηθός ελέγχου του χρησιμοποιείται για τις μετρήσεις σας.
- Στέλνονται: τα αποτελέσματα της μέτρησης (για κάθε διεύθυνση οι απαντήσεις DNS, τα
  αποτελέσματα σύνδεσης, TLS και HTTP, χρόνοι), το όνομα και ο αριθμός AS του παρόχου σας, οι
  διευθύνσεις των DNS που μετρήθηκαν, η έκδοση του προγράμματος. Τα ονόματα των αρχείων λιστών,
  όχι οι φάκελοι του υπολογιστή σας.
- Δεν στέλνεται ποτέ: η δημόσια διεύθυνση IP σας. Ο διακομιστής αρνείται μέτρηση που την
  περιέχει και δεν την καταγράφει πουθενά. Το όνομα του κλειδιού σας το επέλεξε η ομάδα
  (ψευδώνυμο ή όνομα μηχανήματος).
- Τα αποτελέσματα δημοσιεύονται ανά πάροχο σε δημόσια σελίδα για δημοσιογράφους.
- Για να μη σταλεί μια μέτρηση: censorprobe run --no-upload.
`;
}

function en(url: string): string {
  return `censorprobe — joining the collective at ${url}

If you go on, every run that ends (censorprobe run) is sent to this server, and its control
helper is used for your runs.
- Sent: the run's results (for each address the DNS answers, the connection, TLS and HTTP
  results, timings), your provider's name and AS number, the addresses of the resolvers
  measured, the program's version. List files by name, never your computer's folders.
- Never sent: your public IP address. The server refuses a run that contains it and records it
  nowhere. Your token's name was chosen by the group (a handle or a machine's name).
- The results are published per provider on a public page for journalists.
- To keep one run local: censorprobe run --no-upload.
`;
}

export function sharingText(lang: ConsentLang, url: string): string {
  return lang === 'el' ? el(url) : en(url);
}

export const SHARING_VERSION = createHash('sha256').update(sharingText('el', 'URL')).update(sharingText('en', 'URL')).digest('hex').slice(0, 16);
