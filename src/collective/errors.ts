// Errors of the collective (server and volunteer side), each with a stable code.
import { CensorprobeError } from '../errors.js';

/** An upload or request the server refuses; `status` is the HTTP answer, `reason` a stable word for scripts. */
export class UploadRefusedError extends CensorprobeError {
  override readonly code = 'CP_UPLOAD_REFUSED';
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

/** The collective's database cannot be reached or answered with an error. */
export class CollectiveStoreError extends CensorprobeError {
  override readonly code = 'CP_COLLECTIVE_STORE';
}

/** The volunteer side: the collective is not configured, unreachable, or answered unexpectedly. */
export class CollectiveClientError extends CensorprobeError {
  override readonly code = 'CP_COLLECTIVE_CLIENT';
}
