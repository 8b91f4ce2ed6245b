// The network steps: each takes { guard, timeoutMs, startedAt, tags } and returns an observation.
export { type StepOptions, secondsSince } from './step.js';
export { FAILURE, classifyError, certificateFailure } from './failure.js';
export { StepTimeoutError, PeerClosedError, SocketReuseError } from './errors.js';
export { tcpConnect, type TcpResult } from './tcp.js';
export { tlsHandshake, type TlsOptions, type TlsResult } from './tls.js';
export { type CaOption, summarizeCertificate, trustStore, validForName } from './certificate.js';
export {
  httpRequest,
  type HttpOptions,
  type HttpTarget,
  DEFAULT_BODY_CAP_BYTES,
  BODY_TEXT_CHARS,
  DEFAULT_USER_AGENT,
} from './http.js';
export { decodeBody, extractTitle, charsetFromContentType, charsetFromMeta } from './body.js';
export { NetGuard, openGuard, type Guard } from './guard.js';
