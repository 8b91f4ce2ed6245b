// Errors raised inside the network steps. They end up as failure strings in observations (see
// failure.ts); the classes exist so that mapping works on a stable `code`, not on message text.
import { CensorprobeError } from '../errors.js';

/** Our own step timer fired (OONI: generic_timeout_error). */
export class StepTimeoutError extends CensorprobeError {
  override readonly code = 'CP_NET_TIMEOUT';
}

/** The peer closed the connection before the step got what it needed (OONI: eof_error). */
export class PeerClosedError extends CensorprobeError {
  override readonly code = 'CP_NET_EOF';
}

/** undici asked for a second connection over a measured socket that can only be used once. */
export class SocketReuseError extends CensorprobeError {
  override readonly code = 'CP_NET_SOCKET_REUSE';
}

/** A step that connects to an address was given something else (a name): resolving is not its job. */
export class NotAnAddressError extends CensorprobeError {
  override readonly code = 'CP_NET_NOT_IP';
}

/** A TLS handshake was handed a socket that is not connected (no peer to check with the guard). */
export class NotConnectedError extends CensorprobeError {
  override readonly code = 'CP_NET_NOT_CONNECTED';
}
