// One error class per failure kind, each with a stable `code` (undici's convention), so callers and
// tests match on `code`, never on message text. The CLI prints `message` (and `hint`) as one line.

export class CensorprobeError extends Error {
  readonly code: string = 'CP_ERROR';
  /** What the user can do about it, printed after the message. */
  readonly hint: string | undefined;
  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.hint = options.hint;
  }
}

/** Bad command-line arguments or option values. */
export class UsageError extends CensorprobeError {
  override readonly code = 'CP_USAGE';
}

/** A list file that cannot be read or holds invalid rows. */
export class ListError extends CensorprobeError {
  override readonly code = 'CP_LIST';
}

/** The safety guard refused an address outside the allowed networks. */
export class GuardError extends CensorprobeError {
  override readonly code = 'CP_GUARD';
}

/** An input file (XLSX, PDF, measurements) in an unexpected shape. */
export class FormatError extends CensorprobeError {
  override readonly code = 'CP_FORMAT';
}

/** The process's exit codes (README, `--help`): a contract for scripts. */
export const EXIT = {
  ok: 0,
  /** Something failed: a list, the network, the lab, a check that did not pass. */
  failure: 1,
  /** Bad command line: unknown command or option, bad option value, missing argument. */
  usage: 2,
  /** `history changes --fail-on-change`: confirmed changes exist. */
  changes: 3,
  /** A run complete in its folder but not recorded in the history store (read-only, locked, full, down). */
  notRecorded: 4,
  /** A run stopped by Ctrl-C (128 + SIGINT) or SIGTERM (128 + 15): what was measured is saved. */
  sigint: 130,
  sigterm: 143,
} as const;
