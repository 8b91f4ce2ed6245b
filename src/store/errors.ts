import { CensorprobeError } from '../errors.js';

/** The store cannot be opened or written: read-only, locked, full, unreachable, or from a newer censorprobe. */
export class StoreError extends CensorprobeError {
  override readonly code = 'CP_STORE';
}

/** A run folder refused for recording: what is wrong with it and where. */
export class RunRefusedError extends CensorprobeError {
  override readonly code = 'CP_RUN_REFUSED';
}
