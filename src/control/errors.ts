// Errors of the control helper and its client, each with a stable code.
import { CensorprobeError } from '../errors.js';

/** A request to the helper that is malformed or over a limit; answered with `status`. */
export class ControlRequestError extends CensorprobeError {
  override readonly code = 'CP_CONTROL_REQUEST';
  readonly status: number;
  constructor(message: string, status = 400) {
    super(message);
    this.status = status;
  }
}
