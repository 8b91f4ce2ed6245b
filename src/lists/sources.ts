// Where the published lists come from (lists/README.md).
export const EEEP_URL = 'https://hgc.gov.gr/wp-content/uploads/blacklist.xlsx';
