// The control helper (server side, run abroad) and the probe's client for it.
export { startControlServer, CONTROL_SERVER_DEFAULTS, type ControlServer, type ControlServerOptions } from './server.js';
export { measureControl, CONTROL_DEFAULTS, type ControlMeasureOptions } from './measure.js';
export { AddressPolicy, REFUSED_ADDRESS } from './policy.js';
export { askControl, askControlBatch, CONTROL_FAILURE, type AskOptions, type ControlAnswer, type ControlBatchAnswer } from './client.js';
export { controlAsker, batchTimeoutMs, AskerClosedError, ASKER_DEFAULTS, type ControlAsker, type AskerOptions } from './asker.js';
export {
  CONTROL_PATH,
  CONTROL_BATCH_PATH,
  HEALTH_PATH,
  LIMITS,
  parseControlRequest,
  parseControlBatch,
  isControlResponse,
  type ControlRequest,
  type ControlBatchRequest,
  type ControlBatchResponse,
} from './protocol.js';
export { systemOrServerResolver, parseResolverAddress, type HostResolver, type DnsView } from './resolve.js';
export { RateLimiter, type RateOptions } from './ratelimit.js';
export { ControlRequestError } from './errors.js';
