export { ConsentRequiredError, ensureConsent, type EnsureConsentOptions } from './ensure.js';
export { consentFile, hasConsented, recordConsent, type ConsentRecord } from './store.js';
export { CONSENT_VERSION, consentText, type ConsentFacts, type ConsentLang } from './text.js';
