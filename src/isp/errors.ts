import { CensorprobeError } from '../errors.js';

/** The ASN data (shipped table or `--asn-db` file) is missing or unreadable. */
export class AsnDataError extends CensorprobeError {
  override readonly code = 'CP_ASN_DATA';
}
