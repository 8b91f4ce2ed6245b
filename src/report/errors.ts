// Errors of the report writers, each with a stable `code` (see src/errors.ts).
import { CensorprobeError } from '../errors.js';

/** A record handed to a file sink after the sink was closed (a bug in the caller: it would be lost). */
export class WriteAfterCloseError extends CensorprobeError {
  override readonly code = 'CP_WRITE_AFTER_CLOSE';
}
